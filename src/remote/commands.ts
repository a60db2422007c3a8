// Builders for every remote command the engine runs (Kamal-style: data in, argv out, no I/O).
import type { Layout } from './layout.ts';
import { type Cmd, quote, script } from './shell.ts';

// A process counts as gone when /proc has no entry or it is a zombie nobody reaped yet.
const ALIVE = `alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]; }`;

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

/** The old JVM: the PID file of the previous deploy, else whatever listens on the app port. */
export const findJvm = (l: Layout, port: number): Cmd =>
  script(
    'jvm.find',
    `${ALIVE}
pid=$(cat "$1" 2>/dev/null || true)
if [ -n "$pid" ] && alive "$pid"; then echo "pidfile $pid"; exit 0; fi
pid=$(ss -Hltnp "sport = :$2" 2>/dev/null | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -n 1)
if [ -n "$pid" ]; then echo "port $pid"; else echo none; fi`,
    [l.pidFile, port],
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

export const jvmAlive = (pid: number): Cmd =>
  script('jvm.alive', `${ALIVE}\nalive "$1" && echo alive || echo dead`, [pid]);

/** Detached (setsid, stdin from /dev/null, output to a log), so the SSH session never hangs. */
export const startJvm = (
  l: Layout,
  id: string,
  command: string,
  env: Record<string, string>,
  opts: { reuseRecorded?: boolean } = {},
): Cmd =>
  script(
    'jvm.start',
    // The release records how it was started (.handoff-start), so a rollback restarts it the way it
    // ran, not with the settings of the deploy that failed.
    `cd "$1" || exit 1
log="$1/app.log"; pidfile="$2"
if [ "$4" != 1 ] || [ ! -f .handoff-start ]; then printf '%s\n' "$3" > .handoff-start; fi
. ./.handoff-start
setsid env "$@" sh -c "exec $cmd" </dev/null >>"$log" 2>&1 &
echo $! > "$pidfile"; echo $!`,
    [l.release(id), l.pidFile, startSpec(id, command, env), opts.reuseRecorded ? 1 : 0],
  );

/** Sourced by jvm.start: sets $cmd and the positional KEY=VALUE environment. */
export function startSpec(id: string, command: string, env: Record<string, string>): string {
  const pairs = Object.entries({ ...env, HANDOFF_RELEASE: id }).map(([k, v]) => quote(`${k}=${v}`));
  return `cmd=${quote(command)}\nset -- ${pairs.join(' ')}`;
}

export const createRelease = (l: Layout, id: string): Cmd =>
  script('release.create', 'rm -rf "$1" && mkdir -p "$1"', [l.release(id)]);

export const extractRelease = (l: Layout, id: string): Cmd =>
  script('release.extract', 'tar -xf - -C "$1"', [l.release(id)]);

export const fetchRelease = (l: Layout, id: string, url: string, ref: string): Cmd =>
  script(
    'release.fetch',
    'cd "$1" && git init -q && git fetch -q --depth 1 "$2" "$3" && git checkout -q FETCH_HEAD && git rev-parse HEAD',
    [l.release(id), url, ref],
  );

/** Atomic: a new symlink renamed over the old one. Prints the release it replaced. */
export const switchCurrent = (l: Layout, id: string): Cmd =>
  script(
    'release.switch',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    'prev=$(readlink "$1" 2>/dev/null || true); ln -sfn "releases/$2" "$1.tmp" && mv -Tf "$1.tmp" "$1" && echo "${prev##*/}"',
    [l.current, id],
  );

export const removeRelease = (l: Layout, id: string): Cmd =>
  script('release.remove', 'rm -rf "$1"', [l.release(id)]);

/** Keeps the newest `keep` releases; never the running one or the rollback target. */
export const pruneReleases = (l: Layout, keep: number, protect: string[]): Cmd =>
  script(
    'release.prune',
    `cd "$1" || exit 0; keep=$2; shift 2
ls -1 | sort -r | tail -n +$((keep + 1)) | while read -r r; do
  skip=; for p in "$@"; do [ "$r" = "$p" ] && skip=1; done
  [ -z "$skip" ] && rm -rf "$r" && echo "$r"
done; true`,
    [l.releases, keep, ...protect],
  );

/** The build runs in its own process group (recorded for the sampler and for SIGINT). */
export const runBuild = (l: Layout, id: string, command: string): Cmd =>
  script(
    'build.run',
    `cd "$1" || exit 1
setsid -w sh -c 'echo $$ > "$1"; exec sh -c "$2"' build "$2/build.pgid" "$3" </dev/null >build.log 2>&1
rc=$?; rm -f "$2/build.pgid"
[ "$rc" -ne 0 ] && tail -n 20 build.log >&2
exit $rc`,
    [l.release(id), l.marks, command],
  );

export const killBuild = (l: Layout): Cmd =>
  script(
    'build.kill',
    'g=$(cat "$1/build.pgid" 2>/dev/null) && kill -TERM -- "-$g" 2>/dev/null; rm -f "$1/build.pgid"; true',
    [l.marks],
  );

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

/** One-line mark files the host's memory sampler rereads every second. */
export const mark = (l: Layout, key: 'step' | 'old.pid' | 'new.pid', value: string): Cmd =>
  script('mark', 'printf "%s\\n" "$2" > "$1"', [`${l.marks}/${key}`, value]);

export const appendHistory = (l: Layout, entry: object): Cmd =>
  script('history.append', 'printf "%s\\n" "$2" >> "$1"', [l.history, JSON.stringify(entry)]);

export const readHistory = (l: Layout): Cmd =>
  script('history.read', 'cat "$1" 2>/dev/null; true', [l.history]);

/** Clears the marks a previous deploy left, before the sampler starts reading them. */
export const resetMarks = (l: Layout, step: string): Cmd =>
  script(
    'mark',
    'mkdir -p "$1" && : > "$1/old.pid" && : > "$1/new.pid" && rm -f "$1/build.pgid" && printf "%s\\n" "$2" > "$1/step"',
    [l.marks, step],
  );

/**
 * Adopting an app started by hand: record how the running JVM was started (argv, cwd, environment,
 * from /proc) into its release, so a rollback can restart it exactly so. Kept when already recorded.
 */
export const recordStart = (l: Layout, release: string, pid: number): Cmd =>
  script(
    'jvm.record',
    `f="$1/.handoff-start"; p="/proc/$2"
[ -f "$f" ] && { echo kept; exit 0; }
[ -r "$p/cmdline" ] || { echo none; exit 0; }
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\\\\\''/g")"; }
args=$(tr '\\0' '\\n' < "$p/cmdline" | while IFS= read -r a; do printf '%s ' "$(q "$a")"; done)
envs=$(tr '\\0' '\\n' < "$p/environ" | grep -v '^HANDOFF_RELEASE=' | while IFS= read -r a; do printf '%s ' "$(q "$a")"; done)
umask 077
printf 'cd %s 2>/dev/null || true\\ncmd=%s\\nset -- %s\\n' "$(q "$(readlink "$p/cwd")")" "$(q "$args")" "$envs" > "$f" && echo recorded`,
    [l.release(release), pid],
  );
