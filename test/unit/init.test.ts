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

async function init(dir: string) {
  const io = captureIo(dir);
  const code = await main(['init'], io);
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
    expect(job.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    expect(job.steps[0]?.uses).toBe('actions/checkout@v4');
    expect(step('actions/setup-node@')?.with?.['node-version']).toBe(24);
    expect(job.steps.some((s) => s.run === 'npm ci')).toBe(true);
    const aws = step('aws-actions/configure-aws-credentials@')?.with;
    expect(aws?.['role-to-assume']).toMatch(/^\$\{\{ (vars|secrets)\.\w+ \}\}$/);
    expect(aws?.['aws-region']).toBeTruthy();
    expect(aws?.['role-duration-seconds']).toBeGreaterThan(3600); // the 1 h default is too short
    const deployIndex = job.steps.findIndex((s) => s.run === 'npx --no-install handoff run --yes');
    expect(deployIndex).toBeGreaterThan(job.steps.indexOf(step('aws-actions/configure-aws-credentials@')!));
    const upload = step('actions/upload-artifact@v4');
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path).toBe(`${configSchema.shape.report.parse({}).dir}/`);
    expect(job.steps.indexOf(upload!)).toBeGreaterThan(deployIndex);
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

describe('deploy init: the config', () => {
  it('loads, has every section with a comment, and its values are the schema defaults', async () => {
    const { dir } = await initialized();
    const text = readFileSync(join(dir, 'deploy.config.ts'), 'utf8');
    for (const key of Object.keys(configSchema.shape)) expect(text).toMatch(new RegExp(`^  ${key}: `, 'm'));
    expect(text).toContain("loadBalancer: { targetGroup: 'my-app-tg'");
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

  it('has no --force option', async () => {
    const io = captureIo(tempDir());
    expect(await main(['init', '--force'], io)).toBe(2);
    expect(io.err()).toMatch(/Unknown option '--force'/);
  });
});
