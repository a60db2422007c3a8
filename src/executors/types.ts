// The executor port: the engine hands it commands as data and gets results back; SSH, local and
// recording executors implement it, so dry-run and tests run the real engine.
import type { Readable } from 'node:stream';
import type { Cmd } from '../remote/shell.ts';

export type CmdResult = {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** The connection to the host ended while the command ran (its code is then 255). */
  connectionLost?: boolean;
};

export type RunOptions = {
  signal?: AbortSignal;
  /**
   * When the step's deadline passes (epoch ms, src/engine/deadlines.ts): ssm has the agent end the
   * command then (executionTimeout: status TimedOut), ssh closes its channel (exit 124).
   */
  deadline?: number;
};

/**
 * A transport's way of running commands on one host (docs/architecture.md, "Transports"). `run` is
 * required: the command, with its own small `input` (Cmd.input.data) on stdin, to its end. The two
 * capabilities are optional, and whoever needs one asks for it and falls back without it:
 * `stream` hands over stdout line by line while the command runs (the sampler; without it the
 * sampler writes a file on the host that is read back every few seconds); `put` feeds a large
 * stream to the command's stdin (uploads; without it the host fetches the source itself).
 */
export interface Executor {
  readonly name: string;
  run(cmd: Cmd, opts?: RunOptions): Promise<CmdResult>;
  stream?(cmd: Cmd, onLine: (line: string) => void, opts?: RunOptions): Promise<CmdResult>;
  put?(cmd: Cmd, stdin: Readable, opts?: RunOptions): Promise<CmdResult>;
  close(): Promise<void>;
}

type Via = 'run' | 'stream' | 'put';

/**
 * An executor whose every command goes through `wrap` (timing, options added), with exactly the
 * capabilities of the one inside: the engine falls back on their absence.
 */
export function around(
  exec: Executor,
  wrap: (
    via: Via,
    cmd: Cmd,
    opts: RunOptions,
    call: (opts: RunOptions) => Promise<CmdResult>,
  ) => Promise<CmdResult>,
): Executor {
  const out: Executor = {
    name: exec.name,
    run: (cmd, opts = {}) => wrap('run', cmd, opts, (o) => exec.run(cmd, o)),
    close: () => exec.close(),
  };
  const { stream, put } = exec;
  if (stream)
    out.stream = (cmd, onLine, opts = {}) =>
      wrap('stream', cmd, opts, (o) => stream.call(exec, cmd, onLine, o));
  if (put) out.put = (cmd, stdin, opts = {}) => wrap('put', cmd, opts, (o) => put.call(exec, cmd, stdin, o));
  return out;
}

/** The capabilities an executor has, for messages and the plan. */
export function capabilitiesOf(exec: Executor): { stream: boolean; put: boolean } {
  return { stream: typeof exec.stream === 'function', put: typeof exec.put === 'function' };
}

export class CommandError extends Error {
  readonly result: CmdResult;
  readonly cmd: Cmd;
  constructor(host: string, cmd: Cmd, result: CmdResult) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n    ');
    super(`${cmd.kind} failed on ${host} (exit ${result.code})${tail ? `:\n    ${tail}` : ''}`);
    this.name = 'CommandError';
    this.result = result;
    this.cmd = cmd;
  }
}

/** Runs and throws on a non-zero exit. */
export async function check(exec: Executor, cmd: Cmd, opts?: RunOptions): Promise<CmdResult> {
  const result = await exec.run(cmd, opts);
  if (result.code !== 0) throw new CommandError(exec.name, cmd, result);
  return result;
}

export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      onLine(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      i = buffer.indexOf('\n');
    }
  };
}
