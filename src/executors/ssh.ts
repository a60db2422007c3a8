// SSH executor on node-ssh (ssh2): commands over one connection per host (opened, with its host keys
// verified, by ssh-session.ts), reopened after a loss without re-sending the command it cut off;
// exec is abortable: on abort the channel is closed and the command's own cleanup runs remotely.
import { PassThrough, type Readable } from 'node:stream';
import type { Cmd } from '../remote/shell.ts';
import { shellJoin } from '../remote/shell.ts';
import { dispose, openSession, type Session, type SshTarget } from './ssh-session.ts';
import { type CmdResult, type Executor, lineSplitter, type RunOptions } from './types.ts';

export type { SshTarget } from './ssh-session.ts';

export async function connectSsh(t: SshTarget, signal?: AbortSignal): Promise<SshExecutor> {
  const warned = new Set<string>(); // fingerprints already warned about: once, not at every reconnect
  const exec = new SshExecutor(t.name, (sig) => openSession(t, warned, sig));
  await exec.reconnect(signal);
  return exec;
}

type ExecOptions = RunOptions & { stdin?: Readable; onLine?: (line: string) => void };

/**
 * Closes a command's channel on abort, or when the step's deadline passes (RunOptions.deadline):
 * `late()` then says so. The channel may open after either.
 */
function channelCloser(opts: RunOptions) {
  let channel: { close(): void } | undefined;
  let late = false;
  const close = () => channel?.close();
  opts.signal?.addEventListener('abort', close, { once: true });
  const timer =
    opts.deadline === undefined
      ? undefined
      : setTimeout(
          () => {
            late = true;
            close();
          },
          Math.max(0, opts.deadline - Date.now()),
        );
  return {
    opened: (c: { close(): void }) => {
      channel = c;
      if (late) c.close();
    },
    late: () => late,
    dispose: () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', close);
    },
  };
}

export class SshExecutor implements Executor {
  readonly name: string;
  /** How many times a lost connection was opened again. */
  reconnects = -1;
  private session: Session | undefined;
  private closed = false;
  private reconnecting: Promise<void> | undefined;
  private readonly open: (signal?: AbortSignal) => Promise<Session>;
  constructor(name: string, open: (signal?: AbortSignal) => Promise<Session>) {
    this.name = name;
    this.open = open;
  }

  /** Opens the connection; run() calls it when the previous one was lost. */
  async reconnect(signal?: AbortSignal): Promise<void> {
    dispose(this.session);
    this.session = await this.open(signal);
    this.reconnects++;
  }

  run(cmd: Cmd, opts: RunOptions = {}): Promise<CmdResult> {
    return this.exec(cmd, opts);
  }

  /** Capability `stream`: stdout line by line while the command runs (the sampler). */
  stream(cmd: Cmd, onLine: (line: string) => void, opts: RunOptions = {}): Promise<CmdResult> {
    return this.exec(cmd, { ...opts, onLine });
  }

  /** Capability `put`: a stream on the command's stdin (uploads). */
  put(cmd: Cmd, stdin: Readable, opts: RunOptions = {}): Promise<CmdResult> {
    return this.exec(cmd, { ...opts, stdin });
  }

  private async exec(cmd: Cmd, opts: ExecOptions): Promise<CmdResult> {
    opts.signal?.throwIfAborted();
    // A command is never sent twice: one cut off by a lost connection fails (exit 255, as with
    // OpenSSH), and only the next command, typically the undo, gets a new connection.
    if (this.closed) throw new Error(`the SSH connection to ${this.name} is closed`);
    if (!this.session?.ssh.isConnected() || this.session.lostWith) {
      // One new connection however many callers notice (the engine and the sampler share it).
      this.reconnecting ??= this.reconnect(opts.signal).finally(() => {
        this.reconnecting = undefined;
      });
      await this.reconnecting;
    }
    const session = this.session as Session;
    const t0 = performance.now();
    const closer = channelCloser(opts);
    try {
      const onOut = opts.onLine ? lineSplitter(opts.onLine) : undefined;
      const r = await session.ssh
        .execCommand(shellJoin(cmd.argv), {
          // A PassThrough: node-ssh only pipes streams that pass its is-stream check.
          ...(opts.stdin
            ? { stdin: opts.stdin.pipe(new PassThrough()) }
            : cmd.input
              ? { stdin: cmd.input.data }
              : {}),
          noTrim: true,
          onChannel: closer.opened,
          ...(onOut ? { onStdout: (chunk: Buffer) => onOut(chunk.toString()) } : {}),
        })
        .catch((error: Error) => {
          // Lost before the channel opened: the same failure as one cut off mid-command.
          if (opts.signal?.aborted || (!session.lostWith && session.ssh.isConnected())) throw error;
          session.lostWith ??= error;
          return { code: null, signal: null, stdout: '', stderr: '' };
        });
      opts.signal?.throwIfAborted();
      return { ...this.outcome(cmd, r, session, closer.late()), ms: performance.now() - t0 };
    } finally {
      closer.dispose();
    }
  }

  private outcome(
    cmd: Cmd,
    r: { code: number | null; signal: string | null; stdout: string; stderr: string },
    session: Session,
    late: boolean,
  ): Omit<CmdResult, 'ms'> {
    if (late)
      return {
        code: 124,
        stdout: r.stdout,
        stderr: `${r.stderr}${cmd.kind} on ${this.name} passed its step's deadline: its channel was closed\n`,
      };
    const lost =
      r.code === null && !r.signal && (!session.ssh.isConnected() || session.lostWith !== undefined);
    return {
      code: r.code ?? (r.signal ? 128 : 255),
      stdout: r.stdout,
      stderr: lost
        ? `${r.stderr}the SSH connection to ${this.name} was lost${session.lostWith ? ` (${session.lostWith.message})` : ''}\n`
        : r.stderr,
      ...(lost ? { connectionLost: true } : {}),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    dispose(this.session);
  }
}
