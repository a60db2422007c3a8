// Which credentials a connection offers, as OpenSSH chooses them: the configured key alone, or else
// the agent's keys, then ~/.ssh/id_rsa, id_ecdsa and id_ed25519 (OpenSSH's default IdentityFile
// order). A private key that others can read is refused with the fix, as OpenSSH refuses it
// ("UNPROTECTED PRIVATE KEY FILE"); an encrypted one is skipped with a note (load it into the agent).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';

export const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ed25519'] as const;

export type AuthMethod =
  | { type: 'agent'; username: string; agent: string }
  | { type: 'publickey'; username: string; key: Buffer };

export type Identities = {
  methods: AuthMethod[];
  /** What was offered, for the message when the host refuses every one. */
  tried: string[];
  skipped: string[];
};

/** OpenSSH's sshkey_perm_ok: a key file owned by us must not be readable or writable by group or others. */
function checkPermissions(path: string): void {
  const st = statSync(path);
  if (st.uid === process.getuid?.() && (st.mode & 0o077) !== 0)
    throw new UsageError(
      `private key ${path} is accessible by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); OpenSSH refuses such a key, and so does handoff. Fix: chmod 600 ${path}`,
    );
}

/** True for a passphrase-protected key (OpenSSH format: cipher other than "none"; PEM: ENCRYPTED). */
export function isEncrypted(pem: string): boolean {
  if (/ENCRYPTED/.test(pem.split('\n').slice(0, 3).join('\n'))) return true;
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(pem);
  if (!m) return false;
  const raw = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0'.length;
  const len = raw.readUInt32BE(magic);
  return raw.subarray(magic + 4, magic + 4 + len).toString('ascii') !== 'none';
}

function readKey(path: string): Buffer {
  try {
    checkPermissions(path);
    return readFileSync(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read private key ${path}: ${(error as Error).message}`);
  }
}

export function identities(opts: {
  username: string;
  keyPath?: string | undefined;
  home: string;
  agentSocket?: string | undefined;
}): Identities {
  const { username } = opts;
  if (opts.keyPath) {
    const key = readKey(opts.keyPath);
    if (isEncrypted(key.toString()))
      throw new UsageError(
        `private key ${opts.keyPath} is protected by a passphrase, which handoff cannot ask for: load it into the SSH agent (ssh-add) and leave privateKeyPath unset, or use a key without one`,
      );
    return { methods: [{ type: 'publickey', username, key }], tried: [opts.keyPath], skipped: [] };
  }
  const out: Identities = { methods: [], tried: [], skipped: [] };
  if (opts.agentSocket) {
    out.methods.push({ type: 'agent', username, agent: opts.agentSocket });
    out.tried.push(`the SSH agent (${opts.agentSocket})`);
  }
  for (const name of DEFAULT_IDENTITIES) {
    const path = join(opts.home, '.ssh', name);
    if (!existsSync(path)) continue;
    const key = readKey(path);
    if (isEncrypted(key.toString())) {
      out.skipped.push(`${path} (passphrase-protected: load it into the agent with ssh-add)`);
      continue;
    }
    out.methods.push({ type: 'publickey', username, key });
    out.tried.push(path);
  }
  // Nothing to offer is not an error yet: as with ssh, the host answers first (unreachable, unknown
  // host key), and a refused login then says what was looked for.
  if (out.methods.length === 0)
    out.skipped.unshift(
      `no agent (SSH_AUTH_SOCK ${opts.agentSocket ? 'set' : 'unset'}) and none of ${DEFAULT_IDENTITIES.map((n) => `~/.ssh/${n}`).join(', ')} usable: set hosts[].privateKeyPath, or start an agent and ssh-add the key`,
    );
  return out;
}
