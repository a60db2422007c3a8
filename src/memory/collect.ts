// Runs the on-host sampler for the deploy's duration and collects its lines. With a transport that
// can `stream`, over the deploy's own connection: stopping closes the channel and the sampler exits
// with its session (no agent left). Without it, detached on the host writing a file that is read
// back every few seconds: the 1-Hz series stays complete, it only arrives later.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Executor } from '../executors/types.ts';
import { readSampler, spawnSampler, stopSampler, streamSampler } from '../remote/sampler.ts';
import { type SamplerOptions, type SamplerSourceOption, samplerCommand } from '../remote/sampler-script.ts';
import { type MemorySample, parseSamplerLine, type RawSample, toMemorySample } from '../sampler/parse.ts';

export type SamplerRun = {
  host: string;
  /** The first sample, or undefined when none arrives within timeoutMs. */
  first(timeoutMs: number): Promise<MemorySample | undefined>;
  /** The highest build and new-JVM RSS (kB) seen so far (0: not seen). */
  peaks?(): { buildKb: number; newKb: number };
  stop(): Promise<{ samples: MemorySample[]; errors: string[] }>;
};

export type SamplerOpts = {
  host: string;
  marksDir: string;
  intervalSeconds: number;
  source: SamplerSourceOption;
  cgroupPath?: string;
  startEpochMs: number;
  /** Without `stream`: how often the file is read back (default FILE_POLL_MS). */
  pollMs?: number;
};

const MAX_RESTARTS = 3;
/** Without `stream`: how often the file is read back, and the sampler's own bound (6 h). */
export const FILE_POLL_MS = 3000;
const FILE_BOUND_SECONDS = 6 * 3600;

export function startSampler(exec: Executor, opts: SamplerOpts): SamplerRun {
  const raws: RawSample[] = [];
  const errors: string[] = [];
  const controller = new AbortController();
  let gotFirst: (s: RawSample) => void = () => undefined;
  const firstRaw = new Promise<RawSample>((resolve) => {
    gotFirst = resolve;
  });
  const onLine = (line: string) => {
    const parsed = parseSamplerLine(line);
    if (parsed.kind === 'sample') {
      raws.push(parsed);
      gotFirst(parsed);
    } else if (parsed.kind === 'error') errors.push(parsed.error);
  };
  const running = (exec.stream ? streamed : filed)(exec, opts, onLine, errors, controller.signal).catch(
    () => undefined, // aborted, or no new connection: the end of sampling, not an error
  );
  const sample = (r: RawSample) => toMemorySample(r, { host: opts.host, startEpochMs: opts.startEpochMs });
  return {
    host: opts.host,
    first: (timeoutMs) =>
      Promise.race([
        firstRaw.then(sample),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref()),
      ]),
    peaks: () => ({
      buildKb: Math.max(0, ...raws.map((r) => r.buildRssKb ?? 0)),
      newKb: Math.max(0, ...raws.map((r) => r.newRssKb ?? 0)),
    }),
    async stop() {
      controller.abort();
      await running;
      return { samples: raws.map(sample), errors };
    },
  };
}

type Runner = (
  exec: Executor,
  opts: SamplerOpts,
  onLine: (line: string) => void,
  errors: string[],
  signal: AbortSignal,
) => Promise<void>;

const optionsOf = (opts: SamplerOpts, durationSeconds?: number): SamplerOptions => ({
  marksDir: opts.marksDir,
  intervalSeconds: opts.intervalSeconds,
  source: opts.source,
  ...(opts.cgroupPath ? { cgroupPath: opts.cgroupPath } : {}),
  ...(durationSeconds ? { durationSeconds } : {}),
});

// A lost SSH connection ends the sampler with its session; the deploy goes on over a new one
// (its undo, typically), and so does the sampler, so the proof covers the rollback too.
const streamed: Runner = async (exec, opts, onLine, errors, signal) => {
  const stream = exec.stream!.bind(exec);
  for (let restarts = 0; ; restarts++) {
    const r = await stream(streamSampler(optionsOf(opts)), onLine, { signal });
    if (signal.aborted) return;
    if (r.connectionLost && restarts < MAX_RESTARTS) continue;
    if (r.code !== 0 && r.stderr.trim())
      errors.push(`sampler exited ${r.code}: ${r.stderr.trim().split('\n')[0]}`);
    return;
  }
};

// The sampler runs on whatever happens to the connection; a failed read is tried again next time.
const filed: Runner = async (exec, opts, onLine, errors, signal) => {
  const file = `${opts.marksDir}/sampler-${opts.startEpochMs}.out`;
  const spawned = await exec.run(
    spawnSampler(file, samplerCommand(optionsOf(opts, FILE_BOUND_SECONDS)).argv),
    { signal },
  );
  const pgid = Number(spawned.stdout.trim().split('\n').at(-1));
  if (spawned.code !== 0 || !Number.isInteger(pgid) || pgid <= 1) {
    errors.push(
      `sampler did not start (exit ${spawned.code}): ${spawned.stderr.trim().split('\n')[0] ?? ''}`,
    );
    return;
  }
  let offset = 0;
  const take = (text: string) => {
    const end = text.lastIndexOf('\n') + 1;
    for (const line of text.slice(0, end).split('\n').slice(0, -1)) onLine(line);
    offset += Buffer.byteLength(text.slice(0, end));
  };
  // The first read soon (the budget waits for a first sample), then every few seconds.
  for (let reads = 0; !signal.aborted; reads++) {
    const every = opts.pollMs ?? FILE_POLL_MS;
    await sleep(reads === 0 ? Math.min(every, 1000) : every, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) break;
    const r = await exec.run(readSampler(file, offset)).catch(() => undefined);
    if (r?.code === 0) take(r.stdout);
  }
  const last = await exec.run(stopSampler(file, pgid, offset));
  take(last.stdout);
  // The shell's own report of the group being stopped ("Terminated") is no error.
  const said = last.stderr.split('\n').filter((l) => l.trim() && !/\bTerminated\b/.test(l));
  if (said.length > 0) errors.push(`sampler: ${said[0]}`);
};
