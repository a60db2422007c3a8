// The ALB model really exercises the difference: the rules handoff had before fail requests there,
// the new ones do not. Old rules run from a test harness (scripts/sandbox/drain-harness.ts), never
// from the product: settle on the API's first `healthy`, and a drain that ends on the API's word
// and its bound while propagation outlasts them.
import {
  DeregisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, expect, it } from 'vitest';
import { ELBV2 } from '../../scripts/sandbox/contract.ts';
import { apiStateOf, drainAndStop, putBack } from '../../scripts/sandbox/drain-harness.ts';
import { waitForServers } from '../../scripts/sandbox/haproxy.ts';
import { formatLoad, type RequestRecord } from '../../scripts/sandbox/load.ts';
import { sleep } from '../../scripts/sandbox/proc.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { ALB_UP, elbv2Client, propagationSince, readmittedAt, routedSince, underAlbLoad } from './_alb.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const TG = ELBV2.targetGroupArn;
// Seed 166, 1-10 s: the first three calls' delays are drawn so that node n3 gets the registration of
// h1 8.9 s after the call but the deregistration of h2 1.1 s after its own (see the first test).
const PROPAGATION = { minSeconds: 1, maxSeconds: 10, seed: 166 };
const failedIn = (requests: RequestRecord[], from: number, to: number) =>
  requests.filter((r) => r.at >= from && r.at < to && r.outcome !== 'ok').length;

sandboxDescribe('the old rules fail on the ALB model, the new ones do not', () => {
  const sandbox = sandboxForSuite({ ...ALB_UP, deregistrationDelaySeconds: 300, propagation: PROPAGATION });
  let state: SandboxState;
  let client: ElasticLoadBalancingV2Client;
  beforeAll(() => {
    state = sandbox();
    client = elbv2Client();
  });
  const id = (i: number) => state.hosts[i]!.instanceId;

  it("settle on the API's first healthy: the next host is drained while a node has no target, requests fail", async () => {
    const [h1, h2] = state.hosts as [SandboxState['hosts'][0], SandboxState['hosts'][0]];
    let registeredAt = 0;
    let nextDrainedAt = 0;
    try {
      const { load } = await underAlbLoad(state, async () => {
        await client.send(new DeregisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: id(0) }] }));
        await sleep(PROPAGATION.maxSeconds * 1000 + 500); // every node has let h1 go
        registeredAt = Date.now();
        await client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: id(0) }] }));
        while ((await apiStateOf(client, id(0))) !== 'healthy') await sleep(100); // the old settle rule
        nextDrainedAt = Date.now();
        await client.send(new DeregisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: id(1) }] }));
        // Until every node has h1 again (the slowest: 8.9 s after the call with this seed).
        await sleep(Math.max(0, registeredAt + PROPAGATION.maxSeconds * 1000 + 1000 - Date.now()));
      });
      // From the model's records: some node did not route to h1 yet when h2 was drained.
      const nodes = state.alb!.nodes.map((n) => n.name);
      const back = readmittedAt(routedSince(state, registeredAt), nodes, h1.name, registeredAt);
      const late = [...back].filter(([, at]) => at === undefined || at > nextDrainedAt);
      console.log(
        `[old settle] ${formatLoad(load)}\n  re-admitted: ${[...back].map(([n, at]) => `${n} +${at ? at - registeredAt : '-'} ms`).join(', ')}; next drained +${nextDrainedAt - registeredAt} ms`,
      );
      expect(late.length).toBeGreaterThan(0);
      expect(failedIn(load.requests, nextDrainedAt, Date.now())).toBeGreaterThan(0);
      expect(load.statusCounts['503']).toBeGreaterThan(0);
    } finally {
      // Back: h2 registered again, every node routes to both.
      await client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: id(1) }] }));
      const timeout = (PROPAGATION.maxSeconds + 6) * 1000;
      await Promise.all(
        state.alb!.nodes.map((n) => waitForServers(n.socket, [h1.name, h2.name], 'UP', timeout)),
      );
    }
  });

  it("today's drain rule: ends on the API's word and its bound while nodes still route; the new rule waits them out", async () => {
    const h1 = state.hosts[0]!;
    // Today's rule with the longest request 2 s and margin 1 s: a 3 s bound, shorter than the propagation.
    const { value, load } = await underAlbLoad(state, async () => {
      const today = await drainAndStop(client, h1, {
        rule: 'today',
        seconds: 2,
        marginSeconds: 1,
        deregistrationDelaySeconds: 300,
      });
      // Until the last node has let h1 go: the requests it sent meanwhile met a stopped JVM.
      while (propagationSince(state, today.startedAt).filter((e) => e.command === 'drain').length < 3)
        await sleep(200);
      await sleep(1000);
      const todayApplied = propagationSince(state, today.startedAt).filter((e) => e.command === 'drain');
      await putBack(state, client, h1);
      const evidence = await drainAndStop(client, h1, { rule: 'evidence', deregistrationDelaySeconds: 300 });
      const evidenceApplied = propagationSince(state, evidence.startedAt).filter(
        (e) => e.command === 'drain',
      );
      await sleep(2000);
      await putBack(state, client, h1);
      return { today, todayApplied, evidence, evidenceApplied };
    });
    const { today, todayApplied, evidence, evidenceApplied } = value;
    const lastApplied = (a: { appliedAt: number }[]) => Math.max(...a.map((e) => e.appliedAt));
    const todayFailed = failedIn(load.requests, today.startedAt, evidence.startedAt);
    const evidenceFailed = failedIn(load.requests, evidence.startedAt, Date.now());
    console.log(
      `[old drain] today: drained ${today.drainedMs} ms, last node let go at +${lastApplied(todayApplied) - today.startedAt} ms, ${todayFailed} failed\n` +
        `[new drain] evidence: drained ${evidence.drainedMs} ms, last node let go at +${lastApplied(evidenceApplied) - evidence.startedAt} ms, ${evidenceFailed} failed`,
    );
    expect(lastApplied(todayApplied)).toBeGreaterThan(today.stoppedAt); // propagation outlasted the rule
    expect(todayFailed).toBeGreaterThan(0);
    expect(evidence.stoppedAt).toBeGreaterThan(lastApplied(evidenceApplied));
    expect(evidenceFailed, formatLoad(load)).toBe(0);
  });
});
