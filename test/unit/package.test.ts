// The first run as a new user meets it: `npm pack`, the tarball installed into a fresh Java
// repository (package.json without "type"), then the issue-17 friction list replayed: the bins,
// npx --no-install, --help/--version on the machine's own Node, init, an offline first plan with no
// Node warning, did-you-mean. Catches what in-repo tests cannot: files missing from the package.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_AWS } from '../helpers/cli.ts';
import { tempDir } from '../helpers/config.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE24 = process.execPath;
/** The machine's own Node when it is older than 22.18 (Debian's, here): what `npx` runs the bin with. */
const SYSTEM_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
  if (!existsSync(p)) return false;
  const v = execFileSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  const [major = 0, minor = 0] = v.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 18);
});

let app = '';
const bin = () => join(app, 'node_modules', '.bin', 'handoff');
const run = (node: string, argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(node, [bin(), ...argv], {
    cwd: app,
    encoding: 'utf8',
    env: { ...process.env, ...OFFLINE_AWS, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

beforeAll(() => {
  const dir = tempDir();
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const tarball = join(dir, `${pkg.name}-${pkg.version}.tgz`);
  app = join(dir, 'shop');
  mkdirSync(join(app, '.git'), { recursive: true });
  writeFileSync(join(app, 'package.json'), '{ "name": "shop", "version": "1.0.0", "private": true }\n');
  writeFileSync(join(app, 'build.gradle'), "plugins { id 'java' }\n");
  execFileSync(
    'npm',
    ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball],
    { cwd: app, stdio: 'pipe' },
  );
}, 240_000);

describe('handoff-deploy from its tarball in a fresh Java repository', () => {
  it('installs both bins, and npx --no-install finds the project’s own', () => {
    expect(existsSync(join(app, 'node_modules', '.bin', 'handoff'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', '.bin', 'deploy'))).toBe(true);
    const r = spawnSync('npx', ['--no-install', 'handoff', '--version'], { cwd: app, encoding: 'utf8' });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('init, then a first plan with no AWS and no Node warning, then did-you-mean', () => {
    const init = run(NODE24, ['init']);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/npx --no-install handoff plan/);
    expect(readFileSync(join(app, '.gitignore'), 'utf8')).toMatch(/^deploy-report\/$/m);
    const plan = run(NODE24, ['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/OFFLINE FALLBACK for target group my-app-tg/);
    expect(plan.stderr).toBe(''); // no MODULE_TYPELESS_PACKAGE_JSON, no ExperimentalWarning
    expect(run(NODE24, ['pln']).stderr).toMatch(/did you mean 'plan'/);
    const json = run(NODE24, ['status', '--json', '-c', 'missing.ts']);
    expect(JSON.parse(json.stdout)).toMatchObject({ exitCode: 2, error: { kind: 'config' } });
  });

  it.runIf(SYSTEM_NODE)(`the machine’s own older Node (${SYSTEM_NODE}) gets help and the fix`, () => {
    const system = SYSTEM_NODE!;
    expect(run(system, ['--help']).code).toBe(0);
    const plan = run(system, ['plan']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/npm i -D node@24/);
  });
});
