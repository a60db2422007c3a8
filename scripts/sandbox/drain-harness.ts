// One host's drain under a chosen rule, against the ALB model, then its JVM stopped the way a deploy
// stops it, then the host put back: for the tests that show the old rules failing
// (test/sandbox/alb-old-rules.test.ts) and for bench/alb-drain.ts. The rules:
//   sleep     the field script: a fixed sleep
//   today     the rule handoff had before: the API no longer says healthy/initial and no established
//             connection on the app port, else the bound min(D, longest request) + margin
//   evidence  the rule handoff has now: the product's own pure parts (remote/traffic.ts,
//             engine/drain-rules.ts) fed by the same `ss -tin` command, run in the host's network
//             namespace (the product runs it over one kept SSH session; a new ssh per look here would
//             add a handshake to every look and make the rule look slower than it is)
//   unused    what the SDK waiter does: until DescribeTargetHealth says `unused`
import fs from 'node:fs';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { drainVerdict } from '../../src/engine/drain-rules.ts';
import { parseTraffic, TrafficView, trafficSample } from '../../src/remote/traffic.ts';
import { APP_PORT, ELBV2 } from './contract.ts';
import { waitForServers } from './haproxy.ts';
import { restartApp } from './hosts.ts';
import { run, sleep } from './proc.ts';
import { sshRun } from './ssh.ts';
import type { HostState, SandboxState } from './state.ts';

export type DrainRuleName = 'sleep' | 'today' | 'evidence' | 'unused';

export type DrainTrial = {
  rule: DrainRuleName;
  /** sleep: its seconds; today: longest request (its bound is this + margin). */
  seconds?: number;
  marginSeconds?: number;
  quietSeconds?: number;
  deregistrationDelaySeconds: number;
};

export type TrialResult = {
  rule: DrainRuleName;
  host: string;
  startedAt: number;
  stoppedAt: number;
  drainedMs: number;
};

const TG = ELBV2.targetGroupArn;

export async function apiStateOf(client: ElasticLoadBalancingV2Client, id: string): Promise<string> {
  const r = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG, Targets: [{ Id: id }] }));
  return r.TargetHealthDescriptions?.[0]?.TargetHealth?.State ?? 'none';
}

/** Deregisters the host, waits by the rule, stops its JVM (SIGTERM, as a deploy does). */
export async function drainAndStop(
  client: ElasticLoadBalancingV2Client,
  host: HostState,
  trial: DrainTrial,
): Promise<TrialResult> {
  const startedAt = Date.now();
  await client.send(new DeregisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: host.instanceId }] }));
  await waitByRule(client, host, trial, startedAt);
  const drainedAt = Date.now();
  await stopApp(host.ip);
  return {
    rule: trial.rule,
    host: host.name,
    startedAt,
    stoppedAt: drainedAt,
    drainedMs: drainedAt - startedAt,
  };
}

async function waitByRule(client: ElasticLoadBalancingV2Client, host: HostState, t: DrainTrial, t0: number) {
  const D = t.deregistrationDelaySeconds * 1000;
  switch (t.rule) {
    case 'sleep':
      return sleep((t.seconds ?? 25) * 1000);
    case 'unused':
      while ((await apiStateOf(client, host.instanceId)) !== 'unused') await sleep(250);
      return;
    case 'today': {
      const bound = Math.min(D, (t.seconds ?? 30) * 1000) + (t.marginSeconds ?? 2) * 1000;
      while (Date.now() - t0 < bound) {
        const state = await apiStateOf(client, host.instanceId);
        if (state !== 'healthy' && state !== 'initial') {
          const r = await sshRun(host.ip, `ss -Htn state established '( sport = :${APP_PORT} )' | wc -l`);
          if (Number(r.stdout.trim()) === 0) return;
        }
        await sleep(500);
      }
      return;
    }
    case 'evidence': {
      const view = new TrafficView();
      const rule = {
        kind: 'api-draining' as const,
        capMs: D,
        quietMs: (t.quietSeconds ?? 3) * 1000,
      };
      let api = '';
      for (;;) {
        const r = await run('ip', ['netns', 'exec', host.netns, ...trafficSample(APP_PORT).argv]);
        view.observe(Date.now(), parseTraffic(r.stdout));
        if (api !== 'draining' && api !== 'unused') api = await apiStateOf(client, host.instanceId);
        const v = drainVerdict(rule, {
          elapsedMs: Date.now() - t0,
          evidence: true, // run() throws when the look fails
          blind: false,
          quietMs: Date.now() - view.lastRequestAt(),
          inflight: view.inflight(),
          pending: view.pending(),
          samples: view.samples,
          api,
        });
        if (v.done) return;
        await sleep(300);
      }
    }
  }
}

/** SIGTERM to whatever listens on the app port; returns once it is gone. */
export async function stopApp(ip: string): Promise<void> {
  await sshRun(
    ip,
    `pid=$(ss -Hltnp 'sport = :${APP_PORT}' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -1); ` +
      `[ -n "$pid" ] && kill "$pid" && while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; true`,
  );
}

/** The host back in service: the app restarted, registered, and UP on every node once each has applied it. */
export async function putBack(state: SandboxState, client: ElasticLoadBalancingV2Client, host: HostState) {
  await restartApp(host, host);
  const since = Date.now();
  await client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: host.instanceId }] }));
  const { propagation, nodes, events } = state.alb!;
  const { intervalSeconds: I, healthyThreshold: H } = state.healthCheck;
  // A node that has not applied the registration yet may still show the target UP from before.
  const deadline = since + (propagation.maxSeconds + 30) * 1000 + state.alb!.nodes.length * 1000;
  const applied = () =>
    new Set(
      (fs.existsSync(events) ? fs.readFileSync(events, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as {
              node: string;
              server: string;
              command: string;
              requestedAt: number;
              appliedAt?: number;
            },
        )
        .filter(
          (e) =>
            e.server === host.name &&
            e.command === 'ready-through-checks' &&
            e.requestedAt >= since &&
            e.appliedAt,
        )
        .map((e) => e.node),
    );
  while (applied().size < nodes.length) {
    if (Date.now() > deadline)
      throw new Error(`${host.name}: not every node applied its registration in time`);
    await sleep(200);
  }
  await Promise.all(
    nodes.map((n) => waitForServers(n.socket, [host.name], 'UP', (H + 2) * I * 1000 + 10_000)),
  );
}
