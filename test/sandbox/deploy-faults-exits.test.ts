// Exit paths against real hosts (issue 12): every refusal ends the process within seconds (it
// closes what it opened), a lock without an owner can be cleared, and `rollback` survives a second
// Ctrl-C and a user without a passwd entry.
import { chmodSync, chownSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { SSH_KEY } from '../../scripts/sandbox/contract.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { type CliRun, hostView, sandboxConfig, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

/** Runs the CLI and measures how long it lives after it printed its error. */
async function refusal(cli: CliRun): Promise<{ code: number | null; text: string; lingerMs: number }> {
  let erroredAt = 0;
  const seen = (d: Buffer) => {
    if (!erroredAt && /error: /.test(String(d))) erroredAt = Date.now();
  };
  cli.child.stdout!.on('data', seen);
  cli.child.stderr!.on('data', seen);
  // A process that never ends must fail the test, not hang it.
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 20_000);
  const done = await cli.done;
  clearTimeout(timer);
  return {
    code: done.code,
    text: done.stdout + done.stderr,
    lingerMs: erroredAt ? Date.now() - erroredAt : -1,
  };
}

sandboxDescribe('deploy exit paths in the sandbox', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });
  const h1 = () => state.hosts[0]!;

  it('every refusal ends the process within 3 s of its error (budget, lock held, last healthy target, host key)', async () => {
    const owner = {
      token: 'x',
      owner: 'alice@ci',
      pid: 4242,
      machine: 'elsewhere',
      startedAt: new Date().toISOString(),
    };
    await sshRun(
      h1().ip,
      `mkdir -p /srv/handoff/.handoff/lock && printf '%s' '${JSON.stringify(owner)}' > /srv/handoff/.handoff/lock/owner.json`,
    );
    const held = await refusal(startCli(['run'], sandboxConfig(state).dir));
    await sshRun(h1().ip, 'rm -rf /srv/handoff/.handoff/lock');
    expect([held.code, held.text]).toEqual([
      3,
      expect.stringMatching(/another deploy holds the lock on h1: alice@ci/),
    ]);

    // Refused before the lock: nothing written on any host (marks and sampler come after the lock).
    expect((await sshRun(h1().ip, 'cat /srv/handoff/.handoff/marks/step 2>/dev/null; true')).stdout).toBe('');

    const budget = await refusal(
      startCli(['run', '--strict'], sandboxConfig(state, { extra: { memory: { buildPeakMb: 2000 } } }).dir),
    );
    expect([budget.code, budget.text]).toEqual([
      2,
      expect.stringMatching(/predicted peak .*refused: --strict/),
    ]);

    const only = await refusal(startCli(['run'], sandboxConfig(state, { hosts: 1 }).dir));
    expect([only.code, only.text]).toEqual([2, expect.stringMatching(/h1 is the only target/)]);

    const { dir: scratch } = sandboxConfig(state);
    const empty = join(scratch, 'empty_known_hosts');
    writeFileSync(empty, '');
    const key = await refusal(startCli(['run'], sandboxConfig(state, { knownHosts: empty }).dir));
    expect([key.code, key.text]).toEqual([2, expect.stringMatching(/unknown host key/)]);

    const lingered = { budget: budget.lingerMs, held: held.lingerMs, only: only.lingerMs, key: key.lingerMs };
    for (const ms of Object.values(lingered)) expect(ms, JSON.stringify(lingered)).toBeGreaterThanOrEqual(0);
    for (const ms of Object.values(lingered)) expect(ms, JSON.stringify(lingered)).toBeLessThan(3000);
  });

  it('a lock whose owner file is missing is shown by status and removed by unlock', async () => {
    await sshRun(
      h1().ip,
      'mkdir -p /srv/handoff/.handoff/lock && rm -f /srv/handoff/.handoff/lock/owner.json',
    );
    const { dir } = sandboxConfig(state);
    const status = JSON.parse((await startCli(['status', '--json'], dir).done).stdout) as {
      hosts: { name: string; lock: unknown }[];
    };
    expect(status.hosts.find((h) => h.name === 'h1')!.lock).not.toBeNull();
    const unlock = await startCli(['unlock', '--hosts', 'h1'], dir).done;
    expect(unlock.stdout).toMatch(/h1: removed a lock whose owner was unreadable/);
    expect(
      (await sshRun(h1().ip, '[ -d /srv/handoff/.handoff/lock ] && echo still; true')).stdout.trim(),
    ).toBe('');
  });

  it('rollback as a user without a passwd entry survives a second Ctrl-C: service restored, lock released, exit 1', async () => {
    // A release to roll back from: one deploy of h1 (h2 healthy, left alone).
    const { dir } = sandboxConfig(state);
    const { value: deployed, failed: deployFailed } = await underLoad(
      () => startCli(['run', '--hosts', 'h1'], dir).done,
    );
    expect(deployed.code, deployed.stdout).toBe(0);
    expect(deployFailed).toBe(0);
    const before = await hostView(h1().ip);

    // The same config, readable by uid 54321 (no passwd entry, as in many containers).
    const { dir: mine, file } = sandboxConfig(state);
    const key = join(mine, 'id_ed25519');
    copyFileSync(SSH_KEY, key);
    const config = JSON.parse(
      (await import('node:fs'))
        .readFileSync(file, 'utf8')
        .replace(/^export default /, '')
        .replace(/;\s*$/, ''),
    ) as { hosts: { privateKeyPath: string }[] };
    for (const h of config.hosts) h.privateKeyPath = key;
    writeFileSync(file, `export default ${JSON.stringify(config, null, 2)};\n`);
    for (const p of [mine, dirname(mine)]) chmodSync(p, 0o755);
    chownSync(key, 54321, 54321);
    chmodSync(key, 0o600);
    // rollback writes its report as run does: into a directory that user may write.
    mkdirSync(join(mine, 'report'), { recursive: true });
    chownSync(join(mine, 'report'), 54321, 54321);

    const { value: rolled, failed } = await underLoad(async () => {
      const cli = startCli(
        ['rollback', '--yes'],
        mine,
        { HOME: mine, USER: '', LOGNAME: '' },
        { uid: 54321, gid: 54321 },
      );
      let out = '';
      cli.child.stdout!.on('data', (d) => {
        out += d;
      });
      for (let i = 0; i < 1200 && !/\[h1\] wait \.\.\./.test(out); i++)
        await new Promise((r) => setTimeout(r, 100));
      cli.child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 700));
      cli.child.kill('SIGINT');
      return cli.done;
    });
    expect(rolled.signal, rolled.stdout + rolled.stderr).toBeNull();
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(1);
    expect(rolled.stdout).toMatch(/SIGINT again: still restoring service/);
    expect(failed).toBe(0);
    const after = await hostView(h1().ip);
    expect([after.current, after.health]).toEqual([before.current, '200']);
    const status = JSON.parse((await startCli(['status', '--json'], dir).done).stdout) as {
      hosts: { lock: unknown }[];
    };
    expect(status.hosts.every((h) => h.lock === null)).toBe(true);
  });
});
