// A hook as a command (data, like every remote command): the same constant script here and on the
// host. The step context arrives as KEY=VALUE lines on stdin, so nothing of it is in an argv that
// `ps` shows; the hook itself then reads an empty stdin. `timeout` (coreutils) bounds it where it
// exists; the command's deadline (the transport's, on the host) and the runner's abort are the
// backstops (macOS has no `timeout`).
import type { Hook } from '../hooks/schema.ts';
import { type Cmd, script } from './shell.ts';

/** Seconds between `timeout`'s SIGTERM and its SIGKILL (docs/hooks.md). */
export const KILL_AFTER_SECONDS = 5;

const HOOK_SCRIPT = `
while IFS= read -r line; do
  case "$line" in HANDOFF_[A-Z_]*=*) export "$line" ;; esac
done
cd "$1" || exit 1
if command -v timeout >/dev/null 2>&1; then exec timeout -k ${KILL_AFTER_SECONDS} "$2" sh -c "$3"; fi
exec sh -c "$3"
`;

/** Exit code of `timeout` when the limit passed. */
export const TIMED_OUT = 124;

export function hookCmd(hook: Hook, cwd: string, env: Record<string, string>): Cmd {
  const data = Object.entries(env)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  return {
    ...script('hook', HOOK_SCRIPT, [cwd, hook.timeoutSeconds, hook.run]),
    input: { data, shown: data },
  };
}
