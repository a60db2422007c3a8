// (a) sandbox:up then sandbox:down leaves no process, network namespace, link or cgroup behind.
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { cgroupPids } from '../../scripts/sandbox/cgroup.ts';
import { BRIDGE, CGROUP_NAME, NAME_PREFIX, SANDBOX_DIR, STATE_FILE } from '../../scripts/sandbox/contract.ts';
import { sandboxDown } from '../../scripts/sandbox/down.ts';
import { netnsList, netnsPids } from '../../scripts/sandbox/net.ts';
import { isAlive, run } from '../../scripts/sandbox/proc.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import { sandboxUp } from '../../scripts/sandbox/up.ts';
import { lockSandboxForTests, sandboxDescribe, sandboxWasUp } from './_env.ts';

/** Live (non-zombie) processes that belong to the sandbox: in one of its cgroups, or run from its directory. */
function sandboxProcesses(): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || !isAlive(pid)) continue;
    try {
      const cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cgroup.includes(`/${CGROUP_NAME}/`) || cmdline.includes(SANDBOX_DIR)) found.push(pid);
    } catch {} // exited while we looked
  }
  return found;
}

const sandboxLinks = async () =>
  (await run('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((n) => n === BRIDGE || n.startsWith(NAME_PREFIX.veth) || n.startsWith(NAME_PREFIX.peer));
const sandboxNetns = async () => (await netnsList()).filter((n) => n.startsWith(NAME_PREFIX.netns));

sandboxDescribe('sandbox up/down', () => {
  it('up creates the hosts and down removes every process, netns, link and cgroup', async (ctx) => {
    const unlock = await lockSandboxForTests();
    try {
      if (sandboxWasUp()) {
        // Someone's own sandbox: this test would tear it down.
        const why = 'a sandbox is already up (npm run sandbox:down first)';
        if (process.env.CI) throw new Error(why);
        console.warn(`[sandbox tests] skipping up/down: ${why}`);
        ctx.skip();
      }
      const state = await sandboxUp({ hosts: 2 });
      try {
        // Prove the listings see the sandbox, so their emptiness afterwards means something.
        expect(await sandboxNetns()).toEqual(expect.arrayContaining(state.hosts.map((h) => h.netns)));
        expect(await sandboxLinks()).toEqual(
          expect.arrayContaining([BRIDGE, ...state.hosts.map((h) => h.veth)]),
        );
        const cgroups = state.hosts.map((h) => h.cgroup ?? '');
        for (const dir of cgroups) expect(fs.existsSync(dir)).toBe(true);
        // Something a deploy would leave running, not recorded in state.json: down must still clear it.
        await sshRun(state.hosts[0]!.ip, 'setsid sleep 600 > /dev/null 2>&1 < /dev/null &');
        const pids = [
          ...cgroups.flatMap((dir) => cgroupPids(dir)),
          ...(await Promise.all(state.hosts.map((h) => netnsPids(h.netns)))).flat(),
          state.haproxy!.pid,
          ...(state.elbv2 ? [state.elbv2.pid] : []),
        ];
        expect(pids.length).toBeGreaterThanOrEqual(2 * 3 + 1); // launcher, sshd, app per host + HAProxy
        expect(sandboxProcesses().length).toBeGreaterThan(0);

        expect(await sandboxDown()).toEqual([]);

        expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
        expect(sandboxProcesses()).toEqual([]);
        expect(await sandboxNetns()).toEqual([]);
        expect(await sandboxLinks()).toEqual([]);
        for (const dir of cgroups) expect(fs.existsSync(dir)).toBe(false);
        expect(fs.existsSync(state.cgroup!.root)).toBe(false);
        expect(fs.existsSync(STATE_FILE)).toBe(false);
      } finally {
        await sandboxDown();
      }
    } finally {
      unlock();
    }
  });
});
