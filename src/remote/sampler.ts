// The sampler on a transport without `stream` (docs/architecture.md, "Transports"): started
// detached, in a session of its own, writing its lines to a file on the host that the tool reads
// back every few seconds. Its parent is the wrapper shell, which stays, so the sampler's own
// "parent gone" check still holds; its --duration bounds it if the tool dies without stopping it.
import { type SamplerOptions, samplerCommand } from './sampler-script.ts';
import { type Cmd, script } from './shell.ts';

// One tick of the deploy's own sampler (strategy 'auto' looks before it decides), with a marks
// directory that does not exist: it reads and writes nothing there (the per-process figures come
// out as not applicable).
export const sampleOnce = (source: SamplerOptions['source'], cgroupPath?: string): Cmd => ({
  kind: 'memory.look',
  argv: samplerCommand({
    marksDir: '/nonexistent/handoff-auto',
    intervalSeconds: 1,
    durationSeconds: 1,
    source,
    ...(cgroupPath ? { cgroupPath } : {}),
  }).argv,
});

/** The sampler with its lines streamed over the connection it runs on (a transport with `stream`). */
export const streamSampler = (opts: SamplerOptions): Cmd => ({
  kind: 'sampler',
  argv: samplerCommand(opts).argv,
});

/** Starts `samplerArgv` detached with stdout to `file`; prints its process group id. */
export const spawnSampler = (file: string, samplerArgv: string[]): Cmd =>
  script(
    'sampler.spawn',
    `f=$1; shift
mkdir -p "$(dirname "$f")" && : > "$f" || exit 1
setsid sh -c '"$@" > "$0" 2> "$0.err"; true' "$f" "$@" < /dev/null > /dev/null 2>&1 &
echo $!`,
    [file, ...samplerArgv],
  );

/** What the file holds from byte `offset` on (0-based). */
export const readSampler = (file: string, offset: number): Cmd =>
  script('sampler.read', 'tail -c +"$2" "$1" 2>/dev/null; true', [file, offset + 1]);

/**
 * Stops the sampler's group, prints what is left from `offset`, its stderr on stderr, and cleans up.
 * `kill -s TERM -- -PGID`: dash's kill reads `-TERM -- -PGID` as a bad number and kills nothing.
 */
export const stopSampler = (file: string, pgid: number, offset: number): Cmd =>
  script(
    'sampler.stop',
    `kill -s TERM -- "-$2" 2>/dev/null; sleep 0.2
tail -c +"$3" "$1" 2>/dev/null; cat "$1.err" >&2 2>/dev/null; rm -f "$1" "$1.err"; true`,
    [file, pgid, offset + 1],
  );
