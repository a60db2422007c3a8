// Secrets never reach an output. Every output (the log, events.ndjson, report.json, summary.md, the
// GitHub step summary, dry-run listings, error lines) passes through one redactor made from the
// config: the values of app.start.env and the credentials of app.source.git.url become ***, and
// so do the userinfo of any URL and a presigned URL's signature and credential in free text (git's
// own messages, a host's output). Pure.
import type { DeployConfig } from '../config/schema.ts';

export const MASK = '***';

/** Free-text masking needs a value long enough to be a secret and not an ordinary word or number. */
export const MIN_MASKED_LENGTH = 8;
/** ... or a key that names a secret, down to this length. */
const MIN_SECRET_KEY_LENGTH = 3;
const SECRET_KEY = /PASS|PWD|SECRET|TOKEN|KEY|CRED|AUTH|PRIVATE|CERT|SALT|SIGN/i;

/** `https://user:token@host/r.git` -> `https://***@host/r.git`; anything that is not a URL, as is. */
export function stripUserinfo(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url; // scp-like `git@host:org/r.git`: the user is a login name, not a secret
  }
  if (!u.username && !u.password) return url;
  u.username = '';
  u.password = '';
  return u.href.replace(/^([a-z][a-z0-9+.-]*:\/\/)/i, `$1${MASK}@`);
}

/**
 * A URL's credentials apart from it (decoded), so they can travel where no `ps` shows them; a
 * string that is not a URL (scp-like `git@host:r.git`) comes back whole, with none.
 */
export function splitUserinfo(url: string): { url: string; username: string; password: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, username: '', password: '' };
  }
  if (!u.username && !u.password) return { url, username: '', password: '' };
  const credentials = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.href, ...credentials };
}

// scheme://userinfo@ anywhere in a text; userinfo stops at what cannot be in it unencoded.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"<>`]+@/gi;

/** Masks the userinfo of every URL in a text (git's messages, a host's output, a config dump). */
export function maskUrlUserinfo(text: string): string {
  return text.replace(URL_USERINFO, `$1${MASK}@`);
}

// A presigned URL's credential parts (SigV4 query authentication): whoever has them can fetch.
const PRESIGNED = /\b(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s'"<>`]+/gi;

/** Masks the signature, credential and session token of every presigned URL in a text. */
export function maskPresigned(text: string): string {
  return text.replace(PRESIGNED, `$1${MASK}`);
}

export type Redactor = {
  text(s: string): string;
  /** A copy of a JSON-like value with every string redacted (events, reports). */
  deep<T>(value: T): T;
};

/** Redacts the given secret values, longest first, and URL userinfo everywhere. */
export function redactor(secrets: readonly string[]): Redactor {
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  const text = (s: string) => {
    let out = s;
    for (const v of values) if (out.includes(v)) out = out.replaceAll(v, MASK);
    return maskPresigned(maskUrlUserinfo(out));
  };
  const deep = <T>(value: T): T => {
    if (typeof value === 'string') return text(value) as T;
    if (Array.isArray(value)) return value.map(deep) as T;
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = deep(v);
      return out as T;
    }
    return value;
  };
  return { text, deep };
}

/** The values a config makes secret (see MIN_MASKED_LENGTH and SECRET_KEY for free text). */
export function secretValues(config: Pick<DeployConfig, 'app'>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(config.app.start.env)) {
    const min = SECRET_KEY.test(key) ? MIN_SECRET_KEY_LENGTH : MIN_MASKED_LENGTH;
    if (value.length >= min) out.push(value);
    // A multi-line value (a PEM key) may show up one line at a time, as in a log tail.
    for (const line of value.split('\n')) if (line.trim().length >= MIN_MASKED_LENGTH) out.push(line.trim());
  }
  const source = config.app.source;
  if ('git' in source) {
    try {
      const u = new URL(source.git.url);
      for (const part of [u.username, u.password]) if (part) out.push(part, decodeURIComponent(part));
    } catch {}
  }
  return out;
}

export const configRedactor = (config: Pick<DeployConfig, 'app'>): Redactor => redactor(secretValues(config));

/** An environment as it may be shown: names kept, every value masked whatever its length. */
export function maskedEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(env).map((k) => [k, MASK]));
}
