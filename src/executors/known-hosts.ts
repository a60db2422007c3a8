// Host-key verification against an OpenSSH known_hosts file (plain or hashed entries). Pure except
// for the file read in the caller: an unknown key is refused with its fingerprint and the exact line
// to add; a changed key is always refused.
import { createHash, createHmac } from 'node:crypto';

export type KnownKey = { type: string; key: string };
export type Verdict =
  | { ok: true; reason: 'known' | 'unchecked' }
  | { ok: false; reason: 'unknown' | 'changed' | 'revoked'; fingerprint: string; line: string };

export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matches(field: string, pattern: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest('base64') === hash;
  }
  return field.split(',').some((p) => p === pattern);
}

/** Keys listed for host:port, and revoked keys, from known_hosts text. */
export function keysFor(text: string, host: string, port: number): { known: KnownKey[]; revoked: string[] } {
  const pattern = hostPattern(host, port);
  const known: KnownKey[] = [];
  const revoked: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const marker = parts[0]?.startsWith('@') ? parts.shift() : undefined;
    const [hosts, type, key] = parts;
    if (!hosts || !type || !key) continue;
    if (marker === '@revoked') revoked.push(key);
    else if (!marker && matches(hosts, pattern)) known.push({ type, key });
  }
  return { known, revoked };
}

export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first string inside the SSH wire-format blob. */
export function keyType(keyBlob: Buffer): string {
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('ascii');
}

export function verifyHostKey(opts: {
  text: string;
  host: string;
  port: number;
  keyBlob: Buffer;
  strict: boolean;
}): Verdict {
  const { known, revoked } = keysFor(opts.text, opts.host, opts.port);
  const b64 = opts.keyBlob.toString('base64');
  const type = keyType(opts.keyBlob);
  const detail = {
    fingerprint: fingerprint(opts.keyBlob),
    line: `${hostPattern(opts.host, opts.port)} ${type} ${b64}`,
  };
  if (revoked.includes(b64)) return { ok: false, reason: 'revoked', ...detail };
  if (known.some((k) => k.key === b64)) return { ok: true, reason: 'known' };
  if (known.some((k) => k.type === type)) return { ok: false, reason: 'changed', ...detail };
  if (!opts.strict) return { ok: true, reason: 'unchecked' };
  return { ok: false, reason: 'unknown', ...detail };
}

export function explainVerdict(v: Verdict, host: string, port: number, file: string): string {
  if (v.ok) return '';
  const scan = `ssh-keyscan${port === 22 ? '' : ` -p ${port}`} -t ${v.line.split(' ')[1]} ${host}`;
  if (v.reason === 'changed')
    return `host key for ${host} has CHANGED (now ${v.fingerprint}); refusing to connect. If the instance was replaced, remove its old line from ${file} and verify the new fingerprint out of band (EC2 console: Get system log) before adding it.`;
  if (v.reason === 'revoked')
    return `host key for ${host} (${v.fingerprint}) is marked @revoked in ${file}; refusing to connect.`;
  return `unknown host key for ${host}: ${v.fingerprint}. Check that fingerprint out of band (EC2 console: Get system log, or the instance's own \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\`), then add this line to ${file}:\n    ${v.line}\n  (\`${scan} >> ${file}\` fetches the same key, but trusts the network: compare the fingerprint first)`;
}
