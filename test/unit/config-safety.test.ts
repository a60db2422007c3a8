// Config that would run code on a host, break a start after the old JVM is stopped, or point a
// `rm -rf` somewhere it hurts is refused up front with its key path and the reason (exit 2).
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';

const base = baseConfig();
const errorsOf = (config: Record<string, unknown>) => {
  const r = validateConfig(config);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
};

describe('app.start.env keys are POSIX names', () => {
  it.each(['-S', '-i', '', 'A=B', '1X', 'has space', 'x\ny'])('%j is refused', (key) => {
    const errors = errorsOf(edit(base, 'app.start', { env: { [key]: 'v', GOOD: 'ok' } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`app.start.env[${JSON.stringify(key)}]: not an environment variable name`);
  });
  it('letters, digits and _ (not first) are accepted', () => {
    expect(errorsOf(edit(base, 'app.start', { env: { JAVA_OPTS: '-Xmx300m', _x1: 'a' } }))).toEqual([]);
  });
  it('a bad value is described without echoing it', () => {
    const errors = errorsOf(edit(base, 'app.start', { env: { DB_PASSWORD: 98765432 } }));
    expect(errors.join('\n')).toMatch(/app\.start\.env\.DB_PASSWORD: expected string/);
    expect(errors.join('\n')).not.toContain('98765432');
  });
});

describe('app.source.git: no option can be smuggled into git fetch', () => {
  it('a url starting with - is refused', () => {
    const errors = errorsOf(
      edit(base, 'app.source', { git: { url: '--upload-pack=touch /tmp/pwned', ref: 'main' } }),
    );
    expect(errors.join('\n')).toMatch(/app\.source\.git\.url: must not start with '-'/);
  });
  it('a ref starting with - is refused', () => {
    const errors = errorsOf(
      edit(base, 'app.source', { git: { url: 'https://example.com/r.git', ref: '--upload-pack=x' } }),
    );
    expect(errors.join('\n')).toMatch(/app\.source\.git\.ref: must not start with '-'/);
  });
  it('the url is never echoed in an error (it may carry a token)', () => {
    const errors = errorsOf(edit(base, 'app.source', { git: { url: '-https://u:tok3n-secret@h/r.git' } }));
    expect(errors.join('\n')).not.toContain('tok3n-secret');
  });
});

describe('app.dir is a directory of the app own', () => {
  it.each([
    ['/', /app\.dir: '\/' is the root directory/],
    ['/srv', /app\.dir: '\/srv' is a top-level directory/],
    ['/usr/lib/app', /app\.dir: '\/usr\/lib\/app' is inside \/usr/],
    ['/etc/app', /app\.dir: '\/etc\/app' is inside \/etc/],
    ['/srv/app/..', /app\.dir: '\/srv\/app\/\.\.' is not a plain path/],
    ['/srv//app', /app\.dir: '\/srv\/\/app' is not a plain path/],
    ['/srv/app/', /app\.dir: '\/srv\/app\/' is not a plain path/],
    ['/home/ec2-user', /app\.dir: '\/home\/ec2-user' is a home directory/],
  ])('%s is refused', (dir, message) => {
    expect(errorsOf(edit(base, 'app.dir', dir)).join('\n')).toMatch(message);
  });
  it.each(['/srv/app', '/opt/shop', '/home/ec2-user/app', '/usr/local/app'])('%s is fine', (dir) => {
    expect(errorsOf(edit(base, 'app.dir', dir))).toEqual([]);
  });
});

describe('host names are plain words', () => {
  it.each(['h1\n::error::pwned', 'a,b', ' a', 'a b', '-a', ''])('%j is refused', (name) => {
    expect(errorsOf(edit(base, 'hosts.0.name', name)).join('\n')).toMatch(/hosts\[0\]\.name: /);
  });
  it.each(['web-1', 'web_1.prod', 'H2'])('%j is fine', (name) => {
    expect(errorsOf(edit(base, 'hosts.0.name', name))).toEqual([]);
  });
});

describe('memory.intervalSeconds is bounded', () => {
  it.each([4000, 61, 0.01])('%d is refused', (s) => {
    expect(errorsOf(edit(base, 'memory', { intervalSeconds: s })).join('\n')).toMatch(
      /memory\.intervalSeconds: must be/,
    );
  });
  it.each([0.5, 1, 60])('%d is fine', (s) => {
    expect(errorsOf(edit(base, 'memory', { intervalSeconds: s }))).toEqual([]);
  });
});

describe("drain.mode 'deregister' needs an instance id on every listed host", () => {
  const dereg = edit(
    edit(edit(base, 'loadBalancer', { targetGroup: 'tg' }), 'drain', {
      mode: 'deregister',
      maxRequestSeconds: 5,
    }),
    'hosts.0.instanceId',
    'i-0abc',
  );
  it('the host without one is named', () => {
    expect(errorsOf(dereg)).toEqual([
      "hosts[1].instanceId: required with drain.mode 'deregister' (the instance id is the target Id in the target group, e.g. i-0abc1234def567890)",
    ]);
  });
  it('with both ids the config is valid', () => {
    expect(errorsOf(edit(dereg, 'hosts.1.instanceId', 'i-0def'))).toEqual([]);
  });
});

describe('bad input at the command line exits 2 before anything is touched', () => {
  // 127.0.0.1 port 1: were the tool to try to connect, it would be refused at once.
  const local = () =>
    edit(
      edit(base, 'hosts', [
        { name: 'a', host: '127.0.0.1', port: 1, user: 'x' },
        { name: 'b', host: '127.0.0.1', port: 1, user: 'x' },
      ]),
      'ssh',
      { connectAttempts: 1, connectTimeoutSeconds: 1 },
    );

  it('a config whose getter throws', async () => {
    const dir = tempDir();
    writeConfig(
      dir,
      `const c = ${JSON.stringify(local())};\nexport default { ...c, get strategy() { throw new Error('boom from a getter'); } };\n`,
    );
    const io = captureIo(dir);
    expect(await main(['plan'], io)).toBe(2);
    expect(io.err()).toMatch(/deploy\.config\.ts: threw while being read: Error: boom from a getter/);
  });

  it.each([[','], [' , '], ['']])('--hosts %j selects no host', async (filter) => {
    const dir = tempDir();
    writeConfig(dir, local());
    for (const argv of [
      ['plan', '--hosts', filter],
      ['run', '--yes', '--hosts', filter],
    ]) {
      const io = captureIo(dir);
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.err()).toMatch(/--hosts names no host/);
    }
  });

  it('--report-dir pointing at a file', async () => {
    const dir = tempDir();
    writeConfig(dir, local());
    writeConfig(dir, 'not a directory\n', 'report-file');
    const io = captureIo(dir);
    expect(await main(['run', '--yes', '--report-dir', 'report-file'], io)).toBe(2);
    expect(io.err()).toMatch(/--report-dir .*report-file is not a directory/);
    expect(io.err()).not.toMatch(/cannot connect|ECONNREFUSED/);
  });
});
