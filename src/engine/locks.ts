// Takes the deploy lock on every host before touching any; if one is held, gives back what it
// took and names the owner (and, for a stale lock, the way out).
import { hostname } from 'node:os';
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

export function lockOwner(opts: {
  token: string;
  user: string;
  pid: number;
  now: number;
  env: NodeJS.ProcessEnv;
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
  };
}

export async function acquireLocks(
  execs: Map<string, Executor>,
  l: Layout,
  owner: LockOwner,
  staleAfterMinutes: number,
  clock: Clock,
): Promise<void> {
  const taken: Executor[] = [];
  for (const [name, exec] of execs) {
    const r = await exec.run(acquireLock(l, owner));
    const [status, ...rest] = r.stdout.trim().split('\n');
    if (r.code === 0 && status === 'acquired') {
      taken.push(exec);
      continue;
    }
    for (const t of taken) await t.run(releaseLock(l, owner.token));
    const held = parseLockOwner(rest.join('\n'));
    throw new LockHeldError(describeHeld(name, l.lock, held, staleAfterMinutes, clock.now()), held);
  }
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
  if (!held)
    return `deploy lock on ${host} is held (${path}, owner unreadable). If no deploy is running, clear it with \`deploy unlock --hosts ${host}\`.`;
  const ageMin = Math.round((now - Date.parse(held.startedAt)) / 60000);
  const who = `${held.owner} (pid ${held.pid}) since ${held.startedAt}, ${ageMin} min ago${held.runUrl ? `, run ${held.runUrl}` : ''}`;
  const ownerGone = held.machine === hostname() && !processAlive(held.pid);
  if (ownerGone || ageMin > staleAfterMinutes)
    return `deploy lock on ${host} looks stale: taken by ${who}${ownerGone ? '; that process is gone' : ''}. If no deploy is running, clear it with \`deploy unlock\`.`;
  return `another deploy holds the lock on ${host}: ${who}. Wait for it, or if it died, run \`deploy unlock\`.`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
