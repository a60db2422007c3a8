// Pure batch math (docs/rollout.md): how many hosts a batch takes, the healthy floor, the batches
// in order, and whether one more host may be drained now. No I/O: the engine asks the load
// balancer (or the hosts) how many targets are healthy and passes the answer in.

/** A count, or a percentage of the fleet written 'P%'. */
export type Amount = number | `${number}%`;

export type RolloutConfig = {
  batchSize: Amount;
  minHealthy: Amount;
  onFailure: 'stop' | 'rollback-all';
};

const percent = (a: Amount): number | undefined =>
  typeof a === 'string' ? Number(a.slice(0, -1)) : undefined;

/** Hosts per batch: a percentage rounds down (Ansible's `serial`), never below 1 or above the fleet. */
export function batchSizeOf(a: Amount, fleet: number): number {
  const p = percent(a);
  const n = p === undefined ? (a as number) : Math.floor((p * fleet) / 100);
  return Math.min(Math.max(1, n), Math.max(1, fleet));
}

/** Targets that must stay healthy: a percentage rounds up (CodeDeploy's minimum healthy hosts). */
export function floorOf(a: Amount, fleet: number): number {
  const p = percent(a);
  return p === undefined ? (a as number) : Math.max(0, Math.ceil((p * fleet) / 100 - 1e-9));
}

/** The hosts in batches, in the configured order. */
export function batches<T>(hosts: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < hosts.length; i += size) out.push(hosts.slice(i, i + size));
  return out;
}

export type FloorView = {
  /** Targets the load balancer (or the hosts' own health) calls healthy right now. */
  healthy: string[];
  /** Hosts this deploy has drained and not yet seen back in service (the balancer may lag). */
  inFlight: string[];
  host: string;
  floor: number;
};

/**
 * Healthy targets once `host` is drained: the healthy ones, less those this deploy already took
 * away (a drain shows in the balancer's view only after its checks), less the host itself.
 */
export function healthyAfterDrain(v: FloorView): number {
  const away = new Set([...v.inFlight, v.host]);
  return v.healthy.filter((t) => !away.has(t)).length;
}

export const mayDrain = (v: FloorView): boolean => healthyAfterDrain(v) >= v.floor;

/** Why a rollout cannot keep its floor at all (at most fleet - 1 may be asked for), or undefined. */
export function floorProblem(r: RolloutConfig, fleet: number): string | undefined {
  const floor = floorOf(r.minHealthy, fleet);
  if (floor <= fleet - 1) return undefined;
  return `minHealthy ${r.minHealthy} is ${floor} of ${fleet} targets: no host could ever be drained`;
}

/** Plan figures: batches run one after the other, hosts in a batch side by side. */
export function rolloutSeconds(batchCount: number, perHostSeconds: number): number {
  return Math.round(batchCount * perHostSeconds * 10) / 10;
}
