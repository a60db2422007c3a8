// (b) A process started over SSH lives in its host's 1 GiB memory cgroup and is OOM-killed when it
// goes past it; the rest of the host (sshd, the app) survives.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { memoryLimit, oomKills } from '../../scripts/sandbox/cgroup.ts';
import { APP_PORT, CGROUP_NAME, HOST_MEMORY_BYTES } from '../../scripts/sandbox/contract.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { sandboxDescribe, useSandbox } from './_env.ts';

sandboxDescribe('host memory cgroup', () => {
  let state: SandboxState;
  let release = async () => {};
  beforeAll(async () => {
    ({ state, release } = await useSandbox());
  });
  afterAll(() => release());

  it('puts SSH sessions in the host cgroup, limited to 1 GiB', async () => {
    const h = state.hosts[0]!;
    const { stdout } = await sshRun(h.ip, 'cat /proc/self/cgroup');
    expect(stdout).toMatch(new RegExp(`(memory|^0:):.*/${CGROUP_NAME}/${h.name}$`, 'm'));
    expect(memoryLimit(h.cgroup!)).toBe(HOST_MEMORY_BYTES);
  });

  it('OOM-kills a process that goes past the limit', async () => {
    const h = state.hosts[0]!;
    const before = oomKills(h.cgroup!);
    // 1.5 GiB in one string: more than the whole host may hold. The shell reports how perl ended.
    const hog = await sshRun(
      h.ip,
      `perl -e '$x = "a" x (1536 * 1024 * 1024); print "survived\\n"'; echo "exit=$?"`,
      { allowFail: true, timeoutMs: 60_000 },
    );
    expect(hog.stdout).not.toContain('survived');
    expect(hog.stdout).toContain('exit=137'); // 128 + SIGKILL
    expect(oomKills(h.cgroup!)).toBe(before + 1);
    // The OOM killer took the biggest process in the cgroup, the hog, not the app or sshd.
    const health = await fetch(`http://${h.ip}:${APP_PORT}/health`, { signal: AbortSignal.timeout(2000) });
    expect(health.status).toBe(200);
    expect((await sshRun(h.ip, 'echo still-here')).stdout.trim()).toBe('still-here');
  });
});
