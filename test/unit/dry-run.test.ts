// What `deploy run --dry-run` prints for a reader: each fact once, the commands it would send (with
// -v their exact shell text, secrets masked), and the warnings a real run gives too.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';

async function cli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const io = captureIo(cwd, env);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const SECRET = 'S3cret-db-pass-never-shown';

describe('run --dry-run', () => {
  it('names the release directory once on the upload line', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(baseConfig(), 'app.source', { dir: '.' }));
    const { code, out } = await cli(['run', '--dry-run'], dir);
    expect(code).toBe(0);
    const upload = out.split('\n').filter((l) => /\[a\] upload ok/.test(l));
    expect(upload).toHaveLength(1);
    expect(upload[0]!.match(/\/srv\/demo\/releases\/\d{8}T\d{6}Z/g)).toHaveLength(1);
  });

  it('collapses a command repeated back to back into one line with a count', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(baseConfig(), 'app.source', { dir: '.' }));
    const { out } = await cli(['run', '--dry-run'], dir);
    const samples = out.split('\n').filter((l) => /^ {2}a +traffic\.sample/.test(l));
    // One wait, one line: the 1-Hz samples of the 17.1 s bound are counted, not listed.
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatch(/ \(x\d+\)$/);
  });

  it('no line ends in a space (the stop line had one: the recorded stop answers nothing)', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(baseConfig(), 'app.source', { dir: '.' }));
    const { code, out } = await cli(['run', '--dry-run'], dir);
    expect(code).toBe(0);
    expect(out).toMatch(/\[a\] stop ok/);
    expect(out.split('\n').filter((l) => / $/.test(l))).toEqual([]);
  });

  it('shows the hooks: their steps in the plan and the commands they would send, secrets masked', async () => {
    const dir = tempDir();
    const hooks = {
      beforeDrain: { run: `./bin/migrate --password ${SECRET}` },
      afterDeploy: { run: './notify deployed', where: 'local' },
      onFailure: { run: './notify failed', where: 'local' },
    };
    const config = edit(edit(edit(baseConfig(), 'app.source', { dir: '.' }), 'hooks', hooks), 'app.start', {
      command: 'java -jar app.jar',
      env: { DB_PASSWORD: SECRET },
    });
    writeConfig(dir, config);
    const { code, out, err } = await cli(['run', '--dry-run', '-v'], dir);
    expect(code, err).toBe(0);
    expect(out).toMatch(/^Hooks \(/m);
    expect(out).toMatch(/^ {2}onFailure +\.\/notify failed {2}\(local, at most 300 s\)$/m);
    expect(out).toMatch(
      /^ {2}a +beforeDrain +[\d.]+ s +~1 s +estimate; hook beforeDrain: \.\/bin\/migrate --password \*\*\* \(host\)/m,
    );
    expect(out).toMatch(/\[a\] beforeDrain ok/);
    // The hook's command as the host would get it, with its context on stdin; a local one under 'local'.
    expect(out).toMatch(
      / {2}a +hook\n {4}sh -c '.*' handoff \/srv\/demo\/releases\/\S+ 300 '\.\/bin\/migrate --password \*\*\*'/s,
    );
    expect(out).toMatch(/HANDOFF_HOOK=beforeDrain\n(.*\n)*? {4}HANDOFF_DRY_RUN=1/);
    expect(out).toMatch(/ {2}local +hook\n/);
    expect(out + err).not.toContain(SECRET);
    const plan = await cli(['plan', '--json'], dir);
    expect(plan.out).not.toContain(SECRET);
    expect(JSON.parse(plan.out).hooks).toHaveLength(3);
  });

  it('prints the exact shell text of each command with -v, secrets masked', async () => {
    const dir = tempDir();
    writeConfig(
      dir,
      edit(edit(baseConfig(), 'app.source', { dir: '.' }), 'app.start', {
        command: 'java -jar app.jar',
        env: { DB_PASSWORD: SECRET },
      }),
    );
    const short = await cli(['run', '--dry-run'], dir);
    const verbose = await cli(['run', '--dry-run', '-v'], dir);
    expect(verbose.code).toBe(0);
    // The script of jvm.stop as it goes over SSH: sh -c '...' handoff <pid> <grace>.
    expect(verbose.out).toMatch(/jvm\.stop\n {4}sh -c '.*\n {4}kill -TERM "\$1"/s);
    expect(verbose.out).toMatch(/ handoff 4242 30\n/);
    expect(short.out).not.toMatch(/sh -c '/);
    for (const r of [short, verbose]) {
      expect(r.out + r.err).not.toContain(SECRET);
      expect(r.out).toMatch(/DB_PASSWORD=\*\*\*/);
    }
    expect((await cli(['run', '--dry-run', '--verbose'], dir)).out).toMatch(/jvm\.stop\n {4}sh -c '/);
  });
});

describe('uncommitted changes', () => {
  it('a real run warns that they are not deployed, before it touches a host', async () => {
    const repo = tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
    git('init', '-q');
    const config = edit(
      edit(baseConfig(), 'hosts', [{ name: 'a', host: '127.0.0.1', port: 9, user: 'nobody' }]),
      'ssh',
      { knownHostsPath: join(repo, 'known_hosts'), connectTimeoutSeconds: 1 },
    );
    writeConfig(repo, config);
    writeFileSync(join(repo, 'known_hosts'), '');
    writeFileSync(join(repo, 'App.java'), 'class App {}\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    writeFileSync(join(repo, 'App.java'), 'class App { int x; }\n');
    const r = await cli(['run', '--yes', '--allow-downtime'], repo);
    expect(r.code).not.toBe(0); // nothing listens on port 9
    expect(r.out + r.err).toMatch(/uncommitted changes are not deployed: .*App\.java/);
  });
});
