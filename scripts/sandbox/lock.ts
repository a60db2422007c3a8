// Cross-process locks in the state directory. Several people (and test runs) share one machine and
// one fixed set of names (hfbr0, 10.213.7.x, .sandbox/state.json): two `up`s at once, or a test file
// tearing the sandbox down under another's feet, break both. A lock whose holder died is taken over.
import fs from 'node:fs';
import path from 'node:path';
import { SANDBOX_DIR } from './contract.ts';
import { isAlive, type Proc, procOf, sleep } from './proc.ts';

export type Release = () => void;

function holder(file: string): Proc | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Proc;
  } catch {
    return undefined;
  }
}

/**
 * Waits up to timeoutMs for the named lock. Re-entrant within one process (the inner release is a
 * no-op), so `up` may call `down` while holding the state lock.
 */
export async function acquireLock(
  name: string,
  timeoutMs: number,
  onWait?: (by: Proc) => void,
): Promise<Release> {
  fs.mkdirSync(SANDBOX_DIR, { recursive: true });
  const file = path.join(SANDBOX_DIR, `${name}.lock`);
  const me = procOf(process.pid);
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return () => {
        if (holder(file)?.pid === me.pid) fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const by = holder(file);
    if (by?.pid === me.pid && by.start === me.start) return () => {};
    if (!by || !isAlive(by)) {
      // Stale: move it aside first, so of two waiters only one removes it.
      try {
        fs.renameSync(file, `${file}.stale-${process.pid}`);
        fs.rmSync(`${file}.stale-${process.pid}`, { force: true });
      } catch {}
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the sandbox is busy: ${file} is held by pid ${by.pid}`);
    if (!told) onWait?.(by);
    told = true;
    await sleep(250);
  }
}
