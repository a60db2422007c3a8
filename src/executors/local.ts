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

  run(cmd: Cmd, opts: RunOptions = {}): Promise<CmdResult> {
    return this.exec(cmd, opts);
  }

  stream(cmd: Cmd, onLine: (line: string) => void, opts: RunOptions = {}): Promise<CmdResult> {
    return this.exec(cmd, { ...opts, onLine });
  }

  put(cmd: Cmd, stdin: Readable, opts: RunOptions = {}): Promise<CmdResult> {
    return this.exec(cmd, { ...opts, stdin });
  }

  private async exec(
    cmd: Cmd,
    opts: RunOptions & { stdin?: Readable; onLine?: (line: string) => void },
  ): Promise<CmdResult> {
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
  produce(argv: string[], signal?: AbortSignal): { stdout: Readable; done: ProcessPromise } {
    const [bin, ...args] = argv;
    const p = $({ cwd: this.cwd, quiet: true, signal })`${bin} ${args}`;
    return { stdout: p.stdout, done: p };
  }

  async close(): Promise<void> {}
}
