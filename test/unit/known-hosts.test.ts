// known_hosts as OpenSSH reads it: which lines apply to a host is compared with `ssh-keygen -F`
// itself (patterns, negation, hashed names, ports, markers), fingerprints with `ssh-keygen -l`, and
// each verdict (known, unknown, changed, revoked, certificate authority) with what ssh refuses.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entriesFor,
  explainVerdict,
  hostKeyAlgorithms,
  uncheckedWarning,
  verifyHostKey,
} from '../../src/executors/known-hosts.ts';
import { tempDir } from '../helpers/config.ts';
import { keygenFingerprint, sshKeygen } from '../helpers/ssh-keys.ts';

const dir = tempDir();
const key = sshKeygen(dir, 'a');
const other = sshKeygen(dir, 'b');
const line = (host: string, k = key) => `${host} ${k.public}`;

/** Line numbers `ssh-keygen -F name -f file` reports for a host (`[host]:port` for other ports). */
function keygenLines(file: string, name: string): number[] {
  const r = spawnSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  return [...r.stdout.matchAll(/^# Host .* found: line (\d+)/gm)].map((m) => Number(m[1]));
}

describe('which lines apply to a host: the same as ssh-keygen -F', () => {
  const file = join(dir, 'known_hosts');
  // Hashed lines made by ssh-keygen -H, not by our own HMAC.
  const hashedFile = join(dir, 'to_hash');
  writeFileSync(hashedFile, `${line('10.9.9.9')}\n${line('[10.9.9.8]:2200')}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', hashedFile], { stdio: 'pipe' });
  const hashed = readFileSync(hashedFile, 'utf8').trim();
  const text = [
    '# comment',
    line('web-*.example.com,!web-bad.example.com'),
    line('10.0.0.?'),
    line('[10.0.0.*]:2222'),
    `@cert-authority *.corp ${other.public}`,
    line('Host.Upper,10.1.2.3'),
    `@revoked old.example.com ${other.public}`,
    line('!*.internal,db-?.internal'),
    line('*'),
    hashed,
    `@unknown-marker web-1.example.com ${other.public}`,
    line('exact.example.com'),
  ].join('\n');
  writeFileSync(file, `${text}\n`);
  const cases: [string, number][] = [
    ['web-1.example.com', 22],
    ['web-bad.example.com', 22],
    ['10.0.0.5', 22],
    ['10.0.0.55', 22],
    ['10.0.0.7', 2222],
    ['10.0.0.7', 2223],
    ['x.corp', 22],
    ['HOST.UPPER', 22],
    ['10.1.2.3', 22],
    ['old.example.com', 22],
    ['db-1.internal', 22],
    ['10.9.9.9', 22],
    ['10.9.9.8', 2200],
    ['10.9.9.8', 22],
    ['exact.example.com', 22],
    ['exact.example.co', 22],
  ];
  for (const [host, port] of cases)
    it(`${host}${port === 22 ? '' : `:${port}`}`, () => {
      const name = port === 22 ? host : `[${host}]:${port}`;
      const ours = entriesFor(text, host, port).map((e) => e.line);
      expect(ours).toEqual(keygenLines(file, name));
    });
  it('the cases cover pattern hits, negations, hashed names, ports and markers', () => {
    const lines = (h: string, p = 22) => entriesFor(text, h, p).map((e) => e.line);
    expect(lines('web-1.example.com')).toEqual([2, 9]);
    expect(lines('web-bad.example.com')).toEqual([9]); // negated: only the `*` line
    expect(lines('10.0.0.7', 2222)).toEqual([4, 9]); // `*` matches `[10.0.0.7]:2222` too
    expect(lines('db-1.internal')).toEqual([9]); // `!*.internal` vetoes its own line only
    expect(lines('10.9.9.8', 2200)).toEqual([9, 11]);
    expect(entriesFor(text, 'x.corp', 22)[0]).toMatchObject({ marker: 'cert-authority', line: 5 });
    expect(entriesFor(text, 'old.example.com', 22)[0]).toMatchObject({ marker: 'revoked', line: 7 });
  });
});

describe('verdicts', () => {
  const verify = (text: string, host: string, port = 22, strict = true, blob = key.blob) =>
    verifyHostKey({ text, host, port, keyBlob: blob, strict });

  it('a key listed under a matching pattern is known; a negated host is not', () => {
    const text = line('web-*,!web-bad');
    expect(verify(text, 'web-7')).toEqual({ ok: true, reason: 'known' });
    expect(verify(text, 'web-bad')).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('refuses an unknown key with the fingerprint ssh-keygen -l prints and the line to add', () => {
    const v = verify('', '10.0.0.9');
    expect(v).toMatchObject({
      ok: false,
      reason: 'unknown',
      fingerprint: keygenFingerprint(`${key.path}.pub`),
    });
    const msg = explainVerdict(v, '10.0.0.9', 22, '/k');
    expect(msg).toContain(keygenFingerprint(`${key.path}.pub`));
    expect(msg).toContain(`10.0.0.9 ${key.public}`);
    expect(msg).toMatch(/ssh-keyscan -t ssh-ed25519 10\.0\.0\.9/);
  });

  it('refuses a changed key even when strict checking is off', () => {
    const v = verify(line('10.0.0.1', other), '10.0.0.1', 22, false);
    expect(v).toMatchObject({ ok: false, reason: 'changed' });
    expect(explainVerdict(v, '10.0.0.1', 22, '/k')).toMatch(/CHANGED/);
  });

  it('accepts an unknown key only when strict checking is off, with a loud warning naming the fingerprint', () => {
    const v = verify('', 'h', 22, false);
    expect(v).toMatchObject({
      ok: true,
      reason: 'unchecked',
      fingerprint: keygenFingerprint(`${key.path}.pub`),
    });
    if (v.reason !== 'unchecked') throw new Error('unreachable');
    const w = uncheckedWarning(v, 'h', '/k');
    expect(w).toMatch(/^WARNING: host key of h NOT VERIFIED/);
    expect(w).toContain(keygenFingerprint(`${key.path}.pub`));
    expect(w).toContain(`h ${key.public}`);
  });

  it('never accepts a revoked key, whatever host its line names', () => {
    expect(verify(`@revoked * ${key.public}`, 'h', 22, false)).toMatchObject({
      ok: false,
      reason: 'revoked',
    });
    expect(verify(`@revoked other ${key.public}\n${line('h')}`, 'h')).toMatchObject({ reason: 'revoked' });
  });

  it('a host vouched for only by @cert-authority is refused: certificates are not verified', () => {
    const text = `@cert-authority *.corp ${other.public}`;
    for (const strict of [true, false]) {
      const v = verify(text, 'db.corp', 22, strict);
      expect(v).toMatchObject({ ok: false, reason: 'cert-authority', caLines: [1] });
      expect(explainVerdict(v, 'db.corp', 22, '/k')).toMatch(
        /^host db\.corp is vouched for only by @cert-authority \(line 1 of \/k\), and handoff does not verify host certificates/,
      );
    }
    // Its own key beside the CA line: verified as usual.
    expect(verify(`${text}\n${line('db.corp')}`, 'db.corp')).toEqual({ ok: true, reason: 'known' });
  });

  it('on another port, a key not listed under [host]:port is looked up under the bare host, as ssh does', () => {
    expect(verify(line('10.0.0.1'), '10.0.0.1', 2222)).toEqual({ ok: true, reason: 'known' });
    // Changed under [host]:port: refused, no fallback.
    expect(verify(`${line('[10.0.0.1]:2222', other)}\n${line('10.0.0.1')}`, '10.0.0.1', 2222)).toMatchObject({
      reason: 'changed',
    });
    // Another key under the bare host is no match there, and no "changed" either: unknown.
    expect(verify(line('10.0.0.1', other), '10.0.0.1', 2222)).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('a host known only by ssh-rsa negotiates the SHA-2 RSA algorithms first (OpenSSH >= 8.8 refuses ssh-rsa)', () => {
    expect(hostKeyAlgorithms(['ssh-rsa'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms(['ssh-ed25519', 'ssh-rsa'])).toEqual([
      'ssh-ed25519',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
  });
});
