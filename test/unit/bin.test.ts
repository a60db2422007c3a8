// bin/deploy.js as a user meets it: on the machine's own older Node (help and version answer, the
// rest names the fix), and in an app repository whose package.json has no "type" (no Node warnings).
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandUsage, usage } from '../../src/cli/args.ts';
import { BIN } from '../helpers/cli.ts';
import { baseConfig, tempDir, writeConfig } from '../helpers/config.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

/** A Node older than 22.18 on this machine (outside node_modules), e.g. Debian's /usr/bin/node. */
function oldNode(): string | undefined {
  const found = execFileSync('sh', ['-c', 'which -a node nodejs 2>/dev/null || true'], {
    encoding: 'utf8',
    env: {
      PATH: (process.env.PATH ?? '')
        .split(':')
        .filter((p) => !p.includes('node_modules'))
        .join(':'),
    },
  })
    .split('\n')
    .filter(Boolean);
  for (const bin of [...found, '/usr/bin/node']) {
    try {
      const v = execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      const [major = 0, minor = 0] = v.split('.').map(Number);
      if (major < 22 || (major === 22 && minor < 18)) return bin;
    } catch {}
  }
  return undefined;
}

function run(node: string, argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      node,
      [BIN, ...argv],
      { cwd, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function runAs(node: string, script: string, argv: string[], cwd: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      node,
      [script, ...argv],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const OLD = oldNode();

describe.runIf(OLD || process.env.CI)(`on an older Node (${OLD ?? 'none found'})`, () => {
  const node = OLD!;
  it('--help, help <command>, <command> --help and --version answer', async () => {
    const dir = tempDir();
    expect(await run(node, ['--help'], dir)).toMatchObject({ code: 0, stdout: `${usage()}\n`, stderr: '' });
    expect(await run(node, ['help', 'plan'], dir)).toMatchObject({
      code: 0,
      stdout: `${commandUsage('plan')}\n`,
    });
    expect(await run(node, ['run', '--help'], dir)).toMatchObject({
      code: 0,
      stdout: `${commandUsage('run')}\n`,
    });
    expect(await run(node, ['--version'], dir)).toMatchObject({
      code: 0,
      stdout: `${VERSION}\n`,
      stderr: '',
    });
  });

  it('any other command exits 2 naming the three fixes, and nothing else', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig());
    const r = await run(node, ['plan'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/handoff needs Node >= 22\.18; this is Node \d+\.\d+\.\d+/);
    expect(r.stderr).toContain('npm i -D node@24');
    expect(r.stderr).toMatch(/nvm install/);
    expect(r.stderr).toMatch(/Node 22\.18 or newer +https:\/\/nodejs\.org/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+|SyntaxError|ERR_/); // no stack, no loader error
    const json = await run(node, ['plan', '--json'], dir);
    expect(JSON.parse(json.stdout)).toMatchObject({ exitCode: 2, error: { kind: 'usage' } });
  });
});

describe('run through a link named handoff, as npm installs the bin', () => {
  const linked = () => {
    const dir = tempDir();
    const link = join(dir, 'handoff');
    symlinkSync(BIN, link);
    return { dir, link };
  };
  it('help says handoff, on this Node and on an older one', async () => {
    const { dir, link } = linked();
    for (const node of [process.execPath, ...(OLD ? [OLD] : [])]) {
      const r = await runAs(node, link, ['--help'], dir);
      expect(r, node).toMatchObject({ code: 0, stdout: `${usage('handoff')}\n` });
    }
    expect((await runAs(process.execPath, link, ['pln'], dir)).stderr).toMatch(/Run `handoff --help`/);
  });
});

describe('in a Java repository (package.json without "type")', () => {
  /** An app repo with handoff-deploy installed (a symlink to this checkout, as npm link makes). */
  function javaRepo(): string {
    const dir = join(tempDir(), 'shop');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    mkdirSync(join(dir, '.git'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'handoff-deploy'));
    writeFileSync(join(dir, 'package.json'), '{ "name": "shop", "private": true, "devDependencies": {} }\n');
    writeFileSync(join(dir, 'build.gradle'), "plugins { id 'java' }\n");
    writeConfig(dir, baseConfig());
    return dir;
  }

  it('plan, plan --json and a config error print no Node warning', async () => {
    const dir = javaRepo();
    const bin = join(dir, 'node_modules', 'handoff-deploy', 'bin', 'deploy.js');
    const node = process.execPath; // the project's Node 24: type stripping, the typeless-package check
    const plain = await new Promise<{ stderr: string; code: number }>((resolve) =>
      execFile(node, [bin, 'plan'], { cwd: dir }, (e, _o, stderr) => resolve({ stderr, code: e ? 1 : 0 })),
    );
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toMatch(/Warning|MODULE_TYPELESS_PACKAGE_JSON|--trace-warnings/);
    const json = await run(node, ['plan', '--json'], dir);
    expect(json.stderr).toBe('');
    writeConfig(dir, { ...baseConfig(), strategy: 'yolo' });
    const bad = await run(node, ['plan'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/Warning/);
  });

  it('other warnings still reach stderr, as Node prints them', async () => {
    const dir = javaRepo();
    writeFileSync(
      join(dir, 'deploy.config.ts'),
      `import { defineConfig } from 'handoff-deploy';\nprocess.emitWarning('disk almost full', 'DiskWarning');\nexport default defineConfig(${JSON.stringify(baseConfig())} as never);\n`,
    );
    const r = await run(process.execPath, ['plan'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\(node:\d+\) DiskWarning: disk almost full$/m);
    expect(r.stderr).not.toMatch(/MODULE_TYPELESS/);
  });
});
