// Runs commands on the machine the tool runs on (local builds, `git archive`, tar of a directory),
// through zx, which handles quoting, signals and process cleanup.
import type { Readable } from 'node:stream';
import { $, type ProcessPromise } from 'zx';
import type { Cmd } from '../remote/shell.ts';
import { type CmdResult, type Executor, lineSplitter, type RunOptions } from './types.ts';

export class LocalExecutor implements Executor {
  readonly name = 'local';
  private readonly cwd: string;
  constructor(cwd: string) {
    this.cwd = cwd;
  }

  async run(cmd: Cmd, opts: RunOptions = {}): Promise<CmdResult> {
    const t0 = performance.now();
    const [bin, ...args] = cmd.argv;
    const p = $({
      cwd: this.cwd,
      nothrow: true,
      quiet: true,
      signal: opts.signal,
      input: opts.stdin ?? cmd.input?.data,
    })`${bin} ${args}`;
    if (opts.onLine) p.stdout.on('data', lineSplitter(opts.onLine));
    const out = await p;
    return { code: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr, ms: performance.now() - t0 };
  }

  /** A running local process whose stdout feeds an upload (tar, git archive). */
  stream(argv: string[], signal?: AbortSignal): { stdout: Readable; done: ProcessPromise } {
    const [bin, ...args] = argv;
    const p = $({ cwd: this.cwd, quiet: true, signal })`${bin} ${args}`;
    return { stdout: p.stdout, done: p };
  }

  async close(): Promise<void> {}
}
