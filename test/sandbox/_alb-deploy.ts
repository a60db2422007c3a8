// The acceptance suite for drains on the ALB model, shared by alb-deploy-termination.test.ts and
// alb-deploy-deregister.test.ts (one file per mode, so they run in parallel lanes): a two-host
// rolling deploy with the real CLI under steady load spread over 3 nodes whose registration changes
// propagate in 1-10 s, asserted from the model's own records.
import { beforeAll, expect, it } from 'vitest';
import { formatLoad } from '../../scripts/sandbox/load.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { deregisterConfig, readReport, sandboxConfig, startCli } from '../helpers/deploy-sandbox.ts';
import { ALB_UP, awsEnv, drainFacts, readmittedAt, underAlbLoad } from './_alb.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const RATE = 150; // requests/s over the nodes: a two-host deploy of ~45 s sends well over 5,000
const QUIET_S = 3;

export function albDeploySuite(mode: 'termination' | 'deregister'): void {
  sandboxDescribe(`deploy run through the ALB model, ${mode} mode`, () => {
    const sandbox = sandboxForSuite({
      ...ALB_UP,
      deregistrationDelaySeconds: 300,
      propagation: { minSeconds: 1, maxSeconds: 10, seed: mode === 'termination' ? 11 : 12 },
    });
    let state: SandboxState;
    beforeAll(() => {
      state = sandbox();
    });

    it("two hosts under load: 0 failed; drains end on the host's evidence; the next host waits for every node", async () => {
      const { dir } = mode === 'deregister' ? deregisterConfig(state) : sandboxConfig(state);
      const planned = await startCli(['plan', '--json'], dir, awsEnv).done;
      expect(planned.code, planned.stderr).toBe(0);
      const waitMs = JSON.parse(planned.stdout).drain.waitSeconds * 1000;
      const { value: run, load } = await underAlbLoad(
        state,
        () => startCli(['run', '--yes'], dir, awsEnv).done,
        RATE,
      );
      const report = readReport(dir);
      console.log(
        `[alb ${mode}] ${formatLoad(load)}\n${report.hosts.map((h) => `${h.name}: ${h.steps.map((s) => `${s.name} ${s.detail}`).join('\n  ')}`).join('\n')}`,
      );
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(load.total).toBeGreaterThanOrEqual(5000);
      expect(load.failed, formatLoad(load)).toBe(0);
      for (const node of Object.values(load.byNode)) expect(node.failed).toBe(0);

      const reportDir = `${dir}/report`;
      const { times, routed, drains } = drainFacts(state, reportDir, load.requests, QUIET_S * 1000);
      for (const d of drains) {
        console.log(
          `[alb ${mode}] ${d.host}: drained ${d.drainedMs} ms; last routed ${d.waitEnd - d.lastRoutedAt} ms before the end, quiet window closed ${d.waitEnd - d.quietClosedAt} ms before it`,
        );
        // Never before the last request the load balancer sent (the model's logs and the load's own records).
        expect(d.lastRoutedAt).toBeLessThanOrEqual(d.waitEnd);
        expect(d.lastAnsweredAt).toBeLessThanOrEqual(d.waitEnd);
        // At most 1 s after the quiet window closed (termination: or after the computed bound).
        const bound = mode === 'termination' ? times.get(d.host)!.get('drain')!.start + waitMs : 0;
        expect(d.waitEnd).toBeLessThanOrEqual(Math.max(d.quietClosedAt, bound) + 1000);
        expect(
          report.hosts.find((h) => h.name === d.host)!.steps.find((s) => s.name === 'wait')!.detail,
        ).toMatch(/^drained after/);
      }

      // Settle: the next host is drained only once every node routes to the previous one again.
      const [first, second] = report.hosts.map((h) => h.name);
      const newJvmAt = times.get(first!)!.get('start')!.end;
      const nextDrainAt = times.get(second!)!.get('drain')!.start;
      const back = readmittedAt(
        routed,
        state.alb!.nodes.map((n) => n.name),
        first!,
        newJvmAt,
      );
      for (const [node, at] of back) {
        expect(at, `${node} never routed to ${first} after its restart`).toBeDefined();
        expect(at!, `${node} did not route to ${first} before ${second} was drained`).toBeLessThan(
          nextDrainAt,
        );
      }
    });
  });
}
