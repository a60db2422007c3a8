// The on-host memory sampler: a POSIX sh + awk loop, started over the deploy's own SSH connection.
// It lives in TypeScript (not a .sh file) so it ships inside dist/ with no file lookup at runtime.
// String.raw keeps awk's backslashes intact; the script must never contain "${" or a backtick.
// Line format and field meanings: src/sampler/parse.ts. Accounting choices: docs/memory.md.
import { quote, shellJoin } from './shell.ts';

/** Files in the marks directory that the tool rewrites (one value each) and the sampler rereads every tick. */
export const MARK_FILES = {
  step: 'step',
  oldPid: 'old.pid',
  newPid: 'new.pid',
  buildPgid: 'build.pgid',
} as const;

export type MarkName = keyof typeof MARK_FILES;
export type SamplerSourceOption = 'auto' | 'meminfo' | 'cgroup';

// Exit codes: 0 duration reached or TERM/HUP/INT; 2 bad usage or no cgroup for --source cgroup;
// 3 parent gone (SSH session ended); anything else: awk failed, e.g. 141 after SIGPIPE (stdout closed).
export const SAMPLER_SCRIPT = String.raw`# handoff memory sampler (POSIX sh + awk). One line per tick on stdout.
m= iv=1 dur=0 src=auto cgp= P=/proc
while [ $# -gt 1 ]; do
  case $1 in
    --marks) m=$2 ;; --interval) iv=$2 ;; --duration) dur=$2 ;;
    --source) src=$2 ;; --cgroup-path) cgp=$2 ;; --proc) P=$2 ;;  # --proc: fixture tree, tests only
    *) echo "sampler: bad argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ $# -eq 0 ] || { echo "sampler: bad argument $1" >&2; exit 2; }
sp=
trap 'exit 0' TERM HUP INT
# Never leave the background sleep behind, whatever ended the loop.
trap '[ -z "$sp" ] || kill $sp 2>/dev/null' EXIT
A='
function rd(f,  l) { l = ""; if ((getline l < f) <= 0) l = ""; close(f); return l }
# "key value" and "Key: value kB" files into K[key] = value
function load(f,  l, a) { split("", K); while ((getline l < f) > 0) { split(l, a, /[: \t]+/); K[a[1]] = a[2] } close(f) }
function rss(p) { if (p !~ /^[0-9]+$/) return "-"; load(P "/" p "/status"); return ("VmRSS" in K) ? K["VmRSS"] : 0 }
function lim(d) { return rd(d (v == 1 ? "/memory.limit_in_bytes" : "/memory.max")) }
function limited(d,  l) { l = lim(d); return l != "" && l != "max" && l + 0 < mt * 1024 }
function isdir(d) { return rd(d "/memory.usage_in_bytes") != "" ? 1 : rd(d "/memory.current") != "" ? 2 : 0 }
# K still holds meminfo when tick() formats it: rd() does not touch K.
BEGIN { load(P "/meminfo"); mt = K["MemTotal"]; if (mode == "tick") tick(); else detect() }
function detect(  l, a, n, r, d, p1, p2, m1, m2) {
  if (src != "meminfo") {
    while ((getline l < (P "/self/mounts")) > 0) { split(l, a, " ")
      if (a[3] == "cgroup2") m2 = a[2]; else if (a[3] == "cgroup" && a[4] ~ /(^|,)memory(,|$)/) m1 = a[2] }
    while ((getline l < (P "/self/cgroup")) > 0) { n = split(l, a, ":")
      if (a[2] ~ /(^|,)memory(,|$)/) p1 = a[3]; else if (a[1] == "0" && a[2] == "") p2 = a[3] }
    if (cgp != "") { d = cgp; v = isdir(d)
      if (!v && m1 != "") { d = m1 cgp; v = isdir(d) } if (!v && m2 != "") { d = m2 cgp; v = isdir(d) } }
    # v1 memory controller wins over the v2 "0::" line on hybrid hosts; the mount root stands in
    # for a path that is not visible there (a container without a cgroup namespace).
    else if (m1 != "" && p1 != "") { r = m1; d = m1 p1; v = 1; if (!isdir(d)) d = r }
    else if (m2 != "" && p2 != "") { r = m2; d = m2 p2; v = 2; if (!isdir(d)) d = r }
    sub(/\/$/, "", d); if (v && !isdir(d)) v = 0
    # Limits are hierarchical: the OOM killer acts on the nearest ancestor whose limit is below RAM.
    if (v && cgp == "") { for (n = d; !limited(n) && length(n) > length(r) && n ~ /\/[^\/]+$/; ) sub(/\/[^\/]+$/, "", n)
      if (limited(n)) d = n }
    if (v && src == "auto" && !limited(d)) v = 0
  }
  if (src == "cgroup" && !v) { print "sampler: no memory cgroup found" > "/dev/stderr"; exit 2 }
  print (v ? v : 0); print (v ? d : "-"); print "H 1 " iv " " (v ? "cgroup" v " " d : "meminfo -")
}
function tick(  l, a, f, i, u, ia, li, ok, st, b, bp, t) {
  # Parent gone (the SSH session ended): stop before printing anything more.
  l = rd("/proc/" sh "/stat"); sub(/^.*\) /, "", l); split(l, a, " "); if (a[2] != pp) exit 3
  t = rd(P "/uptime"); sub(/ .*/, "", t); if (dur > 0 && t - u0 >= dur) exit 4
  f = sprintf("%.2f %s %s %s %s", e0 - u0 + t, mt, ("MemAvailable" in K) ? K["MemAvailable"] : K["MemFree"], K["SwapTotal"], K["SwapFree"])
  if (v == 1) { u = rd(cg "/memory.usage_in_bytes"); li = lim(cg); load(cg "/memory.stat"); ia = K["total_inactive_file"]
    load(cg "/memory.oom_control"); ok = K["oom_kill"] }  # oom_kill there since Linux 4.13
  else if (v == 2) { u = rd(cg "/memory.current"); li = lim(cg); load(cg "/memory.stat"); ia = K["inactive_file"]
    load(cg "/memory.events"); ok = K["oom_kill"] }
  else { load(P "/vmstat"); ok = K["oom_kill"] }  # host-wide OOM kills
  # Build = every process whose group or session is build.pgid (the tool starts it with setsid; the
  # session also keeps children that moved to a group of their own, like coreutils timeout).
  # /proc/PID/stat field 24 is the same RSS counter as VmRSS, in pages.
  bp = rd(m "/build.pgid"); b = "-"
  if (bp ~ /^[1-9][0-9]*$/) { b = 0; for (i = 1; i < ARGC; i++) { l = rd(ARGV[i])
    if (sub(/^.*\) /, "", l)) { split(l, a, " "); if (a[3] == bp || a[4] == bp) b += a[22] * pk } } }
  st = rd(m "/step"); gsub(/[^A-Za-z0-9_.:-]/, "_", st)
  printf "S %s %s %s %s %s %s %s %s %s %s\n", f, (v ? "cgroup" v : "meminfo"), ne(u), ne(ia), ne(li), ne(ok), rss(rd(m "/old.pid")), rss(rd(m "/new.pid")), b, ne(st)
}
function ne(x) { return x == "" ? "-" : x }
'
pk=$(getconf PAGESIZE 2>/dev/null) || pk=4096
read -r u0 x < "$P/uptime"
e0=$(date +%s.%N)
case $e0 in *[!0-9.]*|'') e0=$(date +%s) ;; esac  # no %N (busybox): whole seconds
{ read -r cv; read -r cg; read -r hl; } <<EOF
$(awk -v mode=detect -v P="$P" -v src="$src" -v cgp="$cgp" -v iv="$iv" "$A")
EOF
[ -n "$hl" ] || exit 2
printf '%s\n' "$hl" || exit 1
while :; do
  # The sleep runs beside the tick, so the period stays one interval however long the tick takes.
  sleep "$iv" & sp=$!
  # Scan /proc only while a build runs: the glob costs one stat read per process.
  if [ -s "$m/build.pgid" ]; then set -- "$P"/[0-9]*/stat; else set --; fi
  awk -v mode=tick -v P="$P" -v m="$m" -v v="$cv" -v cg="$cg" -v sh=$$ -v pp=$PPID -v pk=$((pk / 1024)) \
    -v u0="$u0" -v e0="$e0" -v dur="$dur" "$A" "$@" || { r=$?; [ $r -eq 4 ] && exit 0; exit $r; }
  wait $sp; sp=
done
`;

