// Issue 17's friction list, replayed as a new user meets it: `npm pack`, the tarball installed
// into a fresh Java repository (a package.json without "type"), and every command typed through
// `npx --no-install` on the machine's own Node (Debian's 20 here; after the fix the CLI names,
// Node 24 from `npm i -D node@24`). No AWS credentials, no network beyond loopback: the hosts are
// never reached. Slow for the unit project (two npm installs, ~40 spawns), so it runs here; it
// needs no sandbox instance. Catches what in-repo tests cannot: files missing from the package,
// a bin that only works from this checkout, a warning only a typeless package.json triggers.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OFFLINE_AWS } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const SECRET = 'S3cret-first-run-never-shown';

/** The machine's PATH without any node_modules/.bin: its own node, npm and npx. */
const SYSTEM_PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((p) => p && !p.includes('node_modules'))
  .join(delimiter);
const systemNode = execFileSync('node', ['-p', 'process.versions.node'], {
  encoding: 'utf8',
  env: { PATH: SYSTEM_PATH },
}).trim();
const [major = 0, minor = 0] = systemNode.split('.').map(Number);
const SYSTEM_NODE_OLD = major < 22 || (major === 22 && minor < 18);

let app = '';
type Result = { code: number | null; stdout: string; stderr: string };

/** A clean environment, as a user's shell would have it: no npm_* from a parent npm, no AWS. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: SYSTEM_PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    ...OFFLINE_AWS,
    // the config reads it; a missing file stops status before any connection is tried
    DEPLOY_KNOWN_HOSTS_PATH: join(app, 'no-known-hosts'),
    ...extra,
  };
}

/** `npx --no-install <bin> ...args` in the app (or `cwd`), exactly as typed. */
function npx(args: string[], opts: { bin?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const r = spawnSync('npx', ['--no-install', opts.bin ?? 'handoff', ...args], {
    cwd: opts.cwd ?? app,
    encoding: 'utf8',
    env: userEnv(opts.env),
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The bin itself, as an npm script runs it (the app's node_modules/.bin first on PATH): the same
 * process npx ends in, without npx's own second of start-up, for the checks that are not about npx.
 */
function bin(args: string[], opts: { cwd?: string } = {}): Result {
  const r = spawnSync(join(app, 'node_modules', '.bin', 'handoff'), args, {
    cwd: opts.cwd ?? app,
    encoding: 'utf8',
    env: userEnv({ PATH: `${join(app, 'node_modules', '.bin')}${delimiter}${SYSTEM_PATH}` }),
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NODE_WARNING = /MODULE_TYPELESS_PACKAGE_JSON|ExperimentalWarning|\(node:\d+\)|Warning:/;
const sha = (file: string) =>
  createHash('sha256')
    .update(readFileSync(join(app, file)))
    .digest('hex');
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args], {
    cwd: app,
    stdio: 'pipe',
  });
const npm = (args: string[]) =>
  execFileSync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: app,
    stdio: 'pipe',
    env: { ...userEnv(), npm_config_update_notifier: 'false' },
  });

// Outside this checkout: npx puts node_modules/.bin of every parent directory on PATH, and this
// repository's holds Node 24, which would hide the machine's own Node from the replay.
let dir = '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'handoff-first-run-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' });
  app = join(dir, 'shop');
  mkdirSync(join(app, 'src', 'main', 'java', 'shop'), { recursive: true });
  writeFileSync(join(app, 'package.json'), '{ "name": "shop", "version": "1.0.0", "private": true }\n');
  writeFileSync(join(app, 'build.gradle'), "plugins { id 'java' }\n");
  writeFileSync(join(app, 'src/main/java/shop/App.java'), 'package shop;\nclass App {}\n');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'a Java app');
  npm(['install', '--save-dev', join(dir, `${PKG.name}-${PKG.version}.tgz`)]);
}, 300_000);

describe('issue 17 replayed from the packed tarball in a fresh Java repository', () => {
  it('both bins answer --help and --version through npx --no-install on the machine’s Node', () => {
    for (const bin of ['handoff', 'deploy']) {
      expect(npx(['--version'], { bin })).toEqual({ code: 0, stdout: `${PKG.version}\n`, stderr: '' });
      const help = npx(['--help'], { bin });
      expect(help.code).toBe(0);
      // Each bin's help names the bin it was run as.
      expect(help.stdout).toMatch(new RegExp(`^Usage: ${bin} \\[--config FILE\\] \\[--json\\] <command>`));
      expect(help.stderr).toBe('');
    }
    // outside the project npx --no-install finds nothing: it never fetches an unrelated `deploy`
    const outside = mkdtempSync(join(tmpdir(), 'handoff-outside-'));
    try {
      expect(npx(['--version'], { bin: 'deploy', cwd: outside }).code).not.toBe(0);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it.runIf(SYSTEM_NODE_OLD)(
    `on Node ${systemNode} any other command names the fix, and the fix works`,
    () => {
      const plan = npx(['plan']);
      expect(plan.code).toBe(2);
      expect(plan.stderr).toMatch(new RegExp(`needs Node >= 22\\.18; this is Node ${systemNode}`));
      expect(plan.stderr).toContain('npm i -D node@24');
      npm(['install', '--save-dev', `node@${process.versions.node}`]); // the fix, as printed
      expect(npx(['plan']).stderr).not.toMatch(/needs Node/);
    },
  );

  it('init writes the config, the workflow and .gitignore, and names the right package', () => {
    if (SYSTEM_NODE_OLD) expect(existsSync(join(app, 'node_modules/.bin/node'))).toBe(true);
    const init = npx(['init']);
    expect(init).toMatchObject({ code: 0, stderr: '' });
    expect(init.stdout).toMatch(/npm i -D handoff-deploy/);
    expect(init.stdout).toMatch(/npx --no-install handoff plan/);
    expect(init.stdout).not.toMatch(/npx deploy|npx handoff|npm i -D handoff\s/);
    expect(readFileSync(join(app, '.gitignore'), 'utf8')).toMatch(/^deploy-report\/$/m);
  });

  it('init again changes nothing; --no-workflow and --force do what they say', () => {
    const before = [sha('deploy.config.ts'), sha('.github/workflows/deploy.yml'), sha('.gitignore')];
    const again = bin(['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exist.*nothing was written.*--force.*--no-workflow/);
    const noWorkflow = bin(['init', '--no-workflow']);
    expect(noWorkflow.code).toBe(2);
    expect(noWorkflow.stderr).not.toMatch(/or --no-workflow/);
    expect([sha('deploy.config.ts'), sha('.github/workflows/deploy.yml'), sha('.gitignore')]).toEqual(before);

    writeFileSync(join(app, '.github/workflows/deploy.yml'), 'name: mine\n');
    rmSync(join(app, 'deploy.config.ts'));
    expect(bin(['init', '--no-workflow'])).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(app, '.github/workflows/deploy.yml'), 'utf8')).toBe('name: mine\n');
    expect(bin(['init', '--force'])).toMatchObject({ code: 0, stderr: '' });
    expect(sha('.github/workflows/deploy.yml')).toBe(before[1]);
    expect(readFileSync(join(app, '.gitignore'), 'utf8').match(/^deploy-report\/$/gm)).toHaveLength(1);
    git('add', '-A');
    git('commit', '-qm', 'handoff');
  });

  it('the workflow: commit-pinned current majors, a role duration IAM allows, honest concurrency', () => {
    const text = readFileSync(join(app, '.github/workflows/deploy.yml'), 'utf8');
    const uses = [...text.matchAll(/^\s*- uses: (\S+)@(\S+)(.*)$/gm)];
    expect(uses.map((u) => u[1])).toEqual([
      'actions/checkout',
      'actions/setup-node',
      'aws-actions/configure-aws-credentials',
      'actions/upload-artifact',
    ]);
    for (const [, action, ref, comment] of uses) {
      expect(ref, action).toMatch(/^[0-9a-f]{40}$/); // one pin style: a commit, its tag in a comment
      const tag = comment?.match(/^ # v(\d+)\.\d+\.\d+$/);
      expect(tag, action).toBeTruthy();
      if (action?.startsWith('actions/')) expect(Number(tag?.[1]), action).toBeGreaterThan(4); // v4: Node 20
    }
    const job = (parse(text) as { jobs: Record<string, Record<string, unknown>> }).jobs.deploy!;
    const steps = job.steps as { uses?: string; run?: string; with?: Record<string, unknown> }[];
    const aws = steps.find((s) => s.uses?.startsWith('aws-actions/'))?.with;
    expect(aws?.['role-duration-seconds']).toBeLessThanOrEqual(3600);
    expect(job.concurrency).toMatchObject({ 'cancel-in-progress': false, queue: 'max' });
    expect(text).not.toMatch(/queues? (the )?pending (runs|deploys) by default|\\`/);
    expect(steps.filter((s) => s.run?.includes('npx')).map((s) => s.run)).toEqual([
      'npx --no-install handoff run --yes',
    ]);
  });

  it('the first plan works offline, labelled, with no Node warning', () => {
    const plan = npx(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /Health check \(source: config, OFFLINE FALLBACK for target group my-app-tg\)/,
    );
    expect(plan.stderr).toBe('');
  });

  it('run --dry-run works offline too: labelled, relative virtual time, the shell text with -v, secrets masked', () => {
    const file = join(app, 'deploy.config.ts');
    const config = readFileSync(file, 'utf8');
    writeFileSync(file, config.replace('env: {}', `env: { DB_PASSWORD: '${SECRET}' }`));
    git('commit', '-qam', 'a secret in the start env');
    const dry = npx(['run', '--dry-run', '-v']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toMatch(/OFFLINE FALLBACK for target group my-app-tg/);
    expect(dry.stdout).toMatch(/target health not read \(AWS could not be asked\)/);
    const events = dry.stdout.split('\n').filter((l) => /\[web-\d\]/.test(l));
    expect(events.length).toBeGreaterThan(20);
    for (const line of events) expect(line).toMatch(/^\+\d+\.\ds \[web-\d\] /); // never a time of day
    expect(dry.stdout).toMatch(/DRY RUN: virtual time/);
    const upload = events.find((l) => l.includes('[web-1] upload ok'));
    expect(upload?.match(/\/srv\/app\/releases\/\d{8}T\d{6}Z/g)).toHaveLength(1);
    expect(dry.stdout).toMatch(/\n {4}sh -c '/); // the exact shell text, indented
    expect(dry.stdout).toMatch(/DB_PASSWORD=\*\*\*/);
    expect(dry.stdout + dry.stderr).not.toContain(SECRET);
    expect(dry.stdout).not.toMatch(/uncommitted changes/);
    writeFileSync(join(app, 'build.gradle'), "plugins { id 'java' }\nversion = '2'\n");
    expect(bin(['run', '--dry-run']).stdout).toMatch(/uncommitted changes are not deployed: .*build\.gradle/);
    git('checkout', '--', 'build.gradle');
  });

  it('did-you-mean, help <command>, options before the command', () => {
    const pln = bin(['pln']);
    expect(pln.code).toBe(2);
    expect(pln.stderr).toMatch(/unknown command 'pln' \(did you mean 'plan'\?\)\. Run `handoff --help`/);
    const jsn = bin(['plan', '--jsn']);
    expect(jsn.code).toBe(2);
    expect(jsn.stderr).toMatch(/unknown option '--jsn' .*\(did you mean '--json'\?\)/);
    const help = bin(['help', 'plan']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: handoff plan /);
    expect(help.stdout).toBe(bin(['plan', '--help']).stdout);
    expect(bin(['-c', 'deploy.config.ts', 'plan']).code).toBe(0);
    const missing = bin(['-c', 'x', 'plan']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: x: config file not found at /);
  });

  it('status --json fails as one JSON document, before or after the command', () => {
    for (const args of [
      ['status', '--json'],
      ['--json', 'status'],
    ]) {
      const r = bin(args);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({
        version: 1,
        exitCode: 2,
        error: { message: expect.stringMatching(/known_hosts file .*no-known-hosts is missing/) },
      });
    }
    expect(JSON.parse(bin(['-c', 'missing.ts', 'status', '--json']).stdout)).toMatchObject({
      exitCode: 2,
      error: { kind: 'config' },
    });
  });

  it('the config is found from a subdirectory of the repository', () => {
    const r = bin(['plan', '--json'], { cwd: join(app, 'src/main/java/shop') });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ app: 'my-app', hosts: ['web-1', 'web-2'] });
    expect(r.stderr).not.toMatch(NODE_WARNING);
  });

  it('TERM=dumb in a terminal gets no cursor or colour codes (a colour terminal does)', () => {
    const inPty = (term: string) =>
      spawnSync('script', ['-qec', 'handoff run --dry-run', '/dev/null'], {
        cwd: app,
        encoding: 'utf8',
        env: userEnv({ TERM: term, PATH: `${join(app, 'node_modules', '.bin')}${delimiter}${SYSTEM_PATH}` }),
        timeout: 60_000,
      });
    const dumb = inPty('dumb');
    expect(dumb.status).toBe(0);
    expect(dumb.stdout).toMatch(/\[web-2\] deployed/);
    expect(dumb.stdout).not.toContain('\x1b');
    expect(inPty('xterm-256color').stdout).toContain('\x1b'); // the check above can fail
  });
});
