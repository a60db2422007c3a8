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
};

export const acquireLock = (l: Layout, owner: LockOwner): Cmd =>
  script(
    'lock.acquire',
    `mkdir -p "$1" && if mkdir "$2" 2>/dev/null; then printf "%s" "$3" > "$2/owner.json" && echo acquired; else echo held; cat "$2/owner.json" 2>/dev/null; fi`,
    [l.meta, l.lock, JSON.stringify(owner)],
  );

/** Releases only our own lock: the token must match. */
export const releaseLock = (l: Layout, token: string): Cmd =>
  script(
    'lock.release',
    'grep -q "\\"token\\":\\"$2\\"" "$1/owner.json" 2>/dev/null && rm -rf "$1" && echo released; true',
    [l.lock, token],
  );

export const readLock = (l: Layout): Cmd =>
  script('lock.read', 'cat "$1/owner.json" 2>/dev/null; true', [l.lock]);

export const removeLock = (l: Layout): Cmd => script('lock.remove', 'rm -rf "$1" && echo removed', [l.lock]);

export function parseLockOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as LockOwner;
    return typeof value?.owner === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
