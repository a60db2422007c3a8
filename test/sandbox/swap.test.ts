// strategy 'swap' (issue 14) on ONE host behind the ALB model (3 nodes, propagation 1-4 s) under
// steady load: the new JVM starts on the other port, takes the traffic, the old port drains and its
// JVM stops; then again the other way. Every request answered; the live port recorded on the host.
import { expect, it } from 'vitest';
import { formatLoad } from '../../scripts/sandbox/load.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import type { Overlap } from '../../src/memory/overlap.ts';
import { DEREGISTER, readReport, sandboxConfig, startCli } from '../helpers/deploy-sandbox.ts';
import { ALB_UP, awsEnv, routedSince, underAlbLoad } from './_alb.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

// Each deploy takes ~30 s on a quiet machine: 120 req/s puts over 3,000 requests inside each one.
const RATE = 120;

type BudgetLine = {
  strategy: string;
  predictedPercent: number;
  measuredPeakPercent: number | null;
  buildMb: number;
  buildFrom: string;
  buildBasis?: string;
  newJvmFrom: string;
};

sandboxDescribe('strategy swap: one host, two ports, no downtime', () => {
  const sandbox = sandboxForSuite({
    ...ALB_UP,
    hosts: 1,
    deregistrationDelaySeconds: 300,
    propagation: { minSeconds: 1, maxSeconds: 4, seed: 14 },
  });

  const swapConfig = (state: SandboxState) =>
    sandboxConfig(state, {
      ...DEREGISTER,
      app: { ports: [8080, 8081], portEnv: 'PORT' },
      extra: { ...DEREGISTER.extra, strategy: 'swap' },
    });

  // Before the swaps: two JVMs that cannot fit (a new JVM expected at 700 MB beside the old one on a
  // 1 GiB box), one target, so nothing is safe. auto must say so before anything on the host changes.
  it('auto refuses with the numbers and the remedies, and the host is as it was', async () => {
    const state = sandbox();
    const h1 = state.hosts[0]!;
    const look =
      'find /srv/handoff -printf "%p %y %s %T@\\n" 2>/dev/null | sort; ss -Hltnp "sport = :8080 or sport = :8081"';
    const before = (await sshRun(h1.ip, look)).stdout;
    const { dir } = sandboxConfig(state, {
      ...DEREGISTER,
      app: { ports: [8080, 8081], portEnv: 'PORT' },
      extra: { ...DEREGISTER.extra, strategy: 'auto', memory: { newJvmMb: 700 } },
    });
    const r = await startCli(['run', '--yes'], dir, awsEnv).done;
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.code, out).toBe(2);
    expect(out).toMatch(
      /strategy auto: .*h1: swap would not fit: old \+ new JVM \d+(\.\d)? % \(\d+ MB\) > 90 %/,
    );
    expect(out).toMatch(/no other healthy target/);
    expect(out).toMatch(/base -?\d+ MB \+ old JVM [1-9]\d+ MB.*new JVM 700 MB \(config\)/);
    expect(out).toMatch(/Remedies: cap the heap.*add swap.*build elsewhere.*add an instance/);
    expect((await sshRun(h1.ip, look)).stdout).toBe(before);
    expect(before).toMatch(/:8080 /);
  }, 60_000);

  it('A to B, then B to A: each deploy 0 failed of at least 3,000; the live port follows', async () => {
    const state = sandbox();
    const h1 = state.hosts[0]!;
    const from = Date.now();
    const runs: {
      code: number | null;
      out: string;
      steps: string;
      auto?: string;
      budget?: BudgetLine;
      overlap?: Overlap;
      /** The deploy's own window (epoch ms): the requests sent while it ran are its own. */
      span: [number, number];
    }[] = [];
    const { load } = await underAlbLoad(
      state,
      async () => {
        for (let i = 0; i < 2; i++) {
          const { dir } = swapConfig(state);
          // The second run lets auto choose: both JVMs fit and the host is the only target.
          const began = Date.now();
          const r = await startCli(['run', '--yes', ...(i === 1 ? ['--strategy', 'auto'] : [])], dir, awsEnv)
            .done;
          const span: [number, number] = [began, Date.now()];
          const report = readReport(dir);
          const budget = JSON.stringify((report as { memory?: { budget?: unknown } }).memory?.budget ?? []);
          const steps = `${report.hosts.flatMap((h) => h.steps.map((s) => `${s.name}: ${s.detail}`)).join('\n  ')}\n  budget ${budget}`;
          const b = (report.memory?.budget as BudgetLine[] | undefined)?.[0];
          runs.push({
            code: r.code,
            out: `${r.stdout}\n${r.stderr}`,
            steps,
            auto: report.auto?.why,
            budget: b,
            overlap: report.memory?.overlap as Overlap | undefined,
            span,
          });
          if (r.code !== 0) break;
        }
      },
      RATE,
    );
    console.log(`[swap] ${formatLoad(load)}\n${runs.map((r) => `  ${r.steps}`).join('\n---\n')}`);
    for (const r of runs) expect(r.code, r.out).toBe(0);
    expect(runs).toHaveLength(2);
    // The two JVMs (and the build beside the old one) shared the box by design: planned, bounded, no kill.
    for (const r of runs) {
      expect(r.overlap, r.steps).toMatchObject({ planned: true, oomKills: 0 });
      expect(r.overlap?.seconds).toBeGreaterThan(0);
      // The peak fell in the window (the budget's measured peak is rounded to 0.1).
      expect(Math.abs((r.overlap?.peakPercent ?? 0) - (r.budget?.measuredPeakPercent ?? 100))).toBeLessThan(
        0.1,
      );
    }
    // The budget's prediction against the measured peak, on both runs: the first knows the build
    // only from what the release declares (gradle.properties: -Xmx528m), the second predicts from
    // what the first measured on the host (its build and new JVM).
    const [first, second] = runs.map((r) => r.budget);
    const line = (n: number, b?: BudgetLine) =>
      `[swap] run ${n}: predicted ${b?.predictedPercent} % (build ${b?.buildMb} MB from ${b?.buildBasis ?? b?.buildFrom}), measured ${b?.measuredPeakPercent} %`;
    console.log(`${line(1, first)}\n${line(2, second)}`);
    for (const b of [first, second]) {
      expect(b?.measuredPeakPercent).not.toBeNull();
      expect(
        Math.abs((b?.predictedPercent ?? 0) - (b?.measuredPeakPercent ?? 100)),
        JSON.stringify(b),
      ).toBeLessThanOrEqual(5);
    }
    expect(first).toMatchObject({ strategy: 'swap', buildFrom: 'gradle' });
    expect(first?.buildBasis).toMatch(/-Xmx528m from gradle\.properties/);
    expect(second).toMatchObject({ strategy: 'swap', buildFrom: 'host', newJvmFrom: 'host' });
    expect(runs[1]?.auto).toMatch(
      /^swap on every host \(h1: swap: old \+ new JVM [\d.]+ % \(\d+ MB\) <= 90 %/,
    );
    // Each deploy on its own: the requests that left while it ran, every one answered 2xx.
    for (const [n, r] of runs.entries()) {
      const own = load.requests.filter((q) => q.at >= r.span[0] && q.at <= r.span[1]);
      const bad = own.filter((q) => q.outcome !== 'ok');
      console.log(
        `[swap] deploy ${n + 1}: ${own.length} requests in ${((r.span[1] - r.span[0]) / 1000).toFixed(1)} s, ${bad.length} failed`,
      );
      expect(bad, JSON.stringify(bad.slice(0, 5))).toEqual([]);
      expect(own.length).toBeGreaterThanOrEqual(3000);
    }
    expect(load.failed, formatLoad(load)).toBe(0);
    // Both ports served during the run, through every node, and the app is back on 8080.
    const servers = new Set(routedSince(state, from).map((r) => r.server));
    expect(servers).toEqual(new Set([h1.name, `${h1.name}-8081`]));
    const livePort = await sshRun(h1.ip, 'cat /srv/handoff/.handoff/live-port');
    expect(livePort.stdout.trim()).toBe('8080');
  }, 240_000);
});
