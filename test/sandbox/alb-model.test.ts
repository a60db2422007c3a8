// The ALB model itself (scripts/sandbox/alb.ts, elbv2/alb-runtime.ts) behaves as an ALB does where
// the drain depends on it: nodes connect from their own addresses and keep connections alive; after
// DeregisterTargets each node goes on routing for its own propagation delay while the API already
// says `draining`; after RegisterTargets the API says `healthy` once the first node routes; in
// termination the API says `unhealthy` once the first node marks the target; with every target
// unhealthy the nodes fail open, and the last-healthy guard still refuses to drain.
import {
  DeregisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, expect, it } from 'vitest';
import { albNodeViews } from '../../scripts/sandbox/alb.ts';
import { APP_PORT, ELBV2 } from '../../scripts/sandbox/contract.ts';
import { waitForServers } from '../../scripts/sandbox/haproxy.ts';
import { formatLoad } from '../../scripts/sandbox/load.ts';
import { sleep } from '../../scripts/sandbox/proc.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { deregisterConfig, startCli } from '../helpers/deploy-sandbox.ts';
import {
  ALB_UP,
  apiState,
  awsEnv,
  elbv2Client,
  propagationSince,
  routedSince,
  spans,
  underAlbLoad,
} from './_alb.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const PROPAGATION = { minSeconds: 1, maxSeconds: 8, seed: 4 };

/** The app's own connections on its port, seen from inside the host (what the drain evidence reads). */
async function appConnections(ip: string): Promise<{ peer: string; port: string; segsIn: number }[]> {
  const r = await sshRun(ip, `ss -Htni state established '( sport = :${APP_PORT} )'`);
  const out: { peer: string; port: string; segsIn: number }[] = [];
  const lines = r.stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /(\d+\.\d+\.\d+\.\d+)\]?:(\d+)\s*$/.exec(lines[i] ?? '');
    if (!m) continue;
    const segs = /data_segs_in:(\d+)/.exec(lines[i + 1] ?? '');
    out.push({ peer: m[1]!, port: m[2]!, segsIn: Number(segs?.[1] ?? 0) });
  }
  return out;
}

