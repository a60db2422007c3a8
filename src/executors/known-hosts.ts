// Host-key verification against an OpenSSH known_hosts file. Pure except for the file read in the
// caller. Host fields are matched as OpenSSH matches them (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
// comma-separated patterns with `*` and `?`, `!` negating, case-insensitive, `[host]:port` for other
// ports, or one hashed name (`|1|salt|hmac`); on another port a key not found under `[host]:port`
// is looked up under the bare host too (OpenSSH's "checking without port identifier"). An unknown key is refused with its fingerprint and
// the exact line to add; a changed or revoked key is always refused. `@cert-authority` lines are
// understood but not trusted: verifying host certificates is not implemented, so a host vouched for
// only by a CA is refused with a message saying so.
import { createHash, createHmac } from 'node:crypto';

export type KnownKey = { type: string; key: string };
export type Marker = 'cert-authority' | 'revoked';
/** One known_hosts line that applies to the host looked up (1-based line numbers, as ssh-keygen -F). */
export type Entry = KnownKey & { line: number; marker?: Marker };

type Refusal = 'unknown' | 'changed' | 'revoked' | 'cert-authority';
export type Verdict =
  | { ok: true; reason: 'known' }
  | { ok: true; reason: 'unchecked'; fingerprint: string; line: string }
  | { ok: false; reason: Refusal; fingerprint: string; line: string; caLines?: number[] };

export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's match_pattern: `*` any run of characters, `?` exactly one. */
function globMatch(name: string, pattern: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(name);
}

/** OpenSSH's match_hostname: a negated pattern that matches vetoes the line; else any positive match. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let positive = false;
  for (const raw of field.toLowerCase().split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!pattern || !globMatch(name, pattern)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** Every line that applies to host:port, with its marker; lines with an unknown marker are ignored (as OpenSSH does). */
export function entriesFor(text: string, host: string, port: number): Entry[] {
  const name = hostPattern(host, port).toLowerCase();
  const out: Entry[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const at = parts[0]?.startsWith('@') ? parts.shift() : undefined;
    if (at && at !== '@cert-authority' && at !== '@revoked') continue;
    const [hosts, type, key] = parts;
    if (!hosts || !type || !key || !hostFieldMatches(hosts, name)) continue;
    out.push({ line: i + 1, type, key, ...(at ? { marker: at.slice(1) as Marker } : {}) });
  }
  return out;
}

/** Keys of every `@revoked` line, whatever its host field: a revoked key is never trusted anywhere. */
function revokedKeys(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p[0] === '@revoked' && p[3])
    .map((p) => p[3]!);
}

/** Plain keys listed for host:port, else (another port) for the bare host: what the connection may negotiate. */
export function keysFor(text: string, host: string, port: number): { known: KnownKey[] } {
  const known = entriesFor(text, host, port).filter((e) => !e.marker);
  if (known.length || port === 22) return { known };
  return { known: entriesFor(text, host, 22).filter((e) => !e.marker) };
}

export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first string inside the SSH wire-format blob. */
export function keyType(keyBlob: Buffer): string {
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('ascii');
}

// An RSA key is one type in known_hosts (`ssh-rsa`) but three signature algorithms on the wire;
// OpenSSH >= 8.8 servers refuse SHA-1 `ssh-rsa`, so the SHA-2 ones go first, as OpenSSH offers them.
const ALGORITHMS: Record<string, string[]> = { 'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] };

/** Host-key algorithms to offer for the key types known_hosts lists for a host. */
export function hostKeyAlgorithms(types: string[]): string[] {
  return [...new Set(types.flatMap((t) => ALGORITHMS[t] ?? [t]))];
}

export function verifyHostKey(opts: {
  text: string;
  host: string;
  port: number;
  keyBlob: Buffer;
  strict: boolean;
}): Verdict {
  const b64 = opts.keyBlob.toString('base64');
  const type = keyType(opts.keyBlob);
  const detail = {
    fingerprint: fingerprint(opts.keyBlob),
    line: `${hostPattern(opts.host, opts.port)} ${type} ${b64}`,
  };
  if (revokedKeys(opts.text).includes(b64)) return { ok: false, reason: 'revoked', ...detail };
  const entries = entriesFor(opts.text, opts.host, opts.port);
  const status = (list: Entry[]) => {
    const known = list.filter((e) => !e.marker && e.type === type);
    return known.some((k) => k.key === b64) ? 'known' : known.length ? 'changed' : 'new';
  };
  const first = status(entries);
  if (first === 'known') return { ok: true, reason: 'known' };
  if (first === 'changed') return { ok: false, reason: 'changed', ...detail };
  // New under [host]:port: OpenSSH accepts the key if the bare host lists it (a changed key there is
  // not an error, only not a match).
  const bare = opts.port === 22 ? [] : entriesFor(opts.text, opts.host, 22);
  if (status(bare) === 'known') return { ok: true, reason: 'known' };
  const ca = [...entries, ...bare].filter((e) => e.marker === 'cert-authority').map((e) => e.line);
  if (ca.length) return { ok: false, reason: 'cert-authority', ...detail, caLines: ca };
  if (!opts.strict) return { ok: true, reason: 'unchecked', ...detail };
  return { ok: false, reason: 'unknown', ...detail };
}

export function explainVerdict(v: Verdict, host: string, port: number, file: string): string {
  if (v.ok) return '';
  const scan = `ssh-keyscan${port === 22 ? '' : ` -p ${port}`} -t ${v.line.split(' ')[1]} ${host}`;
  if (v.reason === 'changed')
    return `host key for ${host} has CHANGED (now ${v.fingerprint}); refusing to connect. If the instance was replaced, remove its old line from ${file} and verify the new fingerprint out of band (EC2 console: Get system log) before adding it.`;
  if (v.reason === 'revoked')
    return `host key for ${host} (${v.fingerprint}) is marked @revoked in ${file}; refusing to connect.`;
  const add = `Check that fingerprint out of band (EC2 console: Get system log, or the instance's own \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\`), then add this line to ${file}:\n    ${v.line}\n  (\`${scan} >> ${file}\` fetches the same key, but trusts the network: compare the fingerprint first)`;
  if (v.reason === 'cert-authority')
    return `host ${host} is vouched for only by @cert-authority (line ${v.caLines?.join(', ')} of ${file}), and handoff does not verify host certificates; refusing its key ${v.fingerprint}. ${add}`;
  return `unknown host key for ${host}: ${v.fingerprint}. ${add}`;
}

/** The loud warning for a key accepted unverified (`strictHostKeyChecking: false`). */
export function uncheckedWarning(
  v: { fingerprint: string; line: string },
  host: string,
  file: string,
): string {
  return `WARNING: host key of ${host} NOT VERIFIED: ${host} is not in ${file} and ssh.strictHostKeyChecking is false, so its ${v.line.split(' ')[1]} key ${v.fingerprint} was accepted as is; anyone on the network path could be answering instead. Verify that fingerprint out of band and add this line to ${file}:\n    ${v.line}`;
}
