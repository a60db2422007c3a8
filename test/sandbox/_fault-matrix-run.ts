// Runs the fault matrix rows of one file (see _fault-matrix.ts) and asserts, for each: the
// documented exit code, h1 serving the expected release from the process on record, h2 untouched,
// 0 failed requests through the load balancer, and no lock left on any host.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listenerPid } from '../../scripts/sandbox/hosts.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { HostState, SandboxState } from '../../scripts/sandbox/state.ts';
import { events, hostView, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { faultFired, installFaultHook, removeFaultHook } from '../helpers/host-faults.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';
import {
  ARGS,
  type Ctx,
  type Driven,
  MATRIX_SANDBOX,
  ROWS,
  type Row,
  rowConfig,
  saveResult,
} from './_fault-matrix.ts';

export function matrixSuite(file: number): void {
  const rows = ROWS.filter((r) => r.file === file);
  sandboxDescribe(`fault matrix ${file}: ${rows.map((r) => r.id).join(', ')}`, () => {
    const sandbox = sandboxForSuite(MATRIX_SANDBOX);
    let state: SandboxState;
    beforeAll(async () => {
      state = sandbox();
      await installFaultHook(state.hosts[0]!);
    });
    afterAll(async () => {
      if (state) await removeFaultHook(state.hosts[0]!);
    });
    for (const row of rows)
      it(`${row.id}: ${row.fault} -> exit ${row.exit}, h1 serves the ${row.serving} release`, async () => {
        await runRow(state, row);
      });
  });
}

async function runRow(state: SandboxState, row: Row): Promise<void> {
  const [h1, h2] = state.hosts as [HostState, HostState];
  await heal(h1);
  const before = { h1: await hostView(h1.ip), h2: await hostView(h2.ip), h1Listener: await listenerPid(h1) };
  const { dir, reportDir } = rowConfig(state, row);
  const ctx: Ctx = { state, h1, h2, dir, reportDir };
  const t0 = Date.now();
  try {
    const { value: driven, failed, total } = await underLoad(() => drive(ctx, row));
    const out = `${driven.exit.stdout}\n${driven.exit.stderr}`.slice(-3000);
    expect(driven.exit.code, out).toBe(row.exit);
    expect(failed, `failed requests through the load balancer (of ${total})`).toBe(0);
    const view = await hostView(h1.ip);
    expect(view.health, 'h1 /health').toBe('200');
    const release = releaseOf(driven.reportDir);
    expect(view.current, 'h1 current release').toBe(row.serving === 'old' ? before.h1.current : release);
    // What serves is the process on record: the PID file's, or the one from before when never replaced.
    expect(await listenerPid(h1)).toBe(view.pid ? Number(view.pid) : before.h1Listener);
    const after2 = await hostView(h2.ip);
    expect([after2.current, after2.health], 'h2 untouched').toEqual([before.h2.current, '200']);
    const status = JSON.parse((await startCli(['status', '--json'], dir, row.env).done).stdout) as {
      hosts: { name: string; lock: unknown }[];
    };
    expect(
      status.hosts.filter((h) => h.lock !== null).map((h) => h.name),
      'locks left',
    ).toEqual([]);
    await row.check?.(ctx, driven);
    saveResult({
      id: row.id,
      exit: driven.exit.code,
      serving: row.serving,
      failed,
      total,
      seconds: Math.round((Date.now() - t0) / 1000),
      at: new Date().toISOString(),
    });
  } finally {
    await row.cleanup?.(ctx);
  }
}

async function drive(ctx: Ctx, row: Row): Promise<Driven> {
  if (row.drive) return row.drive(ctx);
  const cli = startCli(ARGS, ctx.dir, row.env);
  // The injection races the CLI: a CLI that ends first (a bug) must not leave it waiting.
  const injected = row.during
    ? Promise.race([row.during(ctx, cli).then(() => 'done'), cli.done.then(() => 'cli ended first')])
    : Promise.resolve('done');
  const exit = await cli.done;
  const how = await injected;
  const hooked = row.how.includes('runs (') || row.how.includes('held 2 s');
  if (hooked) expect(await faultFired(ctx.h1), `the fault on h1 fired (${how})`).toBe(true);
  else if (row.during) expect(how, 'the fault was injected while the CLI ran').toBe('done');
  return { exit, reportDir: ctx.reportDir };
}

function releaseOf(reportDir: string): string {
  const start = events(reportDir).find((e) => e.kind === 'deploy:start') as
    | { releaseId?: string }
    | undefined;
  if (start?.releaseId) return start.releaseId;
  return (JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as { releaseId: string })
    .releaseId;
}

// A row that failed may leave h1 down or locked; the next row starts from a serving h1 regardless
// (the failed row has already reported what it left).
async function heal(h1: HostState): Promise<void> {
  const view = await hostView(h1.ip);
  const locked = await sshRun(h1.ip, '[ -d /srv/handoff/.handoff/lock ] && echo locked', { allowFail: true });
  if (view.health === '200' && locked.stdout.trim() !== 'locked') return;
  console.warn(
    `[fault matrix] h1 left ${view.health}${locked.stdout.trim() ? ', locked' : ''}: restarting it`,
  );
  await sshRun(
    h1.ip,
    `rm -rf /srv/handoff/.handoff/lock
if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' http://127.0.0.1:8080/health)" != 200 ]; then
  p=$(ss -Hltnp 'sport = :8080' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p'); [ -n "$p" ] && kill -9 "$p"
  # a subshell with every stream redirected: nothing may keep the SSH session open
  (cd /srv/handoff/current && PORT=8080 exec setsid java -Xms64m -Xmx320m -jar build/app.jar) >> /srv/handoff/app.log 2>&1 < /dev/null &
  echo $! > /srv/handoff/app.pid
fi`,
  );
  for (let i = 0; i < 60 && (await hostView(h1.ip)).health !== '200'; i++)
    await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, 4000)); // back UP in HAProxy (3 passing checks)
}
