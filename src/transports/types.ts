// What a transport provides (docs/architecture.md, "Transports"): a way to reach one host and run
// commands there. The executor it returns has `run`; `stream` and `put` only if `capabilities`
// says so, and the uploader and the sampler fall back without them.
import type { ConfigIssue } from '../config/issues.ts';
import type { DeployConfig, StaticHost } from '../config/schema.ts';
import type { Executor } from '../executors/types.ts';

export type ConnectOptions = {
  /** The config's directory: relative key paths resolve from here. */
  cwd: string;
  /** What must be said loudly (e.g. a host key accepted unverified). */
  onWarning?: (message: string) => void;
};

export type Transport = {
  name: string;
  /** One line for docs: what it needs and what it speaks. */
  summary: string;
  /** What its executors can do beyond `run` (the dry run gets the same, so it walks the same path). */
  capabilities: { stream: boolean; put: boolean };
  /** Config rules for the hosts that use this transport (run by validateConfig): errors to report. */
  rules?(config: DeployConfig, hosts: { host: StaticHost; index: number }[]): ConfigIssue[];
  /** Opens the host's executor. Load adapters lazily here: the registry is read by the config schema. */
  connect(config: DeployConfig, host: StaticHost, opts: ConnectOptions): Promise<Executor>;
};
