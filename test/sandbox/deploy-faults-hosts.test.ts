// Hosts not in the state a deploy left them in (issue 12): a PID file naming an unrelated process
// after a reboot, and the memory budget's prediction against the peak measured on the same hosts
// (apps started by hand, found by their port). An app with no `current`: deploy-faults-adopt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { listenerPid } from '../../scripts/sandbox/hosts.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import {
  type BudgetRow,
  hostView,
  pidAlive,
  readReportAt,
  sandboxConfig,
  startCli,
  underLoad,
} from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const report = readReportAt;
const figures = (budget: BudgetRow[]) =>
  budget
    .map((b) => `${b.host} predicted ${b.predictedPercent} %, measured ${b.measuredPeakPercent} %`)
    .join('; ');

sandboxDescribe('deploy run in the sandbox: hosts as a person left them', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });

  // Both tests deploy into one report directory: the second predicts from the first one's report.
  let reportDir = '';

  it('the budget counts the old JVM found by its port; report and summary hold the prediction beside the measured peak', async () => {
    // A fresh sandbox: both apps were started by hand, so the old JVM is found by its port.
    const { dir } = sandboxConfig(state);
    reportDir = join(dir, 'report');
    const { value: run, failed } = await underLoad(() => startCli(['run'], dir).done);
    expect(run.code, run.stdout).toBe(0);
    expect(failed).toBe(0);
    const r = report(reportDir);
    for (const h of r.hosts) expect(h.steps[0]!.detail).toMatch(/found by port/);
    const budget = r.memory!.budget!;
    expect(budget.map((b) => b.host)).toEqual(['h1', 'h2']);
    // The old JVM (HEAP_MB=200 with -Xmx320m: ~300 MB RSS) is counted, not read as 0.
    for (const b of budget) expect(b.oldJvmMb).toBeGreaterThan(200);
    const summary = readFileSync(join(reportDir, 'summary.md'), 'utf8');
    for (const b of budget)
      expect(summary).toContain(
        `- ${b.host}: predicted **${b.predictedPercent} %** (stop-first, ${b.predictedMb} of ${b.totalMb} MB), measured peak **${b.measuredPeakPercent} %**`,
      );
    console.log(`[budget, no previous report] ${figures(budget)}`);
  });

  it('after a reboot the PID file names an unrelated process: never stopped, the app on the port deployed with 0 failed requests; the budget, from the last report, predicts the peak within 5 points', async () => {
    // Each host "rebooted": app.pid now names a process that has nothing to do with the app, and
    // the app was started again by hand (the sandbox's way: setsid java, no PID file of its own).
    const strays: number[] = [];
    for (const h of state.hosts) {
      const r = await sshRun(
        h.ip,
        `p=$(ss -Hltnp 'sport = :8080' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p'); kill "$p"; while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
(cd /srv/handoff/current && PORT=8080 HEAP_MB=200 exec setsid java -Xms64m -Xmx320m -jar build/app.jar) >> /srv/handoff/app.log 2>&1 < /dev/null &
(exec setsid sleep 3600) < /dev/null > /dev/null 2>&1 & echo $! > /srv/handoff/app.pid; cat /srv/handoff/app.pid
for i in $(seq 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/health)" = 200 ] && break; sleep 0.2; done`,
      );
      strays.push(Number(r.stdout.trim()));
    }
    await new Promise((r) => setTimeout(r, 8000)); // both back UP in HAProxy before the load starts
    const apps = await Promise.all(state.hosts.map((h) => listenerPid(h)));
    const { dir } = sandboxConfig(state);
    const args = ['run', ...(reportDir ? ['--report-dir', reportDir] : [])];
    const { value: run, failed, total } = await underLoad(() => startCli(args, dir).done);
    expect(run.code, run.stdout).toBe(0);
    expect(failed, `of ${total}`).toBe(0);
    const r = report(reportDir || join(dir, 'report'));
    for (const [i, h] of state.hosts.entries()) {
      expect(await pidAlive(h.ip, strays[i]!), `the unrelated process on ${h.name}`).toBe(true);
      const preflight = r.hosts[i]!.steps[0]!.detail;
      expect(preflight).toContain(`old JVM ${apps[i]} (found by port)`);
      expect(preflight).toMatch(
        new RegExp(`app\\.pid named pid ${strays[i]} \\(sleep\\), which is not the app: ignored`),
      );
      expect((await hostView(h.ip)).health).toBe('200');
      await sshRun(h.ip, `kill ${strays[i]}`);
    }
    const budget = r.memory!.budget!;
    console.log(`[budget, from the last report] ${figures(budget)}`);
    for (const b of budget)
      expect(Math.abs(b.predictedPercent - b.measuredPeakPercent!), JSON.stringify(b)).toBeLessThanOrEqual(5);
  });
});
