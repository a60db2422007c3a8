// SSH executor on node-ssh (ssh2). Host keys are verified against known_hosts before any command
// (an unverified key, allowed by strictHostKeyChecking: false, is warned about once per connection);
// credentials are chosen as OpenSSH does (ssh-auth.ts); exec is abortable: on abort the channel is
// closed and the command's own cleanup runs remotely.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { type Duplex, PassThrough, type Readable } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import pRetry from 'p-retry';
import { UsageError } from '../errors.ts';
import type { Cmd } from '../remote/shell.ts';
import { shellJoin } from '../remote/shell.ts';
import { hopLabel } from './jump.ts';
import {
  explainVerdict,
  hostKeyAlgorithms,
  keysFor,
  uncheckedWarning,
  type Verdict,
  verifyHostKey,
} from './known-hosts.ts';
import { type Identities, identities } from './ssh-auth.ts';
import type { JumpHop } from './ssh-endpoint.ts';
import { transient, unreachableHint } from './ssh-errors.ts';
import { type CmdResult, type Executor, lineSplitter, type RunOptions } from './types.ts';

export type SshTarget = {
  name: string;
  host: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  knownHostsPath: string;
  strictHostKeyChecking: boolean;
  connectTimeoutSeconds: number;
  /** Jump hosts, dialled in order (ProxyJump); each hop's host key is verified like the host's. */
  jump?: JumpHop[];
  /** Attempts per connection, network failures only (OpenSSH's ConnectionAttempts); default 1. */
  connectAttempts?: number;
  keepaliveSeconds?: number;
  cwd: string;
  /** Where ~/.ssh is looked for when no privateKeyPath is set; default: the user's home. */
  home?: string;
  /** The agent's socket; default: SSH_AUTH_SOCK. */
  agentSocket?: string;
  /** Where the warning about an unverified host key goes; default: stderr. */
  onWarning?: (message: string) => void;
};

export class HostKeyError extends UsageError {
  readonly verdict: Verdict;
  constructor(message: string, verdict: Verdict) {
    super(message);
    this.name = 'HostKeyError';
    this.verdict = verdict;
  }
}

const expand = (p: string, cwd: string) =>
  p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : resolve(cwd, p);

export async function connectSsh(t: SshTarget, signal?: AbortSignal): Promise<SshExecutor> {
  const warned = new Set<string>(); // fingerprints already warned about: once, not at every reconnect
  const exec = new SshExecutor(t.name, (sig) => openSession(t, warned, sig));
  await exec.reconnect(signal);
  return exec;
}

/** A live connection, and the error that ended it once it has ended. */
type Session = { ssh: NodeSSH; hops: NodeSSH[]; lostWith?: Error };

async function openSession(t: SshTarget, warned: Set<string>, signal?: AbortSignal): Promise<Session> {
  const attempts = t.connectAttempts ?? 1;
  let tried = 0;
  let ids: Identities | undefined;
  try {
    ids = identities({
      username: t.user,
      keyPath: t.privateKeyPath ? expand(t.privateKeyPath, t.cwd) : undefined,
      home: t.home ?? homedir(),
      agentSocket: 'agentSocket' in t ? t.agentSocket : process.env.SSH_AUTH_SOCK,
    });
    const offered = ids;
    return await pRetry(
      () => {
        tried++;
        return openOnce(t, offered, warned);
      },
      {
        retries: attempts - 1,
        minTimeout: 1000,
        factor: 2,
        randomize: false,
        shouldRetry: ({ error }) => transient(error as NodeJS.ErrnoException),
        ...(signal ? { signal } : {}),
      },
    );
  } catch (error) {
    // A missing known_hosts file or a refused key already says what to do; an abort is not ours.
    if (error instanceof UsageError || signal?.aborted) throw error;
    const e = error as NodeJS.ErrnoException;
    const times = tried > 1 ? ` (${tried} attempts)` : '';
    const via = t.jump?.length ? ` via ${t.jump.map(hopLabel).join(', ')}` : '';
    throw new UsageError(
      `cannot reach ${t.name} (${t.user}@${t.host}:${t.port}${via}): ${e.message}${times}. ${unreachableHint(e, t, ids)}`,
    );
  }
}

/** One SSH hop: the host key checked against known_hosts under this hop's own name and port. */
type Dial = { label: string; host: string; port: number; user: string; ids: Identities; sock?: Duplex };

