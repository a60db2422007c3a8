// One memory cgroup per host (1 GiB, no swap), v1 or v2. sshd is moved into it before it execs, so
// every process a deploy starts on the host is charged to and limited by it.
import fs from 'node:fs';
import path from 'node:path';
import { CGROUP_V1_ROOT, CGROUP_V2_ROOT } from './contract.ts';
import { sleep } from './proc.ts';

export type CgroupVersion = 1 | 2;

/** v1 when a memory hierarchy is mounted at /sys/fs/cgroup/memory (also hybrid setups), else v2. */
export function detectCgroup(): { version: CgroupVersion; root: string } | undefined {
  if (fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes'))
    return { version: 1, root: CGROUP_V1_ROOT };
  try {
    if (fs.readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/).includes('memory'))
      return { version: 2, root: CGROUP_V2_ROOT };
  } catch {}
  return undefined;
}

const write = (file: string, value: string) => fs.writeFileSync(file, value);

function enableV2Memory(dir: string): void {
  const ctl = path.join(dir, 'cgroup.subtree_control');
  if (!fs.readFileSync(ctl, 'utf8').split(/\s+/).includes('memory')) write(ctl, '+memory');
}

export function createHostCgroup(
  version: CgroupVersion,
  root: string,
  name: string,
  limitBytes: number,
): string {
  const dir = path.join(root, name);
  if (version === 2) {
    enableV2Memory(path.dirname(root));
    fs.mkdirSync(root, { recursive: true });
    enableV2Memory(root);
    fs.mkdirSync(dir, { recursive: true });
    write(path.join(dir, 'memory.max'), String(limitBytes));
    if (fs.existsSync(path.join(dir, 'memory.swap.max'))) write(path.join(dir, 'memory.swap.max'), '0');
    return dir;
  }
  fs.mkdirSync(dir, { recursive: true });
  write(path.join(dir, 'memory.limit_in_bytes'), String(limitBytes));
  // memsw = memory + swap; equal to the limit means no swap, when the kernel accounts swap at all.
  const memsw = path.join(dir, 'memory.memsw.limit_in_bytes');
  if (fs.existsSync(memsw)) write(memsw, String(limitBytes));
  return dir;
}

export function cgroupPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** OOM kills inside the cgroup: v1 memory.oom_control `oom_kill`, v2 memory.events `oom_kill`. */
export function oomKills(dir: string): number {
  for (const file of ['memory.events', 'memory.oom_control']) {
    try {
      const m = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
      if (m) return Number(m[1]);
    } catch {}
  }
  return 0;
}

export function memoryLimit(dir: string): number | undefined {
  for (const file of ['memory.max', 'memory.limit_in_bytes']) {
    try {
      const v = fs.readFileSync(path.join(dir, file), 'utf8').trim();
      return v === 'max' ? Number.POSITIVE_INFINITY : Number(v);
    } catch {}
  }
  return undefined;
}

/**
 * Removes the host cgroup. Everything still in it was started on that sandbox host (sshd's
 * descendants: apps, builds, samplers), so it is killed first, like powering the host off.
 */
export async function removeHostCgroup(dir: string): Promise<void> {
  if (!fs.existsSync(dir)) return;
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = cgroupPids(dir);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await sleep(100);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (attempt === 19) throw new Error(`cannot remove cgroup ${dir}: ${(e as Error).message}`);
      await sleep(100);
    }
  }
}

export function removeCgroupRoot(root: string): void {
  try {
    fs.rmdirSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EBUSY' && code !== 'ENOTEMPTY') throw e;
  }
}
