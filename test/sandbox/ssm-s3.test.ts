// Uploads through S3 over Systems Manager (ssm.bucket): the CLI puts the release's tar once into the
// sandbox's S3 endpoint (real SDK, SigV4 checked), each host downloads it with curl through a
// presigned URL and checks its sha256; no 48 KiB pieces through Run Command. The URL is a
// credential: it appears in no output, log, event, report file or trace, and in the endpoint's stored
// command history only in the host's own fetch (release.download). Two hosts under load, 0 failed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BRIDGE_IP, S3, SSM } from '../../scripts/sandbox/contract.ts';
import { type S3Endpoint, startS3Endpoint } from '../../scripts/sandbox/s3/server.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import { hostView, readReport, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe } from './_env.ts';
import { AWS_ENV, deployUnderLoad, ssmSuite } from './_ssm.ts';

const LEAK = /X-Amz-Signature=[0-9a-f]{8}|X-Amz-Credential=AKIA/;

/** A stored text with every base64 run in it decoded beside it (Run Command gets stdin as base64). */
function revealed(text: string): string {
  const runs = [...text.matchAll(/[A-Za-z0-9+/]{16,}={0,2}/g)];
  return [text, ...runs.map((m) => Buffer.from(m[0], 'base64').toString('latin1'))].join('\n');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

sandboxDescribe('deploy run over Systems Manager: uploads through S3', () => {
  const { state, ssm, config } = ssmSuite();
  let s3: S3Endpoint;
  beforeAll(async () => {
    s3 = await startS3Endpoint({
      port: S3.port,
      host: BRIDGE_IP,
      buckets: [S3.bucket],
      credentials: { [AWS_ENV.AWS_ACCESS_KEY_ID]: AWS_ENV.AWS_SECRET_ACCESS_KEY },
      region: S3.region,
    });
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('two hosts fetch the release from a presigned URL: one PutObject, a checked GET per host, no pieces, 0 failed, the URL in no output', async () => {
    const dir = config(undefined, {
      extra: {
        ssm: { endpoint: ssm().endpoint.url, region: SSM.region, bucket: S3.bucket, s3Endpoint: s3.url },
      },
    });
    const trace = join(dir, 'trace.ndjson');
    const { run, report, commands } = await deployUnderLoad(state(), dir, trace);
    const kinds = commands.map((c) => c.kind);
    expect(kinds.filter((k) => k === 'release.chunk')).toEqual([]);
    expect(kinds.filter((k) => k === 'release.download')).toHaveLength(2);
    const puts = s3.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ status: 200, auth: 'header' });
    const gets = s3.requests.filter((r) => r.method === 'GET');
    expect(gets.map((g) => [g.from, g.status, g.auth]).sort()).toEqual(
      state()
        .hosts.map((h) => [h.ip, 200, 'presigned'])
        .sort(),
    );
    expect(report.hosts[0]!.steps.find((s) => s.name === 'upload')?.detail).toMatch(
      /through s3:\/\/handoff-releases\/handoff\/[0-9a-f]{64}\.tar, fetched by the host with a presigned URL, sha256 checked/,
    );
    // A presigned URL is a credential: not in the CLI's output, its log, events or report files.
    expect(run.stdout).not.toMatch(LEAK);
    expect(run.stderr).not.toMatch(LEAK);
    for (const f of filesUnder(join(dir, 'report'))) expect(readFileSync(f, 'utf8'), f).not.toMatch(LEAK);
    expect(readFileSync(trace, 'utf8')).not.toMatch(LEAK);
    // The endpoint's stored history (what ssm:ListCommands and GetCommandInvocation give anyone
    // allowed to read them): the URL is in the two fetches' command text, nowhere else.
    const history = [...ssm().endpoint.model.invocations.values()];
    expect(history.length).toBeGreaterThan(20);
    const holding = history.filter((inv) => LEAK.test(revealed(inv.commands.join('\n'))));
    expect(holding).toHaveLength(2);
    for (const inv of holding) expect(inv.commands.join('\n')).toContain('curl -fsS');
    for (const inv of history) expect(revealed(inv.stdout + inv.stderr), inv.commandId).not.toMatch(LEAK);
  }, 300_000);

  it('bytes in the bucket that are not the release put there: the upload fails on h1 before any drain, nothing unpacked, 0 failed', async () => {
    const dir = config(undefined, {
      extra: {
        ssm: { endpoint: ssm().endpoint.url, region: SSM.region, bucket: S3.bucket, s3Endpoint: s3.url },
      },
    });
    const h1 = state().hosts[0]!;
    const before = await hostView(h1.ip);
    // The object changes at rest (or on the way): S3 stores other bytes than the CLI sent.
    const store = s3.objects.set.bind(s3.objects);
    s3.objects.set = (key, obj) => store(key, { ...obj, body: Buffer.concat([obj.body, Buffer.from('x')]) });
    try {
      const { value: run, failed } = await underLoad(() => startCli(['run', '--yes'], dir, AWS_ENV).done);
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
      expect(failed).toBe(0);
      const steps = readReport(dir).hosts[0]!.steps;
      const upload = steps.find((s) => s.name === 'upload');
      expect(upload?.ok).toBe(false);
      expect(upload?.detail).toMatch(
        /release\.download failed on h1 \(exit 1\)[\s\S]*sha256 is not [0-9a-f]{64}/,
      );
      expect(steps.map((s) => s.name)).not.toContain('drain');
    } finally {
      s3.objects.set = store;
    }
    const after = await hostView(h1.ip);
    expect(after.current).toBe(before.current);
    expect(after.pid).toBe(before.pid);
    expect(after.health).toBe('200');
    const left = await sshRun(h1.ip, 'ls /srv/handoff/releases/*/.handoff-upload.tar 2>/dev/null; true');
    expect(left.stdout.trim()).toBe('');
  }, 240_000);
});
