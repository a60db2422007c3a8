// A timing record of every remote command, for benches and for finding where a deploy's time goes:
// wraps any executor and appends one JSON line per command to a file (HANDOFF_TRACE, docs/cli.md).
// Only the command's kind, host, timings and exit code are written, never its text or input.
import { appendFileSync } from 'node:fs';
import { around, type Executor } from './types.ts';

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
  return around(exec, async (via, cmd, opts, call) => {
    const at = Date.now();
    const t0 = performance.now();
    let code: number | null = null;
    try {
      const r = await call(opts);
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
  });
}
