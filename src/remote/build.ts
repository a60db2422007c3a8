// The build on the host, in its own process group, and how an interrupt stops it.
import type { Layout } from './layout.ts';
import { type Cmd, script } from './shell.ts';

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
