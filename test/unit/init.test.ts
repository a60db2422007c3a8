// `deploy init`: the workflow parses and carries the fields a safe deploy needs, the config loads
// with the schema's defaults, its SSH step really writes 0600 files, and nothing is overwritten.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.ts';
import { loadConfig } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { OFFLINE_AWS, runCli } from '../helpers/cli.ts';
import { captureIo, tempDir } from '../helpers/config.ts';

type Step = {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Workflow = {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { environment: string; concurrency: Record<string, unknown>; steps: Step[] }>;
};

async function init(dir: string, ...flags: string[]) {
  const io = captureIo(dir);
  const code = await main(['init', ...flags], io);
  return { code, out: io.out(), err: io.err() };
}

async function initialized() {
  const dir = tempDir();
  const r = await init(dir);
  expect(r).toMatchObject({ code: 0, err: '' });
  const text = readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8');
  const wf = parse(text) as Workflow;
  const job = wf.jobs.deploy!;
  const step = (uses: string) => job.steps.find((s) => s.uses?.startsWith(uses));
  return { dir, text, wf, job, step };
}

describe('deploy init: the workflow', () => {
  it('parses as YAML and has OIDC, per-environment concurrency, Node 24 and the report artifact', async () => {
    const { wf, job, step } = await initialized();
    expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(wf.on.push).toEqual({ branches: ['main'] });
    expect(wf.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(job.environment).toBe('production');
    // queue: max keeps every pending deploy (GitHub keeps one pending run per group without it)
    expect(job.concurrency).toEqual({
      group: 'deploy-production',
      'cancel-in-progress': false,
      queue: 'max',
    });
    expect(job.steps[0]?.uses).toMatch(/^actions\/checkout@[0-9a-f]{40}$/);
    expect(step('actions/setup-node@')?.with?.['node-version']).toBe(24);
    expect(job.steps.some((s) => s.run === 'npm ci')).toBe(true);
    const aws = step('aws-actions/configure-aws-credentials@')?.with;
    expect(aws?.['role-to-assume']).toMatch(/^\$\{\{ (vars|secrets)\.\w+ \}\}$/);
    expect(aws?.['aws-region']).toBeTruthy();
    // IAM's default MaxSessionDuration is 3600 s: more fails the first run on a default role
    expect(aws?.['role-duration-seconds']).toBeLessThanOrEqual(3600);
    const deployIndex = job.steps.findIndex((s) => s.run === 'npx --no-install handoff run --yes');
    expect(deployIndex).toBeGreaterThan(job.steps.indexOf(step('aws-actions/configure-aws-credentials@')!));
    const upload = step('actions/upload-artifact@');
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path).toBe(`${configSchema.shape.report.parse({}).dir}/`);
    expect(job.steps.indexOf(upload!)).toBeGreaterThan(deployIndex);
  });

  it('comments read as written: no backslash left over from the template literal', async () => {
    const { text } = await initialized();
    expect(text).not.toMatch(/\\`/);
    expect(text).toMatch(/# `npx --no-install handoff plan` prints a total near an hour/);
  });

  it('takes known_hosts from a secret (never ssh-keyscan) and writes key and known_hosts 0600', async () => {
    const { dir, job } = await initialized();
    const ssh = job.steps.find((s) => s.run?.includes('known_hosts'))!;
    expect(ssh.env?.KNOWN_HOSTS).toMatch(/^\$\{\{ secrets\.DEPLOY_KNOWN_HOSTS \}\}$/);
    expect(ssh.run).not.toMatch(/ssh-keyscan/);
    // run the step as the runner does (bash -e), with the secrets in its environment
    const runnerTemp = join(dir, 'runner-temp');
    mkdirSync(runnerTemp);
    const githubEnv = join(dir, 'github-env');
    writeFileSync(githubEnv, '');
    execFileSync('bash', ['-e', '-c', ssh.run!], {
      stdio: 'pipe',
      env: {
        PATH: process.env.PATH,
        RUNNER_TEMP: runnerTemp,
        GITHUB_ENV: githubEnv,
        SSH_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
        KNOWN_HOSTS: '10.0.1.10 ssh-ed25519 AAAA',
      },
    });
    const vars = Object.fromEntries(
      readFileSync(githubEnv, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    for (const name of ['DEPLOY_KNOWN_HOSTS_PATH', 'DEPLOY_SSH_KEY_PATH']) {
      const file = vars[name]!;
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(vars.DEPLOY_KNOWN_HOSTS_PATH!, 'utf8')).toBe('10.0.1.10 ssh-ed25519 AAAA\n');
    // the generated config points ssh at those files
    process.env.DEPLOY_KNOWN_HOSTS_PATH = vars.DEPLOY_KNOWN_HOSTS_PATH;
    process.env.DEPLOY_SSH_KEY_PATH = vars.DEPLOY_SSH_KEY_PATH;
    try {
      const { config } = await loadConfig({ cwd: dir });
      expect(config.ssh.knownHostsPath).toBe(vars.DEPLOY_KNOWN_HOSTS_PATH);
      expect(Array.isArray(config.hosts) && config.hosts[0]?.privateKeyPath).toBe(vars.DEPLOY_SSH_KEY_PATH);
    } finally {
      delete process.env.DEPLOY_KNOWN_HOSTS_PATH;
      delete process.env.DEPLOY_SSH_KEY_PATH;
    }
  });
});

describe('deploy init: hosts behind a bastion', () => {
  it('the deploy step passes the DEPLOY_JUMP variable, and the config reads it into ssh.jump (unset: none)', async () => {
    const { dir, job } = await initialized();
    const step = job.steps.find((s) => s.run?.includes('handoff run'))!;
    expect(step.env?.DEPLOY_JUMP).toMatch(/^\$\{\{ vars\.DEPLOY_JUMP \}\}$/);
    process.env.DEPLOY_JUMP = 'ec2-user@bastion.example.com';
    try {
      expect((await loadConfig({ cwd: dir })).config.ssh.jump).toBe('ec2-user@bastion.example.com');
      process.env.DEPLOY_JUMP = ''; // an unset repository variable arrives as an empty string
      const other = (await initialized()).dir; // a fresh file: a loaded config module is cached
      expect((await loadConfig({ cwd: other })).config.ssh.jump).toBeUndefined();
    } finally {
      delete process.env.DEPLOY_JUMP;
    }
  });
});

describe('deploy init: the workflow pins', () => {
  it('every action at a full commit SHA with its release in a comment, at a Node 24 major', async () => {
    const { text } = await initialized();
    const uses = text.split('\n').filter((l) => /^\s*- uses: /.test(l));
    expect(uses.map((l) => l.replace(/@.*/, '').trim())).toEqual([
      '- uses: actions/checkout',
      '- uses: actions/setup-node',
      '- uses: aws-actions/configure-aws-credentials',
      '- uses: actions/upload-artifact',
    ]);
    // the first majors on the node24 runtime: checkout and setup-node v5, upload-artifact v6,
    // configure-aws-credentials v5 (GitHub retired the Node 20 runtime on its runners)
    const floor: Record<string, number> = {
      'actions/checkout': 5,
      'actions/setup-node': 5,
      'actions/upload-artifact': 6,
      'aws-actions/configure-aws-credentials': 5,
    };
    for (const line of uses) {
      const m = /- uses: ([\w-]+\/[\w-]+)@([0-9a-f]{40}) # v(\d+)\.\d+\.\d+$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(Number(m![3]), line).toBeGreaterThanOrEqual(floor[m![1]!]!);
    }
    expect(text).not.toMatch(/queueing|waits its turn/); // no promise GitHub does not keep by default
  });
});

describe('deploy init: the config', () => {
  it('loads, has every section with a comment, and its values are the schema defaults', async () => {
    const { dir } = await initialized();
    const text = readFileSync(join(dir, 'deploy.config.ts'), 'utf8');
    for (const key of Object.keys(configSchema.shape)) expect(text).toMatch(new RegExp(`^  ${key}: `, 'm'));
    expect(text).toMatch(/loadBalancer: \{\n\s+targetGroup: 'my-app-tg'/);
    const { config, warnings } = await loadConfig({ cwd: dir });
    expect(warnings).toEqual([]);
    const minimal = validateConfig({
      app: { name: config.app.name },
      hosts: config.hosts,
      loadBalancer: config.loadBalancer,
    });
    if (!minimal.ok) throw new Error(JSON.stringify(minimal.errors));
    expect(config).toEqual(minimal.config);
  });
});

describe('deploy init: never overwrites', () => {
  it('a second run exits 2, names both files and leaves them as they were', async () => {
    const { dir } = await initialized();
    const configFile = join(dir, 'deploy.config.ts');
    writeFileSync(configFile, '// mine\n');
    const again = await init(dir);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/deploy\.config\.ts and \.github\/workflows\/deploy\.yml already exist/);
    expect(again.err).toMatch(/--force/);
    expect(readFileSync(configFile, 'utf8')).toBe('// mine\n');
  });

  it('one existing file is enough: the other is not written either', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), 'name: mine\n');
    const r = await init(dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\.github\/workflows\/deploy\.yml already exists.*nothing was written/);
    expect(existsSync(join(dir, 'deploy.config.ts'))).toBe(false);
  });

  it('counts another config file the loader would pick, e.g. deploy.config.mjs', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'deploy.config.mjs'), 'export default {};\n');
    const r = await init(dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/deploy\.config\.mjs already exists/);
    expect(existsSync(join(dir, '.github'))).toBe(false);
  });
});

describe('deploy init: --force, --no-workflow', () => {
  it('--force replaces the config and the workflow', async () => {
    const { dir } = await initialized();
    writeFileSync(join(dir, 'deploy.config.ts'), '// mine\n');
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), 'name: mine\n');
    expect((await init(dir, '--force')).code).toBe(0);
    expect(readFileSync(join(dir, 'deploy.config.ts'), 'utf8')).toMatch(/defineConfig/);
    expect(readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8')).toMatch(/handoff run --yes/);
  });

  it('--force never replaces another config file the loader would pick', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'deploy.config.mjs'), 'export default {};\n');
    const r = await init(dir, '--force');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/deploy\.config\.mjs already exists.*remove it first/);
    expect(existsSync(join(dir, 'deploy.config.ts'))).toBe(false);
  });

  it('--no-workflow writes the config alone and leaves an existing workflow as it is', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), 'name: mine\n');
    const r = await init(dir, '--no-workflow');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'deploy.config.ts'))).toBe(true);
    expect(readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8')).toBe('name: mine\n');
    expect(r.out).toMatch(/^Wrote deploy\.config\.ts\./);
    expect(r.out).not.toMatch(/Secrets and variables/);
  });

  it('--no-workflow over an existing config names the fixes that apply (not --no-workflow again)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'deploy.config.ts'), '// mine\n');
    const r = await init(dir, '--no-workflow');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/deploy\.config\.ts already exists.*nothing was written.*--force/);
    expect(r.err).not.toMatch(/or --no-workflow/);
    expect(readFileSync(join(dir, 'deploy.config.ts'), 'utf8')).toBe('// mine\n');
  });
});

describe('deploy init: .gitignore and next steps', () => {
  it('creates .gitignore with deploy-report/', async () => {
    const { dir } = await initialized();
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^deploy-report\/$/m);
  });

  it('appends to an existing one (after a last line without newline), once', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.gitignore'), 'build/\n.gradle');
    expect((await init(dir)).code).toBe(0);
    expect((await init(dir, '--force')).code).toBe(0);
    const lines = readFileSync(join(dir, '.gitignore'), 'utf8').split('\n');
    expect(lines.slice(0, 2)).toEqual(['build/', '.gradle']);
    expect(lines.filter((l) => l === 'deploy-report/')).toHaveLength(1);
  });

  it.each(['/deploy-report', 'deploy-report', '/deploy-report/'])(
    'leaves it alone when %s is listed',
    async (line) => {
      const dir = tempDir();
      writeFileSync(join(dir, '.gitignore'), `${line}\n`);
      const r = await init(dir);
      expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe(`${line}\n`);
      expect(r.out).not.toMatch(/\.gitignore/);
    },
  );

  it('next steps install handoff-deploy and call its own bin, never a bare npx deploy', async () => {
    const r = await init(tempDir());
    expect(r.out).toMatch(/npm i -D handoff-deploy/);
    expect(r.out).toMatch(/npx --no-install handoff plan/);
    expect(r.out).not.toMatch(/npx deploy|npm i -D handoff\s/);
    const { text } = await initialized();
    expect(text).not.toMatch(/npx deploy/);
  });
});

describe('deploy init: the first plan on its config, without AWS', () => {
  const offline = OFFLINE_AWS;

  it("no credentials: plans with the config's numbers, labelled, in text and JSON", async () => {
    const { dir } = await initialized();
    const text = await runCli(['plan'], dir, offline);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/AWS could not be asked \(no AWS credentials/);
    expect(text.stdout).toMatch(
      /Health check \(source: config, OFFLINE FALLBACK for target group my-app-tg\)/,
    );
    const json = await runCli(['plan', '--json'], dir, offline);
    const plan = JSON.parse(json.stdout);
    expect(plan.awsFallback).toEqual({
      targetGroup: 'my-app-tg',
      reason: expect.stringMatching(/no AWS credentials/),
    });
    expect(plan.healthCheck).toMatchObject({ intervalSeconds: 5, source: 'config' });
    expect(plan.targetGroup).toBeUndefined();
    expect(plan.warnings[0]).toMatch(/AWS could not be asked/);
  });

  it('no network (connection refused): the same fallback, naming the error', async () => {
    const { dir } = await initialized();
    const env = { ...offline, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' };
    const plan = JSON.parse((await runCli(['plan', '--json'], dir, env)).stdout);
    expect(plan.awsFallback.reason).toMatch(/AWS not reachable: ECONNREFUSED/);
  });

  it('run --dry-run falls back like plan, labelled, and says the target health is assumed', async () => {
    const { dir } = await initialized();
    const r = await runCli(['run', '--dry-run'], dir, offline);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Health check \(source: config, OFFLINE FALLBACK for target group my-app-tg\)/);
    expect(r.stdout).toMatch(
      /target health not read \(AWS could not be asked\): web-1 and web-2 assumed healthy/,
    );
    expect(r.stdout).toMatch(/\[web-2\] deployed/);
    expect(r.stderr).toBe('');
  });

  it('in deregister mode the dry run lists the calls against the target group by name', async () => {
    const { dir } = await initialized();
    const file = join(dir, 'deploy.config.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/drain: \{[^}]*\}/, "drain: { mode: 'deregister' }"),
    );
    const r = await runCli(['run', '--dry-run'], dir, offline);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /web-1 +elbv2 +DeregisterTargets --target-group-arn my-app-tg \(offline: its ARN not read\) --targets Id=i-0123456789abcdef0/,
    );
    expect(r.stdout).toMatch(/web-2 +elbv2 +RegisterTargets .*Id=i-0fedcba9876543210/);
  });

  it('a real run never falls back: it needs the real target group, and touches nothing', async () => {
    const { dir } = await initialized();
    const r = await runCli(['run', '--yes'], dir, offline);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no AWS credentials found/);
    expect(r.stdout + r.stderr).not.toMatch(/preflight|lock/);
  });

  it('without healthCheck numbers in the config the error says how to plan offline', async () => {
    const { dir } = await initialized();
    const file = join(dir, 'deploy.config.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n\s+healthCheck: \{[^}]*\},/, ''));
    const r = await runCli(['plan'], dir, offline);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /To plan without AWS, give the target group's numbers in loadBalancer\.healthCheck/,
    );
  });
});
