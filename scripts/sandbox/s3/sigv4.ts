// AWS Signature Version 4 as S3 checks it, written from AWS's documented algorithm (not from the
// SDK that signs, so the two check each other): the canonical request, the string to sign, the
// signing key, for a presigned URL (query) and for an Authorization header. Pure.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
export const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ percent-encoded. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The raw query as pairs, decoded (a `+` is a literal plus in S3's query, not a space). */
export function queryPairs(rawQuery: string): [string, string][] {
  if (!rawQuery) return [];
  return rawQuery.split('&').map((p) => {
    const i = p.indexOf('=');
    const [k, v] = i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
    return [decodeURIComponent(k), decodeURIComponent(v)];
  });
}

export type SignedRequest = {
  method: string;
  /** The path as sent (still percent-encoded): S3 does not normalize or encode it twice. */
  path: string;
  query: [string, string][];
  headers: Record<string, string | undefined>;
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  scope: string;
};

export function canonicalRequest(r: SignedRequest): string {
  const query = r.query
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = r.signedHeaders
    .map((h) => `${h}:${(r.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  return [r.method, r.path, query, headers, r.signedHeaders.join(';'), r.payloadHash].join('\n');
}

export function signature(r: SignedRequest, secret: string): string {
  const [date, region, service] = r.scope.split('/');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secret}`, date ?? ''), region ?? ''), service ?? ''),
    'aws4_request',
  );
  const toSign = ['AWS4-HMAC-SHA256', r.amzDate, r.scope, sha256Hex(canonicalRequest(r))].join('\n');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

export const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** 'YYYYMMDDTHHMMSSZ' to epoch ms. */
export function amzDateMs(d: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(d);
  if (!m) return Number.NaN;
  const [, y, mo, da, h, mi, s] = m.map(Number);
  return Date.UTC(y!, mo! - 1, da!, h!, mi!, s!);
}
