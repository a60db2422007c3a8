// Adopting an app started by hand: how it runs, read from /proc into a start spec of its release.
import type { Layout } from './layout.ts';
import { type Cmd, script } from './shell.ts';

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
