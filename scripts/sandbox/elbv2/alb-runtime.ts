// The ELBv2 endpoint's runtime for the ALB model (scripts/sandbox/alb.ts): several HAProxy nodes.
// A registration change reaches each node after its own delay (seeded random, per call and node),
// in call order per node and target; DescribeTargetHealth answers at once from the aggregated view
// (`aggregate`, below), which runs ahead of the slowest node.
import fs from 'node:fs';
import { setFixedResponse } from '../haproxy-fixed.ts';
import {
  adminStates,
  checkCode,
  checkHealth,
  readyThroughChecks,
  setServerAdmin,
  showServers,
  shutdownServerSessions,
} from '../haproxy-runtime.ts';
import type { Runtime } from './actions.ts';
import type { RuntimeCommand, ServerView } from './state.ts';

export type AlbRuntimeOptions = {
  nodes: { name: string; socketPath: string }[];
  backend: string;
  failOpenBackend: string;
  propagation: { minSeconds: number; maxSeconds: number; seed: number };
  /** One JSON line per change a node applied: { node, server, command, requestedAt, appliedAt }. */
  eventsFile?: string;
};

/** A node's view of a target, with what the runtime knows about changes on their way to it. */
export type NodeView = ServerView & {
  /** A change for this target is queued for this node and not applied yet. */
  pending: boolean;
  /** Registered on this node and not yet UP there: its failing checks are the rise, not a verdict. */
  rising: boolean;
};

const FAILING = /TOUT|CON|RSP|STS|SOCKERR/;
const routes = (v: ServerView) => v.op === 'UP' || v.op === 'NOLB' || v.op === 'DRAIN';

/**
 * One state from the nodes' verdicts, the adversarial way: a node that has marked the target
 * (DOWN on failing checks) wins, so `unhealthy` shows as soon as the first node marks it; else any
 * node that routes makes it UP (`healthy` once the first node re-admits it). Nodes that have not
 * yet applied a change do not count; when none has, the view is `pending`.
 */
export function aggregate(views: NodeView[]): ServerView & { pending?: boolean } {
  const applied = views.filter((v) => !v.pending);
  if (applied.length === 0) return { op: 'DOWN', checkStatus: '', checkHealth: 0, pending: true };
  const marked = applied.find((v) => v.op === 'DOWN' && !v.rising && FAILING.test(v.checkStatus));
  if (marked) return strip(marked);
  const up = applied.find(routes);
  if (up) return strip(up);
  if (applied.every((v) => v.op === 'MAINT')) return strip(applied[0]!);
  const best = applied.reduce((a, b) => ((b.checkHealth ?? 0) > (a.checkHealth ?? 0) ? b : a));
  // A fresh target's `initial` -> `unhealthy` clock starts when the first node began checking it.
  const since = applied.map((v) => v.risingSince).filter((t) => t !== undefined);
  return { ...strip(best), ...(since.length ? { risingSince: Math.min(...since) } : {}) };
}

const strip = ({ pending: _p, rising: _r, risingSince: _s, ...view }: NodeView): ServerView => view;

/** mulberry32: a small seeded generator, so a run's delays can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function albRuntime(o: AlbRuntimeOptions): Runtime & { close(): void } {
  const random = seeded(o.propagation.seed);
  const timers = new Set<NodeJS.Timeout>();
  const pending = new Map<string, number>(); // `${node} ${server}` -> queued changes
  const rising = new Map<string, number>(); // node+server -> when the registration was applied there
  const lastDue = new Map<string, number>();
  const chains = new Map<string, Promise<unknown>>();
  const key = (node: string, server: string) => `${node} ${server}`;

  const applyOn = async (socket: string, server: string, command: RuntimeCommand) => {
    if (command === 'drain') {
      await setServerAdmin(socket, o.backend, server, 'drain');
      await setServerAdmin(socket, o.failOpenBackend, server, 'drain');
    } else if (command === 'maint') {
      for (const b of [o.backend, o.failOpenBackend]) {
        await setServerAdmin(socket, b, server, 'maint');
        await shutdownServerSessions(socket, b, server);
      }
    } else {
      await readyThroughChecks(socket, o.backend, server);
      await setServerAdmin(socket, o.failOpenBackend, server, 'ready');
    }
  };

  const record = (entry: object) => {
    if (o.eventsFile) fs.appendFileSync(o.eventsFile, `${JSON.stringify(entry)}\n`);
  };

  return {
    async servers() {
      const perNode = await Promise.all(
        o.nodes.map(async (n) => ({ n, states: await showServers(n.socketPath, o.backend) })),
      );
      const views = new Map<string, NodeView[]>();
      for (const { n, states } of perNode)
        for (const s of states) {
          const k = key(n.name, s.server);
          if (s.op === 'UP') rising.delete(k);
          const view: NodeView = {
            op: s.op,
            checkStatus: s.checkStatus,
            checkCode: checkCode(s),
            checkHealth: checkHealth(s),
            pending: (pending.get(k) ?? 0) > 0,
            rising: rising.has(k),
            ...(rising.has(k) ? { risingSince: rising.get(k) } : {}),
          };
          views.set(s.server, [...(views.get(s.server) ?? []), view]);
        }
      return new Map([...views].map(([server, v]) => [server, aggregate(v)]));
    },
    adminStates: () => adminStates(o.nodes[0]!.socketPath, o.backend),
    // Rule changes reach every node at once here (their propagation on AWS is not documented).
    async fixedResponse(fixed) {
      await Promise.all(o.nodes.map((n) => setFixedResponse(n.socketPath, fixed)));
    },
    async apply(server, command) {
      const requestedAt = Date.now();
      const { minSeconds: min, maxSeconds: max } = o.propagation;
      for (const n of o.nodes) {
        const k = key(n.name, server);
        // Changes to one target reach a node in call order; changes to different targets race.
        const due = Math.max(requestedAt + (min + random() * (max - min)) * 1000, lastDue.get(k) ?? 0);
        lastDue.set(k, due);
        pending.set(k, (pending.get(k) ?? 0) + 1);
        const timer = setTimeout(() => {
          timers.delete(timer);
          const prev = chains.get(n.name) ?? Promise.resolve();
          const next = prev
            .then(() => applyOn(n.socketPath, server, command))
            .then(
              () => {
                if (command === 'ready-through-checks') rising.set(k, Date.now());
                else rising.delete(k);
                record({ node: n.name, server, command, requestedAt, appliedAt: Date.now() });
              },
              (e: Error) => record({ node: n.name, server, command, requestedAt, error: e.message }),
            )
            .finally(() => pending.set(k, (pending.get(k) ?? 1) - 1));
          chains.set(n.name, next);
        }, due - requestedAt);
        timers.add(timer);
      }
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
