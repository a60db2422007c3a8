// The test helpers' SSH keys and the code's fingerprints, checked against OpenSSH's own tools: every
// generated key parses (ssh2's own generator failed about once in 200), and fingerprint() prints
// exactly what `ssh-keygen -l` prints for the same key.

import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { fingerprint, keyType } from '../../src/executors/known-hosts.ts';
import { tempDir } from '../helpers/config.ts';
import { keygenFingerprint, sshKeygen } from '../helpers/ssh-keys.ts';

describe('test SSH keys from ssh-keygen', () => {
  it('100 ed25519 keys in a row all parse, private and public', () => {
    const dir = tempDir();
    for (let i = 0; i < 100; i++) {
      const k = sshKeygen(dir, `k${i}`);
      const priv = ssh2.utils.parseKey(k.private);
      const pub = ssh2.utils.parseKey(k.public);
      expect(priv instanceof Error ? priv.message : 'ok', `key ${i}`).toBe('ok');
      expect(pub instanceof Error ? pub.message : 'ok', `key ${i}`).toBe('ok');
    }
  });
});

describe('fingerprint() agrees with ssh-keygen -l', () => {
  for (const type of ['ed25519', 'ecdsa', 'rsa'] as const)
    it(type, () => {
      const k = sshKeygen(tempDir(), `id_${type}`, type);
      expect(fingerprint(k.blob)).toBe(keygenFingerprint(`${k.path}.pub`));
      expect(keyType(k.blob)).toBe(k.public.split(' ')[0]);
    });
});
