import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { explainVerdict, fingerprint, verifyHostKey } from '../../src/executors/known-hosts.ts';

// An ed25519 public key in SSH wire format: string "ssh-ed25519", string <32 bytes>.
function ed25519Blob(): Buffer {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const s = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([s(Buffer.from('ssh-ed25519')), s(raw)]);
}
const key = ed25519Blob();
const other = ed25519Blob();
const line = (host: string, blob: Buffer) => `${host} ssh-ed25519 ${blob.toString('base64')}`;

describe('host key verification', () => {
  it('accepts a known key, plain or hashed, and for a non-standard port', () => {
    expect(
      verifyHostKey({ text: line('10.0.0.1', key), host: '10.0.0.1', port: 22, keyBlob: key, strict: true })
        .ok,
    ).toBe(true);
    const salt = Buffer.from('0123456789abcdef0123');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[web]:2222').digest('base64')}`;
    expect(
      verifyHostKey({ text: line(hashed, key), host: 'web', port: 2222, keyBlob: key, strict: true }).ok,
    ).toBe(true);
    expect(
      verifyHostKey({ text: line('web', key), host: 'web', port: 2222, keyBlob: key, strict: true }).ok,
    ).toBe(false);
  });
  it('refuses an unknown key with its fingerprint and the line to add', () => {
    const v = verifyHostKey({ text: '', host: '10.0.0.9', port: 22, keyBlob: key, strict: true });
    expect(v).toMatchObject({ ok: false, reason: 'unknown', fingerprint: fingerprint(key) });
    const msg = explainVerdict(v, '10.0.0.9', 22, '/k');
    expect(msg).toContain(fingerprint(key));
    expect(msg).toContain(`10.0.0.9 ssh-ed25519 ${key.toString('base64')}`);
    expect(msg).toMatch(/ssh-keyscan -t ssh-ed25519 10\.0\.0\.9/);
  });
  it('refuses a changed key even when strict checking is off', () => {
    const v = verifyHostKey({
      text: line('10.0.0.1', other),
      host: '10.0.0.1',
      port: 22,
      keyBlob: key,
      strict: false,
    });
    expect(v).toMatchObject({ ok: false, reason: 'changed' });
    expect(explainVerdict(v, '10.0.0.1', 22, '/k')).toMatch(/CHANGED/);
  });
  it('accepts an unknown key only when strict checking is off, and never a revoked one', () => {
    expect(verifyHostKey({ text: '', host: 'h', port: 22, keyBlob: key, strict: false })).toEqual({
      ok: true,
      reason: 'unchecked',
    });
    const revoked = `@revoked * ssh-ed25519 ${key.toString('base64')}`;
    expect(verifyHostKey({ text: revoked, host: 'h', port: 22, keyBlob: key, strict: false }).ok).toBe(false);
  });
  it('fingerprints like ssh-keygen -l (SHA256, unpadded base64)', () => {
    expect(fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
