// SSH key pairs for tests, made by OpenSSH's own ssh-keygen: ssh2's generateKeyPairSync('ed25519')
// yields a key that ssh2 cannot parse back about once in 200 (ssh2 issues 1390 and 1513), which
// made the SSH tests fail at random. Fingerprints come from `ssh-keygen -l`, never from our code.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';
export type TestKey = {
  /** Path of the private key (mode 0600); `${path}.pub` beside it. */
  path: string;
  private: string;
  /** `ssh-ed25519 AAAA...` without a comment, as known_hosts and authorized_keys want it. */
  public: string;
  /** The public key in SSH wire format. */
  blob: Buffer;
};

export function sshKeygen(dir: string, name: string, type: KeyType = 'ed25519'): TestKey {
  const path = join(dir, name);
  const bits = type === 'rsa' ? ['-b', '3072'] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', name, '-f', path], {
    stdio: 'pipe',
  });
  const [kind, b64] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/);
  return {
    path,
    private: readFileSync(path, 'utf8'),
    public: `${kind} ${b64}`,
    blob: Buffer.from(b64!, 'base64'),
  };
}

/** `SHA256:...` as `ssh-keygen -l` prints it for the public key file. */
export function keygenFingerprint(pubFile: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' });
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -l output: ${out}`);
  return fp;
}
