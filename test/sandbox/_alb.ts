// Shared by the test/sandbox/alb-*.test.ts files: the ALB model's settings, its per-node records,
// the real SDK client on the sandbox's ELBv2 endpoint, and load spread over the nodes.
import fs from 'node:fs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { albUrls, type Routed, readRouted } from '../../scripts/sandbox/alb.ts';
import { ELBV2 } from '../../scripts/sandbox/contract.ts';
import { type LoadResult, type RequestRecord, startLoad } from '../../scripts/sandbox/load.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import type { UpOptions } from '../../scripts/sandbox/up.ts';

/** Short checks for the suite (files run in parallel lanes; each stays under ~3 minutes). */
export const ALB_UP: UpOptions = {
  hosts: 2,
  lb: 'alb',
  albNodes: 3,
  healthCheck: { intervalSeconds: 1, timeoutSeconds: 0.5, unhealthyThreshold: 2, healthyThreshold: 2 },
};

export const awsEnv = {
  AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_REGION: ELBV2.region,
};

export function elbv2Client(): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({
    endpoint: `http://127.0.0.1:${ELBV2.port}`,
    region: ELBV2.region,
    credentials: { accessKeyId: awsEnv.AWS_ACCESS_KEY_ID, secretAccessKey: awsEnv.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
}

export async function apiState(client: ElasticLoadBalancingV2Client, id: string): Promise<string> {
  const r = await client.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: ELBV2.targetGroupArn, Targets: [{ Id: id }] }),
  );
  return r.TargetHealthDescriptions?.[0]?.TargetHealth?.State ?? 'none';
}

/** Requests every node routed, from `since` (epoch ms) on. */
export function routedSince(state: SandboxState, since: number): Routed[] {
  return readRouted(state.alb?.nodes ?? []).filter((r) => r.at >= since);
}

/** Changes the nodes applied (the ELBv2 endpoint's propagation log), from `since` on. */
export function propagationSince(
  state: SandboxState,
  since: number,
): { node: string; server: string; command: string; requestedAt: number; appliedAt: number }[] {
  const file = state.alb?.events;
  if (!file || !fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.requestedAt >= since && e.appliedAt);
}

/** Runs `fn` under steady load spread over the nodes, every request recorded. */
export async function underAlbLoad<T>(
  state: SandboxState,
  fn: () => Promise<T>,
  rate = 40,
): Promise<{ value: T; load: LoadResult & { requests: RequestRecord[] } }> {
  const load = startLoad({ urls: albUrls(state.alb?.nodes ?? []), rate, seconds: 900, record: true });
  try {
    const value = await fn();
    await new Promise((r) => setTimeout(r, 1000));
    load.stop();
    const result = await load.done;
    return { value, load: { ...result, requests: result.requests ?? [] } };
  } finally {
    load.stop();
  }
}

/** Per node, the first and last request it routed to `server` in [from, to). */
export function spans(routed: Routed[], server: string, from: number, to = Number.POSITIVE_INFINITY) {
  const out = new Map<string, { first: number; last: number; count: number }>();
  for (const r of routed) {
    if (r.server !== server || r.at < from || r.at >= to) continue;
    const s = out.get(r.node);
    if (!s) out.set(r.node, { first: r.at, last: r.at, count: 1 });
    else Object.assign(s, { last: r.at, count: s.count + 1 });
  }
  return out;
}

/** When each host's steps started and ended, from the deploy's events.ndjson. */
export function stepTimes(reportDir: string): Map<string, Map<string, { start: number; end: number }>> {
  const out = new Map<string, Map<string, { start: number; end: number }>>();
  const file = `${reportDir}/events.ndjson`;
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as { kind: string; host?: string; step?: string; at: number };
    if (!e.host || !e.step || (e.kind !== 'step:start' && e.kind !== 'step:end')) continue;
    const steps = out.get(e.host) ?? new Map<string, { start: number; end: number }>();
    out.set(e.host, steps);
    const s = steps.get(e.step) ?? { start: 0, end: 0 };
    if (e.kind === 'step:start') s.start = e.at;
    else s.end = e.at;
    steps.set(e.step, s);
  }
  return out;
}

export type DrainCheck = {
  host: string;
  drainedMs: number;
  /** The last request any node routed to the host's old JVM, and the last the load saw answered by it. */
  lastRoutedAt: number;
  lastAnsweredAt: number;
  /** When the quiet window closed (last request + Q), and the drain's end. */
  quietClosedAt: number;
  waitEnd: number;
};

/**
 * The facts the ALB tests assert for each host of a rolling deploy, from the records of the model
 * (which node routed what, when), the load generator (who answered) and the deploy (its events).
 */
export function drainFacts(
  state: SandboxState,
  reportDir: string,
  requests: RequestRecord[],
  quietMs: number,
) {
  const times = stepTimes(reportDir);
  const routed = readRouted(state.alb?.nodes ?? []);
  const drains: DrainCheck[] = [];
  for (const [host, steps] of times) {
    const wait = steps.get('wait')!;
    const stop = steps.get('stop')!;
    const start = steps.get('drain')!.start;
    const toHost = routed.filter((r) => r.server === host && r.at >= start - 60_000 && r.at < stop.end);
    const lastRoutedAt = Math.max(...toHost.map((r) => r.at));
    const answered = requests.filter((r) => r.host === host && r.at < stop.end);
    drains.push({
      host,
      drainedMs: wait.end - start,
      lastRoutedAt,
      lastAnsweredAt: Math.max(...answered.map((r) => r.at)),
      quietClosedAt: lastRoutedAt + quietMs,
      waitEnd: wait.end,
    });
  }
  return { times, routed, drains };
}

/**
 * Per node, when it first routed to `host` after `after` (the new JVM's start): the moment each
 * node re-admitted the host. Undefined for a node that never did.
 */
export function readmittedAt(routed: Routed[], nodes: string[], host: string, after: number) {
  return new Map(
    nodes.map((n) => [n, routed.find((r) => r.node === n && r.server === host && r.at >= after)?.at]),
  );
}
