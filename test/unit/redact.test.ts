// The one redactor every output goes through: env values and URL credentials become ***.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { configRedactor, MASK, maskUrlUserinfo, stripUserinfo } from '../../src/core/redact.ts';
import { baseConfig, edit } from '../helpers/config.ts';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

function config(app: Record<string, unknown>) {
  const r = validateConfig(edit(baseConfig(), 'app', { name: 'demo', dir: '/srv/demo', ...app }));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

describe('URL credentials', () => {
  it.each([
    ['https://deploy:ghp_t0ken@github.com/org/app.git', 'https://***@github.com/org/app.git'],
    ['https://ghp_t0ken@github.com/org/app.git', 'https://***@github.com/org/app.git'],
    ['https://u:p%40ss@example.com:8443/r.git', 'https://***@example.com:8443/r.git'],
    ['https://github.com/org/app.git', 'https://github.com/org/app.git'],
    ['git@github.com:org/app.git', 'git@github.com:org/app.git'],
  ])('stripUserinfo(%s)', (url, shown) => {
    expect(stripUserinfo(url)).toBe(shown);
  });
  it('masks userinfo of every URL in free text, and leaves the rest alone', () => {
    expect(
      maskUrlUserinfo(
        "fatal: unable to access 'https://bot:abc123@git.example.com/r.git/': 403; see http://docs.example.com/a@b",
      ),
    ).toBe(
      "fatal: unable to access 'https://***@git.example.com/r.git/': 403; see http://docs.example.com/a@b",
    );
  });
});

describe('configRedactor', () => {
  const c = config({
    start: {
      env: {
        DB_PASSWORD: 'pw1',
        API_TOKEN: 'tok-5551234567',
        TLS_KEY: PEM,
        HEAP_MB: '200',
        SPRING_PROFILES_ACTIVE: 'production',
      },
    },
    source: { git: { url: 'https://deploy:p%40ss-w0rd@git.example.com/app.git', ref: 'main' } },
  });
  const r = configRedactor(c);

  it('masks env values (long ones, or short ones under a secret-looking name) and URL credentials', () => {
    const text = `started with pw1 tok-5551234567; key ${PEM}; from https://deploy:p%40ss-w0rd@git.example.com/app.git (p@ss-w0rd)`;
    const out = r.text(text);
    for (const secret of [
      'pw1',
      'tok-5551234567',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      'p%40ss-w0rd',
      'p@ss-w0rd',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain(MASK);
  });
  it('a single line of a multi-line secret is masked too (a log tail shows lines)', () => {
    expect(r.text('line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe(`line: ${MASK}`);
  });
  it('short values under ordinary names stay (200 is a heap size, not a secret)', () => {
    expect(r.text('HEAP_MB is 200, status 200')).toBe('HEAP_MB is 200, status 200');
  });
  it('deep: every string of an event or report, keys and numbers untouched', () => {
    const event = { kind: 'step:end', detail: 'fetched tok-5551234567', ms: 200, nested: [{ x: 'pw1 y' }] };
    expect(r.deep(event)).toEqual({
      kind: 'step:end',
      detail: `fetched ${MASK}`,
      ms: 200,
      nested: [{ x: `${MASK} y` }],
    });
    expect(event.detail).toBe('fetched tok-5551234567'); // a copy: the original is not changed
  });
});