async function openOnce(t: SshTarget, ids: Identities, warned: Set<string>): Promise<Session> {
  const knownHostsFile = expand(t.knownHostsPath, t.cwd);
  let text = '';
  try {
    text = readFileSync(knownHostsFile, 'utf8');
  } catch {
    if (t.strictHostKeyChecking)
      throw new UsageError(
        `known_hosts file ${knownHostsFile} is missing, so ${t.name} (${t.host}) cannot be verified. Add the host's key:\n    ssh-keyscan${t.port === 22 ? '' : ` -p ${t.port}`} -t ed25519 ${t.host} >> ${knownHostsFile}\n  then check it before trusting it: ssh-keyscan accepts whatever answers on the network, so compare \`ssh-keygen -lf ${knownHostsFile}\` with the instance's own fingerprint (EC2 console: Get system log, or \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on the host) and delete the line if they differ.`,
      );
  }
  // ProxyJump: each hop's connection carries the next one through a direct-tcpip channel, and
  // every hop, like the host, must present a key known_hosts lists for it.
  const hops: NodeSSH[] = [];
  // node-ssh stops listening for errors once connected; without a listener of our own a reset or
  // a keepalive timeout mid-deploy (or after a failed chain was disposed) would be an uncaught
  // exception that kills the CLI while a host is drained. Recorded instead: the command running
  // fails, and the next one reconnects.
  const lost: { lostWith?: Error } = {};
  const known: Known = { text, file: knownHostsFile, warned, lost };
  let sock: Duplex | undefined;
  try {
    for (const [i, hop] of (t.jump ?? []).entries()) {
      const label = `jump host ${hopLabel(hop)} (hop ${i + 1} to ${t.name})`;
      const hopIds = hop.privateKeyPath || hop.user !== t.user ? identitiesFor(t, hop) : ids;
      const ssh = await dial(t, known, {
        ...hop,
        label,
        ids: hopIds,
        ...(sock ? { sock } : {}),
      });
      hops.push(ssh);
      const next = t.jump?.[i + 1] ?? t;
      sock = await ssh.forwardOut('127.0.0.1', 0, next.host, next.port).catch((error: Error) => {
        throw Object.assign(
          new Error(`${label} cannot open a connection to ${next.host}:${next.port}: ${error.message}`),
          {
            code: 'ECONNREFUSED',
          },
        );
      });
    }
    const ssh = await dial(t, known, {
      label: t.name,
      host: t.host,
      port: t.port,
      user: t.user,
      ids,
      ...(sock ? { sock } : {}),
    });
    return Object.assign(lost, { ssh, hops });
  } catch (error) {
    for (const h of hops.reverse()) h.dispose();
    throw error;
  }
}

/** known_hosts as read for this connection, the fingerprints already warned about, and its loss. */
type Known = { text: string; file: string; warned: Set<string>; lost: { lostWith?: Error } };

async function dial(t: SshTarget, { text, file, warned, lost }: Known, d: Dial): Promise<NodeSSH> {
  // Offer only key types we know for this host, as OpenSSH does, so a host with several keys
  // is not mistaken for a changed one (an RSA key: its SHA-2 signature algorithms first).
  const algorithms = hostKeyAlgorithms(keysFor(text, d.host, d.port).known.map((k) => k.type));
  let verdict: Verdict | undefined;
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: d.host,
      port: d.port,
      username: d.user,
      ...(d.sock ? { sock: d.sock as never } : {}),
      authHandler: d.ids.methods as never,
      readyTimeout: t.connectTimeoutSeconds * 1000,
      keepaliveInterval: (t.keepaliveSeconds ?? 5) * 1000,
      ...(algorithms.length > 0 ? { algorithms: { serverHostKey: algorithms as never } } : {}),
      hostVerifier: (key: Buffer) => {
        verdict = verifyHostKey({
          text,
          host: d.host,
          port: d.port,
          keyBlob: key,
          strict: t.strictHostKeyChecking,
        });
        return verdict.ok;
      },
    });
  } catch (error) {
    ssh.dispose();
    if (verdict && !verdict.ok) {
      const what = d.label === t.name ? '' : `${d.label}: `;
      throw new HostKeyError(`${what}${explainVerdict(verdict, d.host, d.port, file)}`, verdict);
    }
    if (d.label !== t.name && !(error instanceof UsageError))
      (error as Error).message = `${d.label}: ${(error as Error).message}`;
    throw error;
  }
  ssh.connection?.on('error', (error) => {
    lost.lostWith ??= error;
  });
  if (verdict?.reason === 'unchecked' && !warned.has(verdict.fingerprint)) {
    warned.add(verdict.fingerprint);
    const message = uncheckedWarning(verdict, d.host, file);
    (t.onWarning ?? ((m) => process.stderr.write(`${m}\n`)))(message);
  }
  return ssh;
}

function identitiesFor(t: SshTarget, hop: JumpHop): Identities {
  return identities({
    username: hop.user,
    // The hop's own key, else the host's (one key for the bastion and the fleet is the common case).
    keyPath:
      (hop.privateKeyPath ?? t.privateKeyPath)
        ? expand((hop.privateKeyPath ?? t.privateKeyPath)!, t.cwd)
        : undefined,
    home: t.home ?? homedir(),
    agentSocket: 'agentSocket' in t ? t.agentSocket : process.env.SSH_AUTH_SOCK,
  });
}

/** Ends the host's connection, then the hops it ran through, nearest last. */
function dispose(session: Session | undefined): void {
  session?.ssh.dispose();
  for (const h of [...(session?.hops ?? [])].reverse()) h.dispose();
}

type ExecOptions = RunOptions & { stdin?: Readable; onLine?: (line: string) => void };

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
    let channel: { close(): void } | undefined;
    const onAbort = () => channel?.close();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
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
          onChannel: (c) => {
            channel = c;
          },
          ...(onOut ? { onStdout: (chunk: Buffer) => onOut(chunk.toString()) } : {}),
        })
        .catch((error: Error) => {
          // Lost before the channel opened: the same failure as one cut off mid-command.
          if (opts.signal?.aborted || (!session.lostWith && session.ssh.isConnected())) throw error;
          session.lostWith ??= error;
          return { code: null, signal: null, stdout: '', stderr: '' };
        });
      opts.signal?.throwIfAborted();
      const lost =
        r.code === null && !r.signal && (!session.ssh.isConnected() || session.lostWith !== undefined);
      return {
        code: r.code ?? (r.signal ? 128 : 255),
        stdout: r.stdout,
        stderr: lost
          ? `${r.stderr}the SSH connection to ${this.name} was lost${session.lostWith ? ` (${session.lostWith.message})` : ''}\n`
          : r.stderr,
        ...(lost ? { connectionLost: true } : {}),
        ms: performance.now() - t0,
      };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    dispose(this.session);
  }
}
