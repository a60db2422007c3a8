// Runs the on-host sampler over the deploy's own SSH connection for the whole deploy and collects
// its lines. Stopping closes the channel: the sampler exits when its session goes (no agent left).
import type { Executor } from '../executors/types.ts';
import { type MemorySample, parseSamplerLine, type RawSample, toMemorySample } from '../sampler/parse.ts';
import { type SamplerSourceOption, samplerCommand } from '../sampler/script.ts';

export type SamplerRun = {
  host: string;
  /** The first sample, or undefined when none arrives within timeoutMs. */
  first(timeoutMs: number): Promise<MemorySample | undefined>;
  stop(): Promise<{ samples: MemorySample[]; errors: string[] }>;
};

const MAX_RESTARTS = 3;

export function startSampler(
  exec: Executor,
  opts: {
    host: string;
    marksDir: string;
    intervalSeconds: number;
    source: SamplerSourceOption;
    cgroupPath?: string;
    startEpochMs: number;
  },
): SamplerRun {
  const raws: RawSample[] = [];
  const errors: string[] = [];
  const controller = new AbortController();
  let gotFirst: (s: RawSample) => void = () => undefined;
  const firstRaw = new Promise<RawSample>((resolve) => {
    gotFirst = resolve;
  });
  const { argv } = samplerCommand({
    marksDir: opts.marksDir,
    intervalSeconds: opts.intervalSeconds,
    source: opts.source,
    ...(opts.cgroupPath ? { cgroupPath: opts.cgroupPath } : {}),
  });
  const once = () =>
    exec.run(
      { kind: 'sampler', argv },
      {
        signal: controller.signal,
        onLine: (line) => {
          const parsed = parseSamplerLine(line);
          if (parsed.kind === 'sample') {
            raws.push(parsed);
            gotFirst(parsed);
          } else if (parsed.kind === 'error') errors.push(parsed.error);
        },
      },
    );
  // A lost SSH connection ends the sampler with its session; the deploy goes on over a new one
  // (its undo, typically), and so does the sampler, so the proof covers the rollback too.
  const running = (async () => {
    for (let restarts = 0; ; restarts++) {
      const r = await once();
      if (controller.signal.aborted) return;
      if (r.connectionLost && restarts < MAX_RESTARTS) continue;
      if (r.code !== 0 && r.stderr.trim())
        errors.push(`sampler exited ${r.code}: ${r.stderr.trim().split('\n')[0]}`);
      return;
    }
  })().catch(() => undefined); // aborted, or no new connection: the end of sampling, not an error
  return {
    host: opts.host,
    first: (timeoutMs) =>
      Promise.race([
        firstRaw.then((r) => toMemorySample(r, { host: opts.host, startEpochMs: opts.startEpochMs })),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref()),
      ]),
    async stop() {
      controller.abort();
      await running;
      return {
        samples: raws.map((r) => toMemorySample(r, { host: opts.host, startEpochMs: opts.startEpochMs })),
        errors,
      };
    },
  };
}
