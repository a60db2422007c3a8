// Dry-run and test executor: records every command and answers from a responder, so the real
// engine runs end to end without touching a host.
import type { Readable } from 'node:stream';
import type { Cmd } from '../remote/shell.ts';
import { shellJoin } from '../remote/shell.ts';
import type { CmdResult, Executor, RunOptions } from './types.ts';

export type Responder = (cmd: Cmd) => Partial<CmdResult> | undefined;

/** A command a dry run would have sent; `elbv2` for a load-balancer write (recording-lb.ts). */
export type Recorded = { host: string; kind: Cmd['kind'] | 'elbv2'; command: string };

// What a healthy host answers, so a dry run walks the success path.
export const happyPath: Responder = (cmd) => {
  switch (cmd.kind) {
    case 'lock.acquire':
      return { stdout: 'acquired\n' };
    case 'jvm.find':
      return { stdout: 'pidfile 4242\n' };
    case 'jvm.start':
      return { stdout: '4343\n' };
    case 'jvm.alive':
      return { stdout: 'alive\n' };
    case 'drain.post':
      return { stdout: '200' };
    case 'health.probe':
      return { stdout: '200' };
    case 'traffic.sample':
      return { stdout: '' }; // no connection: nothing reaches the host, so each wait ends at its bound
    case 'release.switch':
      return { stdout: 'previous\n' };
    case 'state.read':
      return { stdout: 'current=previous\npid=4242\nstate=alive\n' };
    default:
      return undefined;
  }
};

export class RecordingExecutor implements Executor {
  readonly name: string;
  readonly log: Recorded[];
  private readonly respond: Responder;

  constructor(name: string, log: Recorded[] = [], respond: Responder = happyPath) {
    this.name = name;
    this.log = log;
    this.respond = respond;
  }

  async run(cmd: Cmd, opts: RunOptions = {}): Promise<CmdResult> {
    opts.signal?.throwIfAborted();
    const stdin = cmd.input ? ` <<'STDIN'\n${cmd.input.shown}STDIN` : '';
    this.log.push({ host: this.name, kind: cmd.kind, command: `${shellJoin(cmd.argv)}${stdin}` });
    const r = this.respond(cmd) ?? happyPath(cmd) ?? {};
    return { code: r.code ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: r.ms ?? 0 };
  }

  /** Capability `stream`: the responder's stdout, line by line. */
  async stream(cmd: Cmd, onLine: (line: string) => void, opts: RunOptions = {}): Promise<CmdResult> {
    const r = await this.run(cmd, opts);
    for (const line of r.stdout.split('\n').slice(0, -1)) onLine(line);
    return r;
  }

  /** Capability `put`: the stream is read to its end (a producer must not stall), not kept. */
  async put(cmd: Cmd, stdin: Readable, opts: RunOptions = {}): Promise<CmdResult> {
    stdin.resume();
    return this.run(cmd, opts);
  }

  async close(): Promise<void> {}
}

/**
 * The same executor with only the capabilities a transport has (tests; the dry run of a transport
 * without `stream` or `put` walks the fallbacks it would take for real).
 */
export function limitTo(exec: Executor, caps: { stream?: boolean; put?: boolean }): Executor {
  const stream = exec.stream?.bind(exec);
  const put = exec.put?.bind(exec);
  return {
    name: exec.name,
    run: (cmd, opts) => exec.run(cmd, opts),
    close: () => exec.close(),
    ...(caps.stream && stream ? { stream } : {}),
    ...(caps.put && put ? { put } : {}),
  };
}
