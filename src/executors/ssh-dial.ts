// One SSH hop: the connection to one address, its host key checked against known_hosts under that
// address's own name and port (OpenSSH's rules, known-hosts.ts) before anything is sent.
import type { Duplex } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { UsageError } from '../errors.ts';
import {
  explainVerdict,
  hostKeyAlgorithms,
  keysFor,
  uncheckedWarning,
  type Verdict,
  verifyHostKey,
} from './known-hosts.ts';
import type { Identities } from './ssh-auth.ts';
import type { SshTarget } from './ssh-session.ts';

export class HostKeyError extends UsageError {
  readonly verdict: Verdict;
  constructor(message: string, verdict: Verdict) {
    super(message);
    this.name = 'HostKeyError';
    this.verdict = verdict;
  }
}

/** One SSH hop: the host key checked against known_hosts under this hop's own name and port. */
export type Dial = {
  label: string;
  host: string;
  port: number;
  user: string;
  ids: Identities;
  sock?: Duplex;
};

/** known_hosts as read for this connection, the fingerprints already warned about, and its loss. */
export type Known = { text: string; file: string; warned: Set<string>; lost: { lostWith?: Error } };

export async function dial(t: SshTarget, { text, file, warned, lost }: Known, d: Dial): Promise<NodeSSH> {
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
