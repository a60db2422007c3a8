// The deploy lock: a directory created atomically with mkdir on each host, holding who took it.
import type { Layout } from './layout.ts';
import { type Cmd, script } from './shell.ts';

export type LockOwner = {
  token: string;
  owner: string;
  pid: number;
  machine: string;
  startedAt: string;
  runUrl?: string;
  /** The `--env` of the deploy holding the lock. */
  environment?: string;
};

/**
 * Prints `acquired`, or `held` and the owner file. Anything else (a directory that cannot be
 * created, an owner file that cannot be written: permissions, a full disk) exits non-zero with
 * the reason on stderr, and leaves no lock behind: that is an error, not someone else's deploy.
 */
export const acquireLock = (l: Layout, owner: LockOwner): Cmd =>
  script(
    'lock.acquire',
    `mkdir -p "$1" || exit 1
if err=$(mkdir "$2" 2>&1); then
  printf "%s" "$3" > "$2/owner.json" || { rm -rf "$2"; exit 1; }
  echo acquired
elif [ -d "$2" ]; then echo held; cat "$2/owner.json" 2>/dev/null; true
else printf "%s\\n" "$err" >&2; exit 1; fi`,
    [l.meta, l.lock, JSON.stringify(owner)],
  );

/** Releases only our own lock: the token must match. */
export const releaseLock = (l: Layout, token: string): Cmd =>
  script(
    'lock.release',
    'grep -q "\\"token\\":\\"$2\\"" "$1/owner.json" 2>/dev/null && rm -rf "$1" && echo released; true',
    [l.lock, token],
  );

/** `free`, or `locked` and the owner file (absent when a deploy died between mkdir and write). */
export const readLock = (l: Layout): Cmd =>
  script(
    'lock.read',
    '[ -d "$1" ] || { echo free; exit 0; }; echo locked; cat "$1/owner.json" 2>/dev/null; true',
    [l.lock],
  );

export const removeLock = (l: Layout): Cmd => script('lock.remove', 'rm -rf "$1" && echo removed', [l.lock]);

/** readLock's answer: whether a lock is there, and its owner if readable. */
export function parseLockRead(text: string): { locked: boolean; owner: LockOwner | undefined } {
  const [status, ...rest] = text.trim().split('\n');
  return { locked: status === 'locked', owner: parseLockOwner(rest.join('\n')) };
}

export function parseLockOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as LockOwner;
    return typeof value?.owner === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
