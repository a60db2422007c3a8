// Opening an SSH connection: the keys offered (ssh-auth.ts), network failures retried
// (connectAttempts, ssh-errors.ts), jump hosts dialled in order (ProxyJump), each hop verified
// (ssh-dial.ts); a failure that is nobody's network says what to fix.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import type { NodeSSH } from 'node-ssh';
import pRetry from 'p-retry';
import { UsageError } from '../errors.ts';
import { hopLabel } from './jump.ts';
import { type Identities, identities } from './ssh-auth.ts';
import { dial, type Known } from './ssh-dial.ts';
import type { JumpHop } from './ssh-endpoint.ts';
import { transient, unreachableHint } from './ssh-errors.ts';

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

const expand = (p: string, cwd: string) =>
  p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : resolve(cwd, p);

/** A live connection, and the error that ended it once it has ended. */
export type Session = { ssh: NodeSSH; hops: NodeSSH[]; lostWith?: Error };

export async function openSession(t: SshTarget, warned: Set<string>, signal?: AbortSignal): Promise<Session> {
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
export function dispose(session: Session | undefined): void {
  session?.ssh.dispose();
  for (const h of [...(session?.hops ?? [])].reverse()) h.dispose();
}
