// The ALB model: N load-balancer nodes, each its own HAProxy with its own health checks (started at
// offsets of I/N, so each checks every target on its own phase) and its own verdict, its own source
// address on the bridge (as an ALB node's network interface), keep-alive connections to targets, and
// fail-open. The ELBv2 endpoint applies registration changes to each node after its own delay
// (elbv2/alb-runtime.ts). Every request a node routes is logged (haproxy.ts, `albNode`): the
// model's own record of which node sent what to which target, and when.
import fs from 'node:fs';
import { type AlbNodeSpec, albNodeSpec, BRIDGE, type HealthCheckSettings, PREFIX_LEN } from './contract.ts';
import { startHaproxy, waitForServers } from './haproxy.ts';
import { showServers } from './haproxy-runtime.ts';
import { type Proc, run, sleep } from './proc.ts';

export type AlbNodeState = AlbNodeSpec & { proc?: Proc; config?: string };

/** Seconds each node takes to apply a RegisterTargets/DeregisterTargets (seeded, per call and node). */
export type Propagation = { minSeconds: number; maxSeconds: number; seed: number };
export const DEFAULT_PROPAGATION: Propagation = { minSeconds: 1, maxSeconds: 10, seed: 1 };
export const DEFAULT_ALB_NODES = 3;

export function checkPropagation(p: Propagation): void {
  if (!(p.minSeconds >= 0 && p.maxSeconds >= p.minSeconds && p.maxSeconds <= 600))
    throw new RangeError(
      `propagation must be 0 <= min <= max <= 600 seconds, got ${p.minSeconds}-${p.maxSeconds}`,
    );
  if (!Number.isInteger(p.seed)) throw new RangeError(`propagation seed must be an integer, got ${p.seed}`);
}

/** "1-10" or "5" -> { minSeconds, maxSeconds }. */
export function parsePropagation(text: string, seed = DEFAULT_PROPAGATION.seed): Propagation {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m) throw new RangeError(`--propagation takes SECONDS or MIN-MAX, got '${text}'`);
  const p = { minSeconds: Number(m[1]), maxSeconds: Number(m[2] ?? m[1]), seed };
  checkPropagation(p);
  return p;
}

/** Starts the nodes one after another, I/N apart: each node's checks run on their own phase. */
export async function startAlbNodes(o: {
  count: number;
  healthCheck: HealthCheckSettings;
  servers: { name: string; address: string }[];
  onStarted: (node: AlbNodeState) => void;
}): Promise<AlbNodeState[]> {
  const nodes: AlbNodeState[] = [];
  const offsetMs = (o.healthCheck.intervalSeconds * 1000) / o.count;
  for (let k = 1; k <= o.count; k++) {
    const spec = albNodeSpec(k);
    const node: AlbNodeState = { ...spec };
    await run('ip', ['addr', 'replace', `${spec.ip}/${PREFIX_LEN}`, 'dev', BRIDGE]);
    fs.mkdirSync(spec.dir, { recursive: true });
    const t0 = Date.now();
    const { proc, config } = await startHaproxy(spec.dir, {
      healthCheck: o.healthCheck,
      servers: o.servers,
      socket: spec.socket,
      frontend: spec.frontend,
      albNode: { source: spec.ip },
    });
    Object.assign(node, { proc, config });
    nodes.push(node);
    o.onStarted(node);
    if (k < o.count) await sleep(Math.max(0, offsetMs - (Date.now() - t0)));
  }
  return nodes;
}

export async function waitForAlbNodes(nodes: AlbNodeSpec[], servers: string[], timeoutMs: number) {
  await Promise.all(nodes.map((n) => waitForServers(n.socket, servers, 'UP', timeoutMs)));
}

/** Each node's view of each target: its checked state, and whether fail-open would route to it. */
export async function albNodeViews(
  nodes: AlbNodeSpec[],
): Promise<{ node: string; targets: { server: string; op: string; checkStatus: string }[] }[]> {
  return Promise.all(
    nodes.map(async (n) => ({
      node: n.name,
      targets: await showServers(n.socket, 'app').then(
        (s) => s.map((x) => ({ server: x.server, op: x.op, checkStatus: x.checkStatus })),
        () => [],
      ),
    })),
  );
}

/** One routed request as a node logged it. */
export type Routed = {
  node: string;
  at: number;
  backend: string;
  server: string;
  status: number;
  ms: number;
};

/**
 * The `req` lines of a node's log (haproxy.ts, albNode log-format):
 * `req <accept epoch ms> <Th> <Ti> <TR> <backend> <server> <status> <Ta>`. The request was routed
 * once it was received: accept + handshake + idle + receive time (-1: did not apply).
 */
export function parseRequestLog(node: string, text: string): Routed[] {
  const out: Routed[] = [];
  const ms = (v: string | undefined) => Math.max(0, Number(v));
  for (const line of text.split('\n')) {
    const m = /^req (\d{13}) (-?\d+) (-?\d+) (-?\d+) (\S+) (\S+) (-?\d+) (-?\d+)/.exec(line);
    if (!m) continue;
    out.push({
      node,
      at: Number(m[1]) + ms(m[2]) + ms(m[3]) + ms(m[4]),
      backend: m[5]!,
      server: m[6]!,
      status: Number(m[7]),
      ms: Number(m[8]),
    });
  }
  return out;
}

/** Every request every node routed, oldest first. */
export function readRouted(nodes: AlbNodeSpec[]): Routed[] {
  return nodes
    .flatMap((n) => (fs.existsSync(n.log) ? parseRequestLog(n.name, fs.readFileSync(n.log, 'utf8')) : []))
    .sort((a, b) => a.at - b.at);
}

/** The URLs clients use: one per node, as the load balancer's DNS name resolves to every node. */
export function albUrls(nodes: AlbNodeSpec[], pathAndQuery = '/'): string[] {
  return nodes.map((n) => `http://${n.frontend.host}:${n.frontend.port}${pathAndQuery}`);
}
