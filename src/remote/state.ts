// What the host keeps between commands and deploys: its directories, its current state, the marks
// the memory sampler reads, and the deploy history.
import type { Layout } from './layout.ts';
import { ALIVE } from './proc.ts';
import { type Cmd, script } from './shell.ts';

export const prepare = (l: Layout): Cmd =>
  script('prepare', 'mkdir -p "$1" "$2" "$3"', [l.dir, l.releases, l.marks]);

export const readState = (l: Layout): Cmd =>
  script(
    'state.read',
    `${ALIVE}
cur=$(readlink "$1" 2>/dev/null || true); pid=$(cat "$2" 2>/dev/null || true)
st=dead; [ -n "$pid" ] && alive "$pid" && st=alive
printf 'current=%s\\npid=%s\\nstate=%s\\n' "\${cur##*/}" "$pid" "$st"
ls -1 "$3" 2>/dev/null | sed 's/^/release=/'`,
    [l.current, l.pidFile, l.releases],
  );

/** One-line mark files the host's memory sampler rereads every second. */
export const mark = (l: Layout, key: 'step' | 'old.pid' | 'new.pid', value: string): Cmd =>
  script('mark', 'printf "%s\\n" "$2" > "$1"', [`${l.marks}/${key}`, value]);

/**
 * Clears the marks a previous deploy left, before the sampler starts reading them. Runs only
 * under our lock, so a build group still recorded belongs to a deploy that died (SIGKILL, a lost
 * laptop): it is stopped rather than left to fill the host's memory, if its leader still works in
 * a release directory (after a reboot the number may name another group).
 */
export const resetMarks = (l: Layout, step: string): Cmd =>
  script(
    'mark',
    `mkdir -p "$1" || exit 1
g=$(cat "$1/build.pgid" 2>/dev/null || true)
case $(readlink "/proc/$g/cwd" 2>/dev/null) in
  "$3"/?*) [ -n "$g" ] && kill -s KILL -- "-$g" 2>/dev/null && echo "stopped the build (process group $g) an earlier deploy left running" ;;
esac
: > "$1/old.pid" && : > "$1/new.pid" && rm -f "$1/build.pgid" && printf "%s\\n" "$2" > "$1/step"`,
    [l.marks, step, l.releases],
  );

export const appendHistory = (l: Layout, entry: object): Cmd =>
  script('history.append', 'printf "%s\\n" "$2" >> "$1"', [l.history, JSON.stringify(entry)]);

export const readHistory = (l: Layout): Cmd =>
  script('history.read', 'cat "$1" 2>/dev/null; true', [l.history]);
