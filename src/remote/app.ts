// Talking to the running app on the host's loopback (the termination POST, the health probe), and
// reading its log.
import type { Layout } from './layout.ts';
import { ALIVE } from './proc.ts';
import { type Cmd, script } from './shell.ts';

export const postDrain = (port: number, path: string): Cmd =>
  script('drain.post', 'curl -s -o /dev/null -m 5 -w "%{http_code}" -X POST "http://127.0.0.1:$1$2"', [
    port,
    path,
  ]);

/** One health probe on the host's loopback; prints the status code (000 = no answer). */
export const probeHealth = (port: number, path: string): Cmd =>
  script('health.probe', 'curl -s -o /dev/null -m 2 -w "%{http_code}" "http://127.0.0.1:$1$2"; true', [
    port,
    path,
  ]);

/** The last `lines` of a release's app log (none yet: nothing), for a JVM that never became healthy. */
export const tailAppLog = (releaseDir: string, lines: number): Cmd =>
  script('app.tail', 'tail -n "$2" "$1" 2>/dev/null; true', [`${releaseDir}/app.log`, lines]);

/** `app.log` exits with this when the current release has no log (nothing deployed yet). */
export const NO_APP_LOG = 3;

/** The first line a followed log prints: the remote tail's PID, for stopTail. */
export const TAIL_PID = /^handoff-tail (\d+)$/;

/**
 * The current release's app log: the last `lines`, or followed by name (`tail -F`, so a deploy
 * that moves `current` is followed too). Followed, it first prints `handoff-tail <pid>` (before
 * any line of the log: the subshell says it, then becomes the tail) and ends when that tail is
 * stopped (stopTail) or when this shell's parent goes (the SSH session ended without a stop).
 */
export const appLog = (l: Layout, lines: number, follow: boolean): Cmd =>
  script(
    'app.log',
    `f="$1/app.log"
[ -f "$f" ] || { echo "no app.log in the current release" >&2; exit ${NO_APP_LOG}; }
[ "$3" = 1 ] || exec tail -n "$2" "$f"
ppid() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f2; }
${ALIVE}
sh -c 'echo "handoff-tail $$"; exec tail -n "$1" -F "$2" 2>/dev/null' tail "$2" "$f" & t=$!
pp=$(ppid $$)
while alive "$t"; do
  [ "$(ppid $$)" = "$pp" ] || { kill "$t"; break; }
  sleep 1
done
exit 0`,
    [l.current, lines, follow ? 1 : 0],
  );

/** Ends a followed log (appLog): its stream then ends with exit 0. */
export const stopTail = (pid: number): Cmd => script('app.log', 'kill "$1" 2>/dev/null; true', [pid]);
