// Takes the deploy lock on every host before touching any; if one is held, gives back what it
// took and names the owner (and, for a stale lock, the way out).
import { hostname, userInfo } from 'node:os';
import { EXIT, ExitError } from '../errors.ts';
import type { Executor } from '../executors/types.ts';
import type { Layout } from '../remote/layout.ts';
import { acquireLock, type LockOwner, parseLockOwner, releaseLock } from '../remote/lock.ts';
import type { Clock } from './clock.ts';

export class LockHeldError extends ExitError {
  readonly owner: LockOwner | undefined;
  constructor(message: string, owner?: LockOwner) {
    super(EXIT.locked, message);
    this.name = 'LockHeldError';
    this.owner = owner;
  }
}

/** A lock could not be taken for a reason other than another deploy: nothing touched (exit 2). */
export class LockError extends ExitError {
  constructor(message: string) {
    super(EXIT.usage, message);
    this.name = 'LockError';
  }
}

/** Who runs the deploy, for the lock owner. A container without a passwd entry has no name. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER || env.LOGNAME || `uid ${process.getuid?.() ?? '?'}`;
  }
}

export function lockOwner(opts: {
  token: string;
  user: string;
  pid: number;
  now: number;
  env: NodeJS.ProcessEnv;
  environment?: string | undefined;
}): LockOwner {
  const e = opts.env;
  const runUrl =
    e.GITHUB_ACTIONS === 'true' && e.GITHUB_RUN_ID
      ? `${e.GITHUB_SERVER_URL ?? 'https://github.com'}/${e.GITHUB_REPOSITORY}/actions/runs/${e.GITHUB_RUN_ID}`
      : undefined;
  return {
    token: opts.token,
    owner: `${opts.user}@${hostname()}`,
    pid: opts.pid,
    machine: hostname(),
    startedAt: new Date(opts.now).toISOString(),
    ...(runUrl ? { runUrl } : {}),
    ...(opts.environment ? { environment: opts.environment } : {}),
  };
}

export type LockWait = {
  staleAfterMinutes: number;
  clock: Clock;
  /** How long to queue behind another deploy before giving up (0: refuse at once). */
  waitSeconds?: number;
  signal?: AbortSignal;
  onWait?: (message: string) => void;
};

/**
 * Takes every host's lock or none. A lock held by a live deploy can be waited for (a queue of
 * one, polled every 5 s); a stale one never is, since nobody will release it.
 */
export async function acquireLocks(
  execs: Map<string, Executor>,
  l: Layout,
  owner: LockOwner,
  opts: LockWait,
): Promise<void> {
  const { clock } = opts;
  const waitMs = (opts.waitSeconds ?? 0) * 1000;
  const t0 = clock.now();
  for (let announced = false; ; announced = true) {
    const held = await tryAll(execs, l, owner, opts);
    if (!held) return;
    const waited = Math.round((clock.now() - t0) / 1000);
    const left = t0 + waitMs - clock.now();
    if (held.stale || left <= 0 || opts.signal?.aborted)
      throw new LockHeldError(
        waited > 0 ? `${held.message} (gave up after waiting ${waited} s)` : held.message,
        held.owner,
      );
    if (!announced) opts.onWait?.(`waiting up to ${opts.waitSeconds} s: ${held.message}`);
    await clock.sleep(Math.min(5000, left), opts.signal).catch(() => undefined);
  }
}

type Held = { message: string; stale: boolean; owner: LockOwner | undefined };

async function tryAll(
  execs: Map<string, Executor>,
  l: Layout,
  owner: LockOwner,
  opts: LockWait,
): Promise<Held | undefined> {
  const taken: Executor[] = [];
  // All or none, whatever stops us: a lock held elsewhere, a host that cannot take one, a lost
  // connection. What was taken is given back before the reason goes up.
  const giveBack = () =>
    Promise.all(taken.map((t) => t.run(releaseLock(l, owner.token)).catch(() => undefined)));
  for (const [name, exec] of execs) {
    let r: Awaited<ReturnType<Executor['run']>>;
    try {
      r = await exec.run(acquireLock(l, owner));
    } catch (error) {
      await giveBack();
      throw error;
    }
    const [status, ...rest] = r.stdout.trim().split('\n');
    if (r.code === 0 && status === 'acquired') {
      taken.push(exec);
      continue;
    }
    await giveBack();
    if (r.code !== 0 || status !== 'held')
      throw new LockError(
        `cannot take the deploy lock on ${name} (${l.lock}): ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}. Check that the SSH user can write ${l.meta}; nothing was changed.`,
      );
    const held = parseLockOwner(rest.join('\n'));
    return { ...judgeHeld(name, l.lock, held, opts.staleAfterMinutes, opts.clock.now()), owner: held };
  }
  return undefined;
}

export async function releaseLocks(execs: Map<string, Executor>, l: Layout, token: string): Promise<void> {
  await Promise.all([...execs.values()].map((e) => e.run(releaseLock(l, token)).catch(() => undefined)));
}

export function describeHeld(
  host: string,
  path: string,
  held: LockOwner | undefined,
  staleAfterMinutes: number,
  now: number,
): string {
  return judgeHeld(host, path, held, staleAfterMinutes, now).message;
}

function judgeHeld(
  host: string,
  path: string,
  held: LockOwner | undefined,
  staleAfterMinutes: number,
  now: number,
): { message: string; stale: boolean } {
  if (!held)
    return {
      message: `deploy lock on ${host} is held (${path}, owner unreadable). If no deploy is running, clear it with \`deploy unlock --hosts ${host}\`.`,
      // Also what a lock looks like in the instant between its mkdir and its owner file.
      stale: false,
    };
  const ageMin = Math.round((now - Date.parse(held.startedAt)) / 60000);
  const who = `${held.owner} (pid ${held.pid}) since ${held.startedAt}, ${ageMin} min ago${held.runUrl ? `, run ${held.runUrl}` : ''}`;
  const ownerGone = held.machine === hostname() && !processAlive(held.pid);
  if (ownerGone || ageMin > staleAfterMinutes)
    return {
      message: `deploy lock on ${host} looks stale: taken by ${who}${ownerGone ? '; that process is gone' : ''}. If no deploy is running, clear it with \`deploy unlock\`.`,
      stale: true,
    };
  return {
    message: `another deploy holds the lock on ${host}: ${who}. Wait for it (\`--wait-lock SECONDS\` queues behind it), or if it died, run \`deploy unlock\`.`,
    stale: false,
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
