// Every transport, by the name the config gives it (`transport`, or `hosts[].transport`). Adding
// one: a module in src/transports/ and one line below (docs/architecture.md, "Transports").
import type { DeployConfig, StaticHost } from '../config/schema.ts';
import { ssh } from './ssh.ts';
import { ssm } from './ssm.ts';
import type { Transport } from './types.ts';

export const TRANSPORTS = { ssh, ssm } satisfies Record<string, Transport>;
export type TransportName = keyof typeof TRANSPORTS;
export const TRANSPORT_NAMES = Object.keys(TRANSPORTS) as [TransportName, ...TransportName[]];

/** The transport of one host: its own, else the config's. */
export function transportFor(
  config: Pick<DeployConfig, 'transport'>,
  host: Pick<StaticHost, 'transport'>,
): Transport {
  return TRANSPORTS[host.transport ?? config.transport];
}
