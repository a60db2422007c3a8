// The app's JVM on the host: found (the old one, or the one a lost start left), stopped, checked, started.
import { maskedEnv } from '../core/redact.ts';
import type { Layout } from './layout.ts';
import { ALIVE, OURS } from './proc.ts';
import { type Cmd, quote, script } from './shell.ts';

/**
 * The old JVM: the PID file of the previous deploy, but only if that process is the app (it
 * listens on the port, or jvm.start started it); after a reboot the PID may name anything. Else
 * whatever listens on the app port. Prints `pidfile PID`, `port PID` or `none`, then
 * `stale PID COMM` when the PID file named another process.
 */
export const findJvm = (l: Layout, port: number): Cmd =>
  script(
    'jvm.find',
    `${ALIVE}
${OURS}
onport=$(ss -Hltnp "sport = :$2" 2>/dev/null | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -n 1)
pid=$(cat "$1" 2>/dev/null || true)
stale=
if [ -n "$pid" ] && alive "$pid"; then
  if [ "$pid" = "$onport" ] || ours "$pid"; then echo "pidfile $pid"; exit 0; fi
  stale="stale $pid $(cat "/proc/$pid/comm" 2>/dev/null)"
fi
if [ -n "$onport" ]; then echo "port $onport"; else echo none; fi
[ -z "$stale" ] || echo "$stale"`,
    [l.pidFile, port],
  );

/** The JVM jvm.start left for release `id` (its answer may have been lost): the PID file's, if ours. */
export const findStarted = (l: Layout, id: string): Cmd =>
  script(
    'jvm.started',
    `${ALIVE}
${OURS}
pid=$(cat "$1" 2>/dev/null || true)
[ -n "$pid" ] && alive "$pid" && ours "$pid" "$2" && echo "$pid"; true`,
    [l.pidFile, id],
  );

/** SIGTERM, up to the grace period, then SIGKILL; exits 0 only once the process is gone. */
export const stopJvm = (pid: number, graceSeconds: number): Cmd =>
  script(
    'jvm.stop',
    `${ALIVE}
alive "$1" || { echo "already gone"; exit 0; }
kill -TERM "$1"; t=0; limit=$(($2 * 10))
while alive "$1"; do
  if [ "$t" -ge "$limit" ]; then kill -KILL "$1" 2>/dev/null; sleep 0.2; alive "$1" && { echo "still alive after SIGKILL" >&2; exit 1; }; echo "killed after \${2}s grace"; exit 0; fi
  sleep 0.1; t=$((t + 1))
done
echo "stopped by SIGTERM after $((t / 10)).$((t % 10))s"`,
    [pid, Math.ceil(graceSeconds)],
  );

/** VmRSS (kB) of one process, or nothing when it is gone. */
export const jvmRss = (pid: number): Cmd =>
  script('memory.rss', `awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true`, [pid]);

export const jvmAlive = (pid: number): Cmd =>
  script('jvm.alive', `${ALIVE}\nalive "$1" && echo alive || echo dead`, [pid]);

/**
 * Detached (setsid, stdin from /dev/null, output to a log), so the SSH session never hangs. The
 * start spec (command and environment, docs/contracts.md "start spec") arrives on stdin, never in
 * an argv that `ps` shows, and is stored mode 0600; the environment is exported by the shell, so no
 * process on the host ever carries a value in its argv.
 */
export const startJvm = (
  l: Layout,
  id: string,
  command: string,
  env: Record<string, string>,
  opts: { reuseRecorded?: boolean } = {},
): Cmd => ({
  ...script(
    'jvm.start',
    // The release records how it was started (.handoff-start), so a rollback restarts it the way it
    // ran, not with the settings of the deploy that failed.
    `cd "$1" || exit 1
log="$1/app.log"; pidfile="$2"; release=\${1##*/}; um=$(umask); umask 077
if [ "$3" != 1 ] || [ ! -f .handoff-start ]; then
  cat > .handoff-start.tmp && [ -s .handoff-start.tmp ] && mv -f .handoff-start.tmp .handoff-start ||
    { rm -f .handoff-start.tmp; echo "no start spec arrived on stdin" >&2; exit 1; }
else
  cat >/dev/null # the recorded spec wins; the one sent is read, so the sender never meets a closed pipe
fi
chmod 600 .handoff-start
(
  . ./.handoff-start
  for kv in "$@"; do
    case \${kv%%=*} in
      ''|[0-9]*|*[!A-Za-z0-9_]*) echo "handoff: skipped an environment entry that is not a variable name" >&2 ;;
      *) export "$kv" ;;
    esac
  done
  export HANDOFF_RELEASE="$release"
  umask "$um" # the app keeps the umask it would have had
  exec setsid sh -c "exec $cmd"
) </dev/null >>"$log" 2>&1 &
echo $! > "$pidfile"; echo $!`,
    [l.release(id), l.pidFile, opts.reuseRecorded ? 1 : 0],
  ),
  input: { data: startSpec(id, command, env), shown: startSpec(id, command, maskedEnv(env)) },
});

/** Sourced by jvm.start: sets $cmd and the positional KEY=VALUE environment. */
export function startSpec(id: string, command: string, env: Record<string, string>): string {
  const pairs = Object.entries({ ...env, HANDOFF_RELEASE: id }).map(([k, v]) => quote(`${k}=${v}`));
  return `cmd=${quote(command)}\nset -- ${pairs.join(' ')}\n`;
}
