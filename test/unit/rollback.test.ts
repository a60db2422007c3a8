// `deploy rollback` on the run pipeline, against a host reached over real SSH (an in-process server
// running commands on this machine under a temp app.dir): `--to` a release from history, refused
// with exit 2 and the nearest names when a host lacks it, `--dry-run` that changes nothing, and the
// report shape of `run` under --json.
import { existsSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_AWS, runCli } from '../helpers/cli.ts';
import { historyEntry, oneHostConfig, tempDir, writeConfig } from '../helpers/config.ts';
import { DRAIN_TO_SETTLE } from '../helpers/engine.ts';
import { startSshServer, type TestSshServer } from '../helpers/ssh-server.ts';

const [R1, R2, R3] = ['20260101T100000Z', '20260102T100000Z', '20260103T100000Z'];
let server: TestSshServer;
let dir: string;
const app = () => join(dir, 'app');
const current = () => readlinkSync(join(app(), 'current'));

beforeAll(async () => {
  dir = tempDir();
  server = await startSshServer({ dir, shell: true });
  for (const r of [R1, R2, R3]) mkdirSync(join(app(), 'releases', r), { recursive: true });
  symlinkSync(`releases/${R3}`, join(app(), 'current'));
  mkdirSync(join(app(), '.handoff'), { recursive: true });
  const entry = (release: string, from: string | null) => JSON.stringify(historyEntry(release, from));
  writeFileSync(
    join(app(), '.handoff', 'history.jsonl'),
    `${[entry(R1, null), entry(R2, R1), entry(R3, R2)].join('\n')}\n`,
  );
  writeConfig(dir, oneHostConfig(dir, server.port));
});
afterAll(() => server.close());

/** Nothing a rollback would leave: `current` as it was, no lock. */
function untouched() {
  expect(current()).toBe(`releases/${R3}`);
  expect(existsSync(join(app(), '.handoff', 'lock'))).toBe(false);
}

describe('deploy rollback --to', () => {
  it('a release no host has: exit 2 before anything is touched, with the nearest name', async () => {
    const r = await runCli(['rollback', '--to', '20260101T100001Z', '--yes', '--json'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.kind).toBe('usage');
    expect(doc.error.message).toBe(
      `release 20260101T100001Z is not on web-1 (did you mean '${R1}'?); \`deploy history\` lists the releases`,
    );
    untouched();
  });

  it('--dry-run: the rollback steps and the commands for the chosen release, nothing changed', async () => {
    const r = await runCli(['rollback', '--to', R1, '--dry-run', '--allow-downtime'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Commands the run would send \(dry run: none was sent/);
    expect(r.stdout).toContain(`web-1  release.switch`);
    expect(r.stdout).toMatch(new RegExp(`release\\.switch +\\S*current\\S* ${R1}`));
    expect(r.stdout).not.toMatch(/build\.run|release\.create/);
    untouched();
  });
});

describe('deploy rollback --dry-run --json', () => {
  it("prints run's report shape: kind rollback, the previous release, the rollback steps", async () => {
    const r = await runCli(['rollback', '--dry-run', '--json', '--allow-downtime'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      version: 1,
      kind: 'rollback',
      dryRun: true,
      releaseId: R2,
      result: 'deployed',
    });
    expect(report.hosts[0].steps.map((s: { name: string }) => s.name)).toEqual([
      'preflight',
      ...DRAIN_TO_SETTLE,
    ]);
    untouched();
  });
});
