// What a deploy refuses before it touches a host (held lock, unknown or changed host key, a single
// target), and queueing behind a running deploy, against real parts.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import {
  events,
  hostView,
  readReport,
  readReportAt,
  sandboxConfig,
  startCli,
  underLoad,
  waitForEvent,
} from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

sandboxDescribe('deploy run in the sandbox: locks and refusals', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });
  const ip = (i: number) => state.hosts[i]!.ip;

  it('a second deploy while one runs exits 3 and names the lock owner', async () => {
    const { dir } = sandboxConfig(state);
    const first = startCli(['run'], dir);
    await waitForEvent(`${dir}/report`, (e) => e.kind === 'host:start');
    const second = await startCli(['run', '--report-dir', `${dir}/report2`], dir).done;
    first.child.kill('SIGINT');
    await first.done;
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/another deploy holds the lock on h1: root@\S+ \(pid \d+\) since /);
  });

  it('with --wait-lock a second deploy queues behind the first and then deploys, under load', async () => {
    const { dir } = sandboxConfig(state);
    const { value, failed } = await underLoad(async () => {
      const first = startCli(['run'], dir);
      await waitForEvent(`${dir}/report`, (e) => e.kind === 'host:start');
      const second = startCli(['run', '--wait-lock', '300', '--report-dir', `${dir}/report2`], dir);
      return { first: await first.done, second: await second.done };
    });
    expect(value.first.code, value.first.stdout).toBe(0);
    expect(value.second.code, value.second.stdout).toBe(0);
    expect(value.second.stdout).toMatch(/waiting up to 300 s: another deploy holds the lock on h1: root@/);
    expect(failed).toBe(0);
    const a = readReport(dir);
    const b = readReportAt(`${dir}/report2`);
    // The second touched no host before the first was done.
    const firstDrain = b.hosts[0]!.steps.find((s) => s.name === 'drain')!;
    expect(Date.parse(firstDrain.startedAt)).toBeGreaterThanOrEqual(Date.parse(a.endedAt) - 1000);
  });

  it('an unknown host key is refused with its fingerprint (exit 2); a changed key is refused', async () => {
    const { dir: scratch } = sandboxConfig(state);
    const empty = `${scratch}/empty_known_hosts`;
    writeFileSync(empty, '');
    const { dir } = sandboxConfig(state, { knownHosts: empty });
    const unknown = await startCli(['run'], dir).done;
    expect(unknown.code).toBe(2);
    const h1 = ip(0).replaceAll('.', '\\.');
    expect(unknown.stderr).toMatch(new RegExp(`unknown host key for ${h1}: SHA256:[A-Za-z0-9+/]{43}`));
    expect(unknown.stderr).toMatch(
      new RegExp(`add this line to .*empty_known_hosts:\\n\\s+${h1} ssh-ed25519 AAAA`),
    );
    const other = `${scratch}/other_key`;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const forged = `${scratch}/forged_known_hosts`;
    writeFileSync(
      forged,
      `${ip(0)} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
    );
    const changed = await startCli(['run'], sandboxConfig(state, { knownHosts: forged }).dir).done;
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(new RegExp(`host key for ${h1} has CHANGED`));
    expect((await hostView(ip(0))).health).toBe('200');
  });

  it('a single-target config without --allow-downtime is refused before anything is drained', async () => {
    const { dir } = sandboxConfig(state, { hosts: 1 });
    const run = await startCli(['run'], dir).done;
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/h1 is the only target: draining it is downtime/);
    expect(events(`${dir}/report`).some((e) => e.kind === 'step:start' && e.step === 'drain')).toBe(false);
    expect((await hostView(ip(0))).health).toBe('200');
  });
});
