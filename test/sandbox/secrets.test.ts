// Secrets on a real host (issue 12, items 10, 11, 13): app.start.env values and the credentials of
// app.source.git.url appear in no argv on the host (every execve traced), in no output (log, events,
// report, summaries, dry run), in no world-readable file; the start spec is mode 0600. An app
// started by hand with a multi-line value (a PEM key) is adopted and restored with the value intact,
// and nothing in it runs. All under load through HAProxy, with every failed request counted.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { BRIDGE_IP } from '../../scripts/sandbox/contract.ts';
import { waitForServers } from '../../scripts/sandbox/haproxy.ts';
import { INITIAL_START, waitForApp } from '../../scripts/sandbox/hosts.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { hostView, sandboxConfig, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { traceExecs } from '../helpers/exec-trace.ts';
import { startGitServer } from '../helpers/git-http.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const SECRET = 'db-Pa55w0rd-must-not-show';
const TOKEN = 'ghp-t0ken-must-not-show';
const PEM_LINE = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
// One host is deployed (h1); h2 keeps serving. --allow-downtime only because the last-healthy
// guard probes the selected hosts alone for now (issue 12, item 18); the load still counts every
// failed request.
const ONE_HOST = ['--hosts', 'h1', '--allow-downtime'];
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_LINE}\n-----END PRIVATE KEY-----`;

/** Every regular file under dir that others may read. */
function worldReadable(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = join(entry.parentPath, entry.name);
    if (entry.isFile() && statSync(file).mode & 0o004) out.push(file);
  }
  return out;
}

/** Machine-wide: the argv of every process now running (the hosts' PID namespaces included). */
function allArgv(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p)))
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {} // gone meanwhile
  return out;
}

sandboxDescribe('secrets on a sandbox host', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });

  it('env values and git credentials: in no argv on the host, no output, no world-readable file', async () => {
    const h1 = state.hosts[0]!;
    const git = await startGitServer({ host: BRIDGE_IP, user: 'deploy', password: TOKEN });
    try {
      const { dir } = sandboxConfig(state, {
        app: {
          source: { git: { url: git.url, ref: 'main' } },
          start: {
            command: INITIAL_START,
            env: { HEAP_MB: '200', DB_PASSWORD: SECRET, TLS_KEY: PEM },
            bootSeconds: 3,
          },
        },
      });
      const secrets = [SECRET, TOKEN, PEM_LINE];
      const dry = await startCli(['run', '--dry-run', ...ONE_HOST], dir).done;
      expect(dry.code, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/'DB_PASSWORD=\*\*\*'/);
      for (const s of secrets) expect(dry.stdout + dry.stderr).not.toContain(s);

      const summary = join(dir, 'step-summary.md');
      writeFileSync(summary, '');
      const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
      const trace = await traceExecs(h1);
      let execs: string[] = [];
      const { value: run, failed } = await underLoad(async () => {
        try {
          return await startCli(['run', ...ONE_HOST], dir, env).done;
        } finally {
          execs = await trace.stop();
        }
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(failed, run.stdout).toBe(0);
      expect(git.authorized()).toBeGreaterThan(0); // the credentials really went to git
      const report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8'));

      // The trace saw the fetch and the start (it watched), and no argv held a secret.
      expect(execs.some((l) => l.includes('"fetch"') && l.includes('"--"'))).toBe(true);
      expect(execs.some((l) => /"java", "-Xms64m"/.test(l))).toBe(true);
      for (const s of secrets) expect(execs.filter((l) => l.includes(s))).toEqual([]);
      for (const s of secrets) expect(allArgv().filter((a) => a.includes(s))).toEqual([]);

      // No output shows one: the log, the step summary and every file of the report directory.
      const outputs: [string, string][] = [
        ['stdout', run.stdout],
        ['stderr', run.stderr],
        ['step summary', readFileSync(summary, 'utf8')],
        ...readdirSync(join(dir, 'report')).map((f): [string, string] => [
          f,
          readFileSync(join(dir, 'report', f), 'utf8'),
        ]),
      ];
      for (const [name, text] of outputs)
        for (const s of secrets) expect(text.includes(s), `${name} shows a secret`).toBe(false);
      expect(JSON.stringify(report)).toContain(`http://***@${BRIDGE_IP}`); // the URL is shown, masked

      // On the host: the spec is 0600 (it must hold the values: a rollback restarts with them),
      // the JVM got them, and no file others can read holds one.
      const spec = `/srv/handoff/releases/${report.releaseId}/.handoff-start`;
      const mode = await sshRun(h1.ip, `stat -c %a ${spec}`);
      expect(mode.stdout.trim()).toBe('600');
      const view = await hostView(h1.ip);
      const environ = await sshRun(h1.ip, `base64 -w0 /proc/${view.pid}/environ`);
      const vars = Buffer.from(environ.stdout, 'base64').toString('utf8').split('\0');
      expect(vars).toContain(`DB_PASSWORD=${SECRET}`);
      expect(vars).toContain(`TLS_KEY=${PEM}`);
      const leaks = worldReadable(h1.srvDir).filter((f) =>
        secrets.some((s) => readFileSync(f, 'latin1').includes(s)),
      );
      expect(leaks).toEqual([]);
    } finally {
      await git.close();
    }
  });

  it('an app started by hand with a multi-line env value is adopted and restored intact; nothing in it runs', async () => {
    const h1 = state.hosts[0]!;
    // Lines that, split on newlines and handed to `env`, would run `sh -c 'touch /tmp/PWNED'`.
    const value = `-----BEGIN KEY-----\nsh\n-c\ntouch /tmp/PWNED\nit's "quoted" $HOME\n-----END KEY-----`;
    // By hand, as a field script would: stop what serves, forget any recorded start, start the
    // current release with the value in its environment (read from stdin: no argv holds it).
    await sshRun(
      h1.ip,
      `pid=$(ss -Hltnp 'sport = :8080' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -1)
if [ -n "$pid" ]; then kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; fi
rm -f /srv/handoff/app.pid /srv/handoff/current/.handoff-start /tmp/PWNED
key=$(cat)
cd /srv/handoff/current || exit 1
TLS_KEY="$key" PORT=8080 setsid ${INITIAL_START} >> /srv/handoff/app.log 2>&1 < /dev/null &`,
      { input: value, timeoutMs: 60_000 },
    );
    // The app answers before the load starts (HAProxy may still call h1 UP from a check before the kill).
    await waitForApp(h1, h1.cgroup ?? '', 60_000);
    await waitForServers(state.haproxy!.socket, [h1.name], 'UP', 60_000);
    const before = await hostView(h1.ip);

    // A deploy whose new JVM never answers: the adopted release must come back as it ran.
    const { dir } = sandboxConfig(state, {
      app: {
        health: { path: '/health', timeoutSeconds: 8 },
        start: { command: INITIAL_START, env: { BOOT_DELAY_MS: '600000' } },
      },
    });
    const { value: run, failed } = await underLoad(() => startCli(['run', ...ONE_HOST], dir).done);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/rollback done/);
    expect(failed, run.stdout).toBe(0);

    const after = await hostView(h1.ip);
    expect(after.current).toBe(before.current);
    expect(after.health).toBe('200');
    const environ = await sshRun(h1.ip, `base64 -w0 /proc/${after.pid}/environ`);
    expect(Buffer.from(environ.stdout, 'base64').toString('utf8').split('\0')).toContain(`TLS_KEY=${value}`);
    expect((await sshRun(h1.ip, 'test -e /tmp/PWNED && echo yes || echo no')).stdout.trim()).toBe('no');
    const mode = await sshRun(h1.ip, 'stat -c %a /srv/handoff/current/.handoff-start');
    expect(mode.stdout.trim()).toBe('600');
  });
});
