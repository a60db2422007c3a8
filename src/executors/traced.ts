// A timing record of every remote command, for benches and for finding where a deploy's time goes:
// wraps any executor and appends one JSON line per command to a file (HANDOFF_TRACE, docs/cli.md).
// Only the command's kind, host, timings and exit code are written, never its text or input.
import { appendFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Cmd } from '../remote/shell.ts';
import type { CmdResult, Executor, RunOptions } from './types.ts';

export type TraceLine = {
  host: string;
  transport: string;
  via: 'run' | 'stream' | 'put';
  kind: string;
  /** When the command was handed to the executor (epoch ms). */
  at: number;
  ms: number;
  /** Exit code, or null when the executor threw (an abort, an unreachable service). */
  code: number | null;
};

export function traced(exec: Executor, transport: string, file: string): Executor {
  const write = (line: TraceLine) => {
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch {
      // A trace is bookkeeping: a full disk or a bad path never stops a deploy or its undo.
    }
  };
  const timed = async (via: TraceLine['via'], cmd: Cmd, body: () => Promise<CmdResult>) => {
    const at = Date.now();
    const t0 = performance.now();
    let code: number | null = null;
    try {
      const r = await body();
      code = r.code;
      return r;
    } finally {
      write({
        host: exec.name,
        transport,
        via,
        kind: cmd.kind,
        at,
        ms: Math.round(performance.now() - t0),
        code,
      });
    }
  };
  const out: Executor = {
    name: exec.name,
    run: (cmd: Cmd, opts?: RunOptions) => timed('run', cmd, () => exec.run(cmd, opts)),
    close: () => exec.close(),
  };
  // Only the capabilities the executor has: the engine falls back on their absence.
  const { stream, put } = exec;
  if (stream)
    out.stream = (cmd: Cmd, onLine: (line: string) => void, opts?: RunOptions) =>
      timed('stream', cmd, () => stream.call(exec, cmd, onLine, opts));
  if (put)
    out.put = (cmd: Cmd, stdin: Readable, opts?: RunOptions) =>
      timed('put', cmd, () => put.call(exec, cmd, stdin, opts));
  return out;
}
