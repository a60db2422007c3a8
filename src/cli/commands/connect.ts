// Hosts from config, and their executors through the transport registry. `onWarning` receives what must be
// said loudly (a host key accepted unverified); without it the executor writes it to stderr.
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import { resolveHosts } from '../../core/facts.ts';
import { traced } from '../../executors/traced.ts';
import type { Executor } from '../../executors/types.ts';
import { transportFor } from '../../transports/registry.ts';
import type { Io } from '../io.ts';
import { awsPorts } from './aws.ts';

/** The config's hosts (`--hosts` applied), found through EC2 when hosts.discover is set, as plan and run find them. */
export async function configuredHosts(
  config: DeployConfig,
  io: Io,
  hostsFilter: string | undefined,
): Promise<StaticHost[]> {
  const { discover } = await awsPorts(config, io);
  return resolveHosts(config, {
    ...(hostsFilter !== undefined ? { hostsFilter } : {}),
    ...(discover ? { discover } : {}),
  });
}

/**
 * The host's executor, through its transport (src/transports/registry.ts); with HANDOFF_TRACE set,
 * each command's kind and timing is appended to that file (docs/cli.md, "Tracing commands").
 */
export async function connectHost(
  config: DeployConfig,
  host: StaticHost,
  cwd: string,
  onWarning?: (message: string) => void,
): Promise<Executor> {
  const transport = transportFor(config, host);
  const exec = await transport.connect(config, host, { cwd, ...(onWarning ? { onWarning } : {}) });
  const trace = process.env.HANDOFF_TRACE;
  return trace ? traced(exec, transport.name, trace) : exec;
}