sandboxDescribe('the ALB model: nodes, propagation, keep-alive, fail-open', () => {
  const sandbox = sandboxForSuite({ ...ALB_UP, deregistrationDelaySeconds: 4, propagation: PROPAGATION });
  let state: SandboxState;
  let client: ElasticLoadBalancingV2Client;
  beforeAll(() => {
    state = sandbox();
    client = elbv2Client();
  });
  const target = (i: number) => [{ Id: state.hosts[i]!.instanceId }];
  const allUp = () =>
    Promise.all(
      state.alb!.nodes.map((n) =>
        waitForServers(
          n.socket,
          state.hosts.map((h) => h.name),
          'UP',
          30_000,
        ),
      ),
    );

  it('each node reaches a target from its own address over connections it keeps alive', async () => {
    const { value } = await underAlbLoad(state, async () => {
      await sleep(1500);
      const a = await appConnections(state.hosts[0]!.ip);
      await sleep(1000);
      return { a, b: await appConnections(state.hosts[0]!.ip) };
    });
    const nodeIps = state.alb!.nodes.map((n) => n.ip).sort();
    expect([...new Set(value.a.map((c) => c.peer))].sort()).toEqual(nodeIps);
    // The same connections a second later, carrying more requests: keep-alive, not one per request.
    const kept = value.a.filter((c) =>
      value.b.some((d) => d.peer === c.peer && d.port === c.port && d.segsIn > c.segsIn),
    );
    expect(new Set(kept.map((c) => c.peer)).size).toBe(nodeIps.length);
  });

  it('DeregisterTargets: draining at once, each node routes on until its own delay, 0 failed', async () => {
    const h1 = state.hosts[0]!;
    let at = 0;
    const { value: states, load } = await underAlbLoad(state, async () => {
      await sleep(1000);
      at = Date.now();
      await client.send(
        new DeregisterTargetsCommand({ TargetGroupArn: ELBV2.targetGroupArn, Targets: target(0) }),
      );
      const seen = [await apiState(client, h1.instanceId)];
      await sleep(PROPAGATION.maxSeconds * 1000 + 1500);
      return seen;
    });
    expect(states[0]).toBe('draining');
    const applied = propagationSince(state, at).filter((e) => e.command === 'drain');
    expect(applied.map((e) => e.node).sort()).toEqual(['n1', 'n2', 'n3']);
    const routed = spans(routedSince(state, at), h1.name, at);
    for (const e of applied) {
      const delay = e.appliedAt - at;
      expect(delay).toBeGreaterThanOrEqual(PROPAGATION.minSeconds * 1000 - 50);
      expect(delay).toBeLessThanOrEqual(PROPAGATION.maxSeconds * 1000 + 500);
      // The node routed new requests to h1 until (about) its own change, never after it.
      const s = routed.get(e.node);
      expect(s, `${e.node} routed nothing to h1 after the call`).toBeDefined();
      expect(s!.last).toBeLessThanOrEqual(e.appliedAt + 50);
      expect(s!.last).toBeGreaterThan(e.appliedAt - 500);
    }
    expect(load.failed, formatLoad(load)).toBe(0);
  });

  it('RegisterTargets: healthy once the first node routes, while a slower node does not yet', async () => {
    const h1 = state.hosts[0]!;
    await sleep(4500); // the 4 s deregistration delay runs out: h1 is unused
    expect(await apiState(client, h1.instanceId)).toBe('unused');
    let at = 0;
    let healthyAt = 0;
    const { load } = await underAlbLoad(state, async () => {
      at = Date.now();
      await client.send(
        new RegisterTargetsCommand({ TargetGroupArn: ELBV2.targetGroupArn, Targets: target(0) }),
      );
      const deadline = Date.now() + 30_000;
      while (!healthyAt && Date.now() < deadline) {
        const s = await apiState(client, h1.instanceId);
        if (s === 'healthy') healthyAt = Date.now();
        else expect(s).toBe('initial');
        await sleep(100);
      }
      await allUp();
      await sleep(1500);
    });
    expect(healthyAt).toBeGreaterThan(0);
    const first = [...spans(routedSince(state, at), h1.name, at).values()].map((s) => s.first);
    expect(first).toHaveLength(3);
    // The API says healthy within a poll of the first node routing, and before the last one does.
    expect(healthyAt).toBeGreaterThanOrEqual(Math.min(...first) - 1100);
    const applied = propagationSince(state, at).filter((e) => e.command === 'ready-through-checks');
    const spread =
      Math.max(...applied.map((e) => e.appliedAt)) - Math.min(...applied.map((e) => e.appliedAt));
    expect(spread, 'seed 4 spreads the registration over the nodes').toBeGreaterThan(2500);
    expect(healthyAt).toBeLessThan(Math.max(...first));
    expect(load.failed, formatLoad(load)).toBe(0);
  });

  it('termination: unhealthy in the API once the first node marks it, while another still routes', async () => {
    const h2 = state.hosts[1]!;
    let unhealthyAt = 0;
    let slowestPollMs = 0;
    const downAt = new Map<string, number>();
    const { load } = await underAlbLoad(state, async () => {
      await sshRun(h2.ip, `curl -s -o /dev/null -X POST http://127.0.0.1:${APP_PORT}/termination`);
      const deadline = Date.now() + 15_000;
      while (downAt.size < 3 && Date.now() < deadline) {
        const polledAt = Date.now();
        const [api, views] = await Promise.all([
          apiState(client, h2.instanceId),
          albNodeViews(state.alb!.nodes),
        ]);
        const now = Date.now();
        slowestPollMs = Math.max(slowestPollMs, now - polledAt);
        if (api === 'unhealthy' && !unhealthyAt) unhealthyAt = now;
        for (const v of views)
          if (v.targets.find((t) => t.server === h2.name)?.op === 'DOWN' && !downAt.has(v.node))
            downAt.set(v.node, now);
        await sleep(30);
      }
    });
    expect(downAt.size).toBe(3);
    expect(unhealthyAt).toBeGreaterThan(0);
    // Within one poll of the first node's verdict: the API and the nodes are read together, and on a
    // loaded machine one such read took up to ~300 ms, so a fixed 100 ms said more about load than model.
    expect(unhealthyAt).toBeLessThanOrEqual(Math.min(...downAt.values()) + Math.max(100, slowestPollMs));
    expect(unhealthyAt).toBeLessThan(Math.max(...downAt.values()));
    expect(load.failed, formatLoad(load)).toBe(0);
  });

  it('fail-open: every target unhealthy, the nodes route to all of them; the last-healthy guard refuses', async () => {
    const h1 = state.hosts[0]!;
    await sshRun(h1.ip, `curl -s -o /dev/null -X POST http://127.0.0.1:${APP_PORT}/termination`);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const views = await albNodeViews(state.alb!.nodes);
      // Every registered target DOWN (each host's second port is unregistered: MAINT, out of the count).
      if (views.every((v) => v.targets.every((t) => t.op === 'DOWN' || t.op === 'MAINT'))) break;
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(100);
    }
    const from = Date.now();
    const { load } = await underAlbLoad(state, () => sleep(3000));
    expect(load.failed, formatLoad(load)).toBe(0);
    const routed = routedSince(state, from);
    expect(new Set(routed.filter((r) => r.backend === 'failopen').map((r) => r.node)).size).toBe(3);
    expect(new Set(routed.map((r) => r.server))).toEqual(new Set(['h1', 'h2']));
    expect(await apiState(client, h1.instanceId)).toBe('unhealthy');

    const { dir } = deregisterConfig(state);
    const run = await startCli(['run', '--yes'], dir, awsEnv).done;
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(2);
    expect(`${run.stdout}\n${run.stderr}`).toMatch(/no other healthy target/);
  });
});
