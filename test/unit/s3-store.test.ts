// Uploads through S3 (the ssm transport with ssm.bucket): the real S3 client and presigner against
// the sandbox's S3 endpoint on loopback, which checks Signature Version 4 as S3 does; a "host" that
// runs the download for real here (curl, sha256sum, tar).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type S3Endpoint, startS3Endpoint } from '../../scripts/sandbox/s3/server.ts';
import { s3ReleaseStore } from '../../src/aws/s3.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { configRedactor } from '../../src/core/redact.ts';
import { uploaderFor } from '../../src/engine/source.ts';
import { LocalExecutor } from '../../src/executors/local.ts';
import { limitTo, RecordingExecutor } from '../../src/executors/recording.ts';
import { baseConfig } from '../helpers/config.ts';

const root = mkdtempSync(join(tmpdir(), 'handoff-s3-'));
const never = new AbortController().signal;
let s3: S3Endpoint;
const KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIASANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
  AWS_REGION: 'us-east-1',
};

beforeAll(async () => {
  for (const [k, v] of Object.entries(KEYS)) vi.stubEnv(k, v);
  s3 = await startS3Endpoint({
    port: 0,
    host: '127.0.0.1',
    buckets: ['releases'],
    credentials: { AKIASANDBOX: 'sandbox-secret' },
    region: 'us-east-1',
  });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.close();
  rmSync(root, { recursive: true, force: true });
});

const store = (over: Partial<Parameters<typeof s3ReleaseStore>[0]> = {}) =>
  s3ReleaseStore({ bucket: 'releases', prefix: 'handoff/', endpoint: s3.url, presignSeconds: 60, ...over });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the sandbox S3 endpoint checks SigV4 like S3', () => {
  it('takes a PutObject signed by the SDK and serves a presigned GET; refuses a tampered, re-pathed or expired URL', async () => {
    const body = randomBytes(5000);
    const s = store();
    await s.put('a.tar', body, sha(body));
    const url = await s.presign('a.tar');
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(body)).toBe(true);
    const tampered = url.replace(
      /(X-Amz-Signature=)([0-9a-f])/,
      (_m, p, c) => `${p}${c === '0' ? '1' : '0'}`,
    );
    const bad = await fetch(tampered);
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    // The signature covers the path: the same query on another object does not open it.
    await s.put('b.tar', Buffer.from('other'), sha(Buffer.from('other')));
    expect((await fetch(url.replace('/a.tar?', '/b.tar?'))).status).toBe(403);
    // ...and the expiry: one second, then refused.
    const short = await store({ presignSeconds: 1 }).presign('a.tar');
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(short);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
    expect((await fetch(`${s3.url}/releases/handoff/a.tar`)).status).toBe(403); // no signature at all
  });

  it('refuses a PutObject signed with the wrong secret, and one whose sha256 does not match', async () => {
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wrong');
    await expect(store().put('c.tar', Buffer.from('x'), sha(Buffer.from('x')))).rejects.toThrow(
      /SignatureDoesNotMatch|signature/i,
    );
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', KEYS.AWS_SECRET_ACCESS_KEY);
    await expect(store().put('d.tar', Buffer.from('x'), sha(Buffer.from('y')))).rejects.toThrow(
      /BadDigest|SHA256|checksum/i,
    );
    expect(s3.objects.has('releases/handoff/c.tar')).toBe(false);
    expect(s3.objects.has('releases/handoff/d.tar')).toBe(false);
  });
});

describe('upload through the store on a transport without put', () => {
  it('puts the tar once, each host downloads it with curl, checks its sha256 and unpacks it; no pieces', async () => {
    const src = join(root, 'src');
    mkdirSync(src, { recursive: true });
    const payload = randomBytes(200_000);
    writeFileSync(join(src, 'blob.bin'), payload);
    const local = new LocalExecutor(root);
    const s = store();
    const upload = uploaderFor({ dir: src }, local, { store: s });
    const puts = () => s3.requests.filter((r) => r.method === 'PUT').length;
    const before = puts();
    for (const h of ['h1', 'h2']) {
      const release = join(root, `release-${h}`);
      mkdirSync(release);
      const recorded = new RecordingExecutor(h, []);
      const host = limitTo(
        {
          name: h,
          run: async (cmd, o) => {
            await recorded.run(cmd);
            return local.run(cmd, o);
          },
          close: async () => {},
        },
        {},
      );
      const detail = await upload(host, release, never);
      expect(readFileSync(join(release, 'blob.bin')).equals(payload)).toBe(true);
      expect(existsSync(join(release, '.handoff-upload.tar'))).toBe(false);
      expect(recorded.log.map((r) => r.kind)).toEqual(['release.download', 'release.extract']);
      // What a dry run or a log would show of the command: never the URL.
      expect(recorded.log[0]!.command).not.toContain('X-Amz-Signature');
      expect(detail).toMatch(
        /through s3:\/\/releases\/handoff\/[0-9a-f]{64}\.tar, fetched by the host with a presigned URL, sha256 checked/,
      );
    }
    expect(puts() - before).toBe(1);
    const gets = s3.requests.filter((r) => r.method === 'GET' && r.auth === 'presigned' && r.status === 200);
    expect(gets.length).toBeGreaterThanOrEqual(2);
  });

  it('a download whose bytes are not the sha256 it was given fails the command and leaves no file', async () => {
    const release = join(root, 'release-bad');
    mkdirSync(release);
    const local = new LocalExecutor(root);
    const s = store();
    const body = Buffer.from('not a tar');
    await s.put('e.tar', body, sha(body));
    const { downloadUpload } = await import('../../src/remote/commands.ts');
    const file = join(release, '.handoff-upload.tar');
    const r = await local.run(downloadUpload(file, await s.presign('e.tar'), '0'.repeat(64)));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the downloaded release's sha256 is not");
    expect(existsSync(file)).toBe(false);
  });

  it('a refused download (the URL expired) fails with the error of curl, which holds no part of the URL', async () => {
    const release = join(root, 'release-expired');
    mkdirSync(release);
    const body = Buffer.from('x');
    const s = store({ presignSeconds: 1 });
    await s.put('f.tar', body, sha(body));
    const url = await s.presign('f.tar');
    await new Promise((r) => setTimeout(r, 2100));
    const { downloadUpload } = await import('../../src/remote/commands.ts');
    const file = join(release, '.handoff-upload.tar');
    const r = await new LocalExecutor(root).run(downloadUpload(file, url, sha(body)));
    expect(r.code).toBe(22); // curl -f: the server answered 4xx
    expect(r.stderr).toMatch(/403/);
    const signature = new URL(url).searchParams.get('X-Amz-Signature')!;
    expect(r.stdout + r.stderr).not.toContain(signature);
    expect(r.stdout + r.stderr).not.toContain('X-Amz-');
    expect(existsSync(file)).toBe(false);
  });

  it('the redactor masks a presigned URL signature and credential in free text', async () => {
    const url = await store().presign('a.tar');
    const parsed = validateConfig(baseConfig());
    if (!parsed.ok) throw new Error('config');
    const out = configRedactor(parsed.config).text(`curl failed for ${url}\n`);
    expect(out).not.toContain(new URL(url).searchParams.get('X-Amz-Signature')!);
    expect(out).not.toContain('AKIASANDBOX');
    expect(out).toContain('X-Amz-Signature=***');
  });
});