export interface SamplerOptions {
  marksDir: string;
  intervalSeconds: number;
  /** Stop after this many seconds; omitted or 0: run until stdout closes, the parent goes or a signal. */
  durationSeconds?: number;
  source: SamplerSourceOption;
  cgroupPath?: string;
}

/** argv to run on the host (`sh -c SCRIPT sampler ARGS...`), and the same argv as one quoted command line. */
export function samplerCommand(opts: SamplerOptions): { argv: string[]; command: string } {
  if (!(opts.intervalSeconds > 0) || opts.intervalSeconds > 3600) {
    throw new RangeError(`sampler interval must be in (0, 3600] seconds, got ${opts.intervalSeconds}`);
  }
  const duration = opts.durationSeconds ?? 0;
  if (!Number.isInteger(duration) || duration < 0) {
    throw new RangeError(`sampler duration must be a whole number of seconds >= 0, got ${duration}`);
  }
  if (opts.marksDir === '') throw new RangeError('sampler marks directory must not be empty');
  const args = [
    '--marks',
    opts.marksDir,
    '--interval',
    String(opts.intervalSeconds),
    '--source',
    opts.source,
  ];
  if (duration > 0) args.push('--duration', String(duration));
  if (opts.cgroupPath !== undefined) args.push('--cgroup-path', opts.cgroupPath);
  const argv = ['sh', '-c', SAMPLER_SCRIPT, 'sampler', ...args];
  return { argv, command: shellJoin(argv) };
}

/**
 * Shell command that sets one mark. It writes a temporary file and renames it so the sampler never
 * reads a half-written value; an empty value clears the mark (the sampler then reports "-").
 */
export function markCommand(marksDir: string, mark: MarkName, value: string | number): string {
  const v = String(value);
  if (/[\n\r]/.test(v)) throw new RangeError(`mark ${mark} must be one line`);
  const file = `${marksDir}/${MARK_FILES[mark]}`;
  return `mkdir -p ${quote(marksDir)} && printf '%s' ${quote(v)} > ${quote(`${file}.tmp`)} && mv -f ${quote(`${file}.tmp`)} ${quote(file)}`;
}
