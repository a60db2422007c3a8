// Builders for every remote command the engine runs (Kamal-style: data in, argv out, no I/O).
import { maskedEnv, splitUserinfo } from '../core/redact.ts';
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

// `ours PID [RELEASE]`: jvm.start started PID (for RELEASE): its environment holds HANDOFF_RELEASE.
// Newlines inside values are mapped away first, so no value can fake the key (environ is
// NUL-separated), and the release is compared as a string, never as a pattern.
const OURS = `ours() { tr '\\n\\0' '\\001\\n' < "/proc/$1/environ" 2>/dev/null | awk -v id="$2" 'BEGIN { r = 1 } /^HANDOFF_RELEASE=/ { if (id == "" || substr($0, 17) == id) r = 0 } END { exit r }'; }`;

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

export const createRelease = (l: Layout, id: string): Cmd =>
  script('release.create', 'rm -rf "$1" && mkdir -p "$1"', [l.release(id)]);

/** A tar stream on stdin into the release directory (an executor with `put`). */
export const extractRelease = (dir: string): Cmd => script('release.extract', 'tar -xf - -C "$1"', [dir]);

/**
 * Without `put`: the tar arrives as base64 pieces, each the `input` of one command, appended to a
 * file in the release directory, then unpacked there (docs/architecture.md, "Transports").
 */
export const appendUpload = (file: string, base64: string): Cmd => ({
  ...script('release.chunk', 'base64 -d >> "$1"', [file]),
  input: { data: base64, shown: `(${base64.length} base64 characters)\n`, public: true },
});
export const unpackUpload = (dir: string, file: string): Cmd =>
  script('release.extract', 'tar -xf "$2" -C "$1" && rm -f "$2"', [dir, file]);

// Hands git the URL's credentials from the environment when it asks (a 401), so they are in no
// argv on the host (git passes the URL it is given to its helpers' argv) and in no FETCH_HEAD.
const CREDENTIALS = `!f() { [ "$1" = get ] && [ -n "$HANDOFF_GIT_USERNAME$HANDOFF_GIT_PASSWORD" ] && printf 'username=%s\\npassword=%s\\n' "$HANDOFF_GIT_USERNAME" "$HANDOFF_GIT_PASSWORD"; }; f`;

/**
 * The host fetches the source itself. `--` ends git's options, so a URL or ref can never be read as
 * one (`--upload-pack=...` runs a command); the schema refuses a leading '-' as well. Credentials
 * in the URL go on stdin (two lines) and reach git through a credential helper.
 */
export const fetchRelease = (dir: string, url: string, ref: string): Cmd => {
  const bare = splitUserinfo(url);
  return {
    ...script(
      'release.fetch',
      `cd "$1" || exit 1
IFS= read -r HANDOFF_GIT_USERNAME; IFS= read -r HANDOFF_GIT_PASSWORD
export HANDOFF_GIT_USERNAME HANDOFF_GIT_PASSWORD GIT_TERMINAL_PROMPT=0
git init -q && git -c credential.helper= -c "credential.helper=$4" -c protocol.ext.allow=never \\
  fetch -q --depth 1 -- "$2" "$3" && git checkout -q FETCH_HEAD && git rev-parse --short HEAD`,
      [dir, bare.url, ref, CREDENTIALS],
    ),
    input: {
      data: `${bare.username}\n${bare.password}\n`,
      shown: bare.username || bare.password ? '*** (credentials for git)\n' : '(no credentials)\n',
    },
  };
};

/** Atomic: a new symlink renamed over the old one. Prints the release it replaced. */
export const switchCurrent = (l: Layout, id: string): Cmd =>
  script(
    'release.switch',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    'prev=$(readlink "$1" 2>/dev/null || true); ln -sfn "releases/$2" "$1.tmp" && mv -Tf "$1.tmp" "$1" && echo "${prev##*/}"',
    [l.current, id],
  );

/** Undoes a first deploy's switch (no release to point back at): removes `current` if it names `id`. */
export const unlinkCurrent = (l: Layout, id: string): Cmd =>
  script('release.unlink', '[ "$(readlink "$1" 2>/dev/null)" = "releases/$2" ] && rm -f "$1"; true', [
    l.current,
    id,
  ]);

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
    'g=$(cat "$1/build.pgid" 2>/dev/null) && kill -s TERM -- "-$g" 2>/dev/null; rm -f "$1/build.pgid"; true',
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

// NUL-separated entries of /proc/PID/{cmdline,environ} as shell words, byte for byte (od + awk in
// the C locale are POSIX and take any byte): a value may hold newlines (a PEM key), and splitting on
// them would turn its lines into words that run. Modes: cd, cmd (quoted twice, for
// sh -c "exec $cmd"), env (a `set --` line, without the HANDOFF_RELEASE the start sets itself).
const NUL_WORDS = String.raw`words() { od -An -v -tu1 | awk -v mode="$1" '
function q(s,   out, i, c) {
  out = ""
  for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); out = out (c == "\047" ? "\047\\\047\047" : c) }
  return "\047" out "\047"
}
function flush() {
  if (have && !(mode == "env" && index(w, "HANDOFF_RELEASE=") == 1)) list = list " " q(w)
  w = ""; have = 0
}
{ for (i = 1; i <= NF; i++) if ($i == 0) flush(); else { w = w sprintf("%c", $i + 0); have = 1 } }
END {
  flush()
  if (mode == "cd") print "cd" list " 2>/dev/null || true"
  else if (mode == "cmd") print "cmd=" q(substr(list, 2))
  else print "set --" list
}'; }`;

/**
 * Adopting an app started by hand: record how the running JVM was started (argv, cwd, environment,
 * from /proc) into its release as a start spec (mode 0600), so a rollback can restart it exactly
 * so. Kept when already recorded.
 */
export const recordStart = (l: Layout, release: string, pid: number): Cmd =>
  script(
    'jvm.record',
    `f="$1/.handoff-start"; p="/proc/$2"
[ -f "$f" ] && { echo kept; exit 0; }
[ -r "$p/cmdline" ] || { echo none; exit 0; }
LC_ALL=C; export LC_ALL; umask 077
${NUL_WORDS}
cwd=$(readlink "$p/cwd")
{ printf '%s' "$cwd" | words cd; words cmd < "$p/cmdline"; words env < "$p/environ"; } > "$f.tmp" &&
  mv -f "$f.tmp" "$f" && echo recorded`,
    [l.release(release), pid],
  );

/** The release's commit, for whoever reads the host later (src/engine/source.ts). */
export const describeRelease = (dir: string, commit: object): Cmd =>
  script('release.describe', 'printf "%s\\n" "$2" > "$1/.handoff-commit"', [dir, JSON.stringify(commit)]);

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
