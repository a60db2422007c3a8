// The fault matrix: one row per fault, each run as a real `deploy run --hosts h1` under load in
// the sandbox (h2 stays healthy and untouched), each asserting the documented exit code, the
// release h1 serves afterwards (health 200 from the process on record), 0 failed requests through
// the load balancer and every lock released. Split across deploy-faults-matrix-N.test.ts files
// (the `file` column) so each stays short; the README's table is generated from these rows and
// the last recorded results (npm run fault-matrix, checked by test/unit/fault-matrix.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ELBV2 } from '../../scripts/sandbox/contract.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { HostState, SandboxState } from '../../scripts/sandbox/state.ts';
import {
  brokenSource,
  type CliRun,
  DEREGISTER,
  type Overrides,
  sandboxConfig,
  startCli,
  waitForEvent,
} from '../helpers/deploy-sandbox.ts';
import { armFault, dropSshNow, type HostFault, whenPaused } from '../helpers/host-faults.ts';

export type Ctx = { state: SandboxState; h1: HostState; h2: HostState; dir: string; reportDir: string };
export type Exit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };
/** What a row's drive returns: the run whose exit and report the row asserts. */
export type Driven = { exit: Exit; reportDir: string };

export type Row = {
  id: string;
  /** Which deploy-faults-matrix-N.test.ts runs it. */
  file: number;
  fault: string;
  /** How the sandbox injects it (README). */
  how: string;
  exit: number;
  /** Release h1 serves afterwards: the one from before the row, or the row's new one. */
  serving: 'old' | 'new';
  config?: Overrides;
  /** Environment for the CLI (the load-balancer rows: static credentials for the local endpoint). */
  env?: NodeJS.ProcessEnv;
  /** Replaces the default drive (start the CLI, inject, wait). */
  drive?: (ctx: Ctx) => Promise<Driven>;
  /** Injects the fault while the CLI runs (default drive). */
  during?: (ctx: Ctx, cli: CliRun) => Promise<void>;
  /** Extra assertions, after the common ones. */
  check?: (ctx: Ctx, driven: Driven) => Promise<void> | void;
  /** Always runs: puts the sandbox back. */
  cleanup?: (ctx: Ctx) => Promise<void>;
};

/** A build that holds `mb` MB for `seconds` (FakeGradle), then compiles the app. */
const build = (seconds: number, mb: number) => ({
  command: `BUILD_SECONDS=${seconds} BUILD_MB=${mb} sh build.sh`,
  artifact: 'build/app.jar',
  estimateSeconds: seconds + 3,
});

// A quick release: a 1 s build of 100 MB (the build's own JVM compiles the app), fast health polls.
export const MATRIX_CONFIG: Overrides = {
  app: {
    health: { path: '/health', timeoutSeconds: 40, intervalSeconds: 0.25 },
    build: build(1, 100),
  },
};

// Checks every second, DOWN after 2 failures, UP after 3 passes: a JVM that dies within ~1.3 s
// of answering healthy is never routed to (the dies-after-healthy row), and drains stay short.
export const MATRIX_SANDBOX = {
  hosts: 2,
  healthCheck: { intervalSeconds: 1, timeoutSeconds: 0.5, unhealthyThreshold: 2, healthyThreshold: 3 },
};

export const ARGS = ['run', '--hosts', 'h1'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const atStep = (ctx: Ctx, step: string) =>
  waitForEvent(ctx.reportDir, (e) => e.kind === 'step:start' && e.step === step && e.host === 'h1');

/** The remote scripts' own text, one unique piece per command a row aims at. */
export const COMMAND_TEXT = {
  'state.read': 'cur=$(readlink',
  'release.extract': 'tar -xf -',
  'drain.post': '-X POST',
  'jvm.stop': 'kill -TERM "$1"',
  'build.run': 'setsid -w',
  'release.switch': 'ln -sfn',
  'jvm.start': 'echo $! > "$pidfile"',
  'health.probe': '-m 2 -w',
} as const;
type Aimed = keyof typeof COMMAND_TEXT;

const hook = (cmd: Aimed, fault: HostFault) => async (ctx: Ctx, _cli: CliRun) =>
  armFault(ctx.h1, COMMAND_TEXT[cmd], fault);

function sshDrop(step: string, cmd: Aimed | 'now', exit: number, serving: 'old' | 'new', file: number): Row {
  return {
    id: `ssh-drop-${step}`,
    file,
    fault: `SSH dropped during ${step}`,
    how:
      cmd === 'now'
        ? `every SSH connection of h1 reset (\`ss -K\`) as ${step} starts (no command in flight)`
        : `every SSH connection of h1 reset while \`${cmd}\` runs (the command still runs, its answer is lost)`,
    exit,
    serving,
    ...(cmd === 'now'
      ? {
          during: async (ctx: Ctx) => {
            await atStep(ctx, step);
            await dropSshNow(ctx.h1);
          },
        }
      : { during: hook(cmd, 'drop') }),
  };
}

function sigint(step: string, at: Aimed | number, exit: number, serving: 'old' | 'new', file: number): Row {
  return {
    id: `sigint-${step}${typeof at === 'string' && at === 'release.switch' ? '-switch' : ''}`,
    file,
    fault: `SIGINT during ${step}${typeof at === 'string' ? ` (while \`${at}\` runs)` : ''}`,
    how:
      typeof at === 'string'
        ? `\`${at}\` held 2 s on h1, SIGINT to the CLI meanwhile`
        : `SIGINT to the CLI ${at} ms after ${step} starts`,
    exit,
    serving,
    during: async (ctx, cli) => {
      if (typeof at === 'string') {
        await armFault(ctx.h1, COMMAND_TEXT[at], 'pause:2');
        await whenPaused(ctx.h1);
      } else {
        await atStep(ctx, step);
        await sleep(at);
      }
      cli.child.kill('SIGINT');
    },
  };
}

const lbConfig = DEREGISTER;
const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_REGION: ELBV2.region,
};
type FaultRule = { action: string; code: string; status: number; times: number };
const faultsFile = (ctx: Ctx) => join(dirname(ctx.state.elbv2?.log ?? '.'), 'faults.json');
const lbFaults = (rules: FaultRule[]) => async (ctx: Ctx) => {
  writeFileSync(faultsFile(ctx), `${JSON.stringify(rules)}\n`);
};
const lbFaultsSpent = (ctx: Ctx) => {
  const rules = JSON.parse(readFileSync(faultsFile(ctx), 'utf8')) as FaultRule[];
  return rules.filter((r) => r.times > 0);
};

export const ROWS: Row[] = [
  {
    id: 'none',
    file: 1,
    fault: 'none (control): `--hosts h1`, h2 healthy and left alone',
    how: 'nothing injected',
    exit: 0,
    serving: 'new',
  },
  {
    id: 'build-fails',
    file: 1,
    fault: 'the build fails',
    how: 'a `BREAK_BUILD` file in the source: the build exits 1 after its hold',
    exit: 1,
    serving: 'old',
    config: { source: 'broken' },
  },
  {
    id: 'never-healthy',
    file: 8,
    fault: 'the new JVM never becomes healthy',
    how: '`BOOT_DELAY_MS=600000`, health timeout 8 s',
    exit: 1,
    serving: 'old',
    config: {
      app: {
        health: { path: '/health', timeoutSeconds: 8, intervalSeconds: 0.25 },
        start: { command: 'java -Xmx320m -jar build/app.jar', env: { BOOT_DELAY_MS: '600000' } },
      },
    },
  },
  {
    id: 'dies-after-healthy',
    file: 1,
    fault: 'the new JVM dies after it was healthy (before settle)',
    how: '`CRASH_AFTER_HEALTHY_MS=300`: the app halts 0.3 s after its first healthy answer to the tool',
    exit: 1,
    serving: 'old',
    config: {
      app: { start: { command: 'java -Xmx320m -jar build/app.jar', env: { CRASH_AFTER_HEALTHY_MS: '300' } } },
    },
    check: (_ctx, d) => {
      if (!/settle FAILED/.test(d.exit.stdout)) throw new Error('the settle step did not fail');
    },
  },
  sshDrop('preflight', 'state.read', 1, 'old', 2),
  sshDrop('upload', 'release.extract', 1, 'old', 2),
  sshDrop('drain', 'drain.post', 1, 'old', 2),
  sshDrop('wait', 'now', 0, 'new', 2),
  sshDrop('stop', 'jvm.stop', 1, 'old', 2),
  sshDrop('build', 'build.run', 1, 'old', 3),
  sshDrop('start', 'jvm.start', 1, 'old', 3),
  sshDrop('health', 'health.probe', 0, 'new', 3),
  sshDrop('admit', 'now', 0, 'new', 3),
  sshDrop('settle', 'now', 0, 'new', 2),
  sigint('preflight', 0, 1, 'old', 4),
  sigint('upload', 0, 1, 'old', 4),
  sigint('drain', 'drain.post', 1, 'old', 4),
  sigint('wait', 500, 1, 'old', 4),
  sigint('stop', 'jvm.stop', 1, 'old', 4),
  sigint('build', 1000, 1, 'old', 5),
  sigint('start', 'release.switch', 1, 'old', 5),
  sigint('start', 'jvm.start', 1, 'old', 5),
  sigint('health', 300, 1, 'old', 5),
  {
    id: 'settle-probe-lost',
    file: 8,
    fault: 'the settle fails while the new JVM serves',
    how: "every SSH connection of h1 reset while the settle's last `health.probe` runs: its answer is lost, the settle fails after every node routes to the new JVM",
    exit: 1,
    serving: 'old',
    during: async (ctx) => {
      await atStep(ctx, 'settle');
      await armFault(ctx.h1, COMMAND_TEXT['health.probe'], 'drop');
    },
    check: (_ctx, d) => {
      if (!/settle FAILED/.test(d.exit.stdout)) throw new Error('the settle step did not fail');
    },
  },
  // Once the new JVM is healthy the host finishes; with every selected host deployed, exit 0.
  sigint('admit', 0, 0, 'new', 8),
  sigint('settle', 0, 0, 'new', 4),
  {
    id: 'sigkill',
    file: 6,
    fault: 'SIGKILL of the CLI (during the build), then `status`, `unlock` and a new `run`',
    how: '`kill -9` of the CLI; the lock is left behind, h1 drained and stopped; the new run stops the orphaned build',
    exit: 0,
    serving: 'new',
    config: { app: { build: build(30, 100) } },
    drive: async (ctx) => {
      const cli = startCli(ARGS, ctx.dir);
      await atStep(ctx, 'build');
      await sleep(1000);
      cli.child.kill('SIGKILL');
      await cli.done;
      const status = await startCli(['status', '--json', '--hosts', 'h1'], ctx.dir).done;
      const lock = (JSON.parse(status.stdout) as { hosts: { lock: { pid: number } | null }[] }).hosts[0]!
        .lock;
      if (lock?.pid !== cli.child.pid)
        throw new Error(`status does not show the dead deploy's lock: ${status.stdout}`);
      const refused = await startCli([...ARGS, '--report-dir', `${ctx.dir}/refused`], ctx.dir).done;
      if (refused.code !== 3 || !/looks stale/.test(refused.stderr))
        throw new Error(`a run over the stale lock was not refused with exit 3: ${refused.stderr}`);
      const unlock = await startCli(['unlock', '--hosts', 'h1'], ctx.dir).done;
      if (!/removed the lock/.test(unlock.stdout))
        throw new Error(`unlock: ${unlock.stdout}${unlock.stderr}`);
      // The recovering run builds quickly; the dead run's 30 s build is still going on h1.
      const { dir } = sandboxConfig(ctx.state, MATRIX_CONFIG);
      const again = startCli(ARGS, dir);
      return { exit: await again.done, reportDir: join(dir, 'report') };
    },
    check: (_ctx, d) => {
      if (!/stopped the build \(process group \d+\) an earlier deploy left running/.test(d.exit.stdout))
        throw new Error('the recovering run did not stop the orphaned build');
    },
  },
  {
    id: 'lock-contention',
    file: 6,
    fault: 'a second deploy while the first holds the lock',
    how: "a second `run` during the first one's build: exit 3 within seconds, naming the owner, writing nothing on h1",
    exit: 0,
    serving: 'new',
    config: { app: { build: build(8, 100) } },
    drive: async (ctx) => {
      const first = startCli(ARGS, ctx.dir);
      await atStep(ctx, 'build');
      const before = await marks(ctx.h1);
      const t0 = Date.now();
      const second = await startCli([...ARGS, '--report-dir', `${ctx.dir}/second`], ctx.dir).done;
      const seconds = (Date.now() - t0) / 1000;
      if (second.code !== 3 || !/another deploy holds the lock on h1: root@/.test(second.stderr))
        throw new Error(`second run: exit ${second.code}: ${second.stderr}`);
      // Within seconds, not after the first run's end (exit 3, not 0, already says it did not wait):
      // 0.5-2 s on a quiet machine, 6.4-6.6 s at load 16-20 on 2 cores (CLI start and two SSH handshakes).
      if (seconds > 12) throw new Error(`the refused run took ${seconds} s to exit`);
      const after = await marks(ctx.h1);
      if (after !== before) throw new Error(`the refused run touched h1's marks: ${before} -> ${after}`);
      return { exit: await first.done, reportDir: ctx.reportDir };
    },
  },
  {
    id: 'lb-throttled',
    file: 6,
    fault: 'load-balancer API throttled',
    how: 'the ELBv2 endpoint answers `Throttling` (400) to DeregisterTargets twice and to DescribeTargetHealth three times',
    exit: 0,
    serving: 'new',
    config: lbConfig,
    env: AWS_ENV,
    during: lbFaults([
      { action: 'DeregisterTargets', code: 'Throttling', status: 400, times: 2 },
      { action: 'DescribeTargetHealth', code: 'Throttling', status: 400, times: 3 },
    ]),
    check: (ctx) => {
      if (lbFaultsSpent(ctx).length) throw new Error('not every injected throttle was hit');
    },
  },
  {
    id: 'lb-5xx',
    file: 7,
    fault: 'load-balancer API 5xx, then answers again',
    how: 'the ELBv2 endpoint answers `InternalFailure` (500) to RegisterTargets twice',
    exit: 0,
    serving: 'new',
    config: lbConfig,
    env: AWS_ENV,
    during: lbFaults([{ action: 'RegisterTargets', code: 'InternalFailure', status: 500, times: 2 }]),
    check: (ctx) => {
      if (lbFaultsSpent(ctx).length) throw new Error('not every injected 5xx was hit');
    },
  },
  {
    id: 'lb-5xx-persistent',
    file: 7,
    fault: 'load-balancer API 5xx for good',
    how: 'the ELBv2 endpoint answers `ServiceUnavailable` (503) to every DeregisterTargets',
    exit: 1,
    serving: 'old',
    config: lbConfig,
    env: AWS_ENV,
    during: lbFaults([{ action: 'DeregisterTargets', code: 'ServiceUnavailable', status: 503, times: -1 }]),
    cleanup: lbFaults([]),
  },
  {
    id: 'build-oom',
    file: 7,
    fault: 'the build OOM-killed by the cgroup',
    how: "a build holding 1100 MB in the host's 1 GiB cgroup",
    exit: 1,
    serving: 'old',
    config: { app: { build: build(5, 1100) } },
    check: (_ctx, d) => {
      const report = JSON.parse(readFileSync(join(d.reportDir, 'report.json'), 'utf8')) as {
        memory: { oomKills: number };
      };
      if (!(report.memory.oomKills >= 1)) throw new Error(`oomKills ${report.memory.oomKills}`);
    },
  },
  {
    id: 'disk-full',
    file: 7,
    fault: 'disk full on the host during the upload',
    how: "a tmpfs over h1's `releases/` (copied in), its free space taken by a filler file",
    exit: 1,
    serving: 'old',
    during: async (ctx) => {
      await sshRun(
        ctx.h1.ip,
        `set -e; cd /srv/handoff
mkdir -p /tmp/releases.copy && cp -a releases/. /tmp/releases.copy/
kb=$(du -sk /tmp/releases.copy | cut -f1)
mount -t tmpfs -o size=$((kb + 512))k handoff-full releases && cp -a /tmp/releases.copy/. releases/
dd if=/dev/zero of=releases/.filler bs=4k 2>/dev/null || true; rm -rf /tmp/releases.copy`,
      );
    },
    check: (_ctx, d) => {
      if (!/No space left on device/.test(d.exit.stdout))
        throw new Error('the upload did not fail for space');
    },
    cleanup: async (ctx) => {
      await sshRun(ctx.h1.ip, 'umount -l /srv/handoff/releases 2>/dev/null; true', { allowFail: true });
    },
  },
  {
    id: 'report-dir-unwritable',
    file: 7,
    fault: 'the report directory becomes unwritable mid-deploy',
    how: 'a read-only bind mount over the report directory once h1 starts',
    exit: 0,
    serving: 'new',
    during: async (ctx) => {
      await waitForEvent(ctx.reportDir, (e) => e.kind === 'host:start');
      execFileSync('mount', ['--bind', ctx.reportDir, ctx.reportDir]);
      execFileSync('mount', ['-o', 'remount,ro,bind', ctx.reportDir]);
    },
    check: (_ctx, d) => {
      if (!/report not written|could not write/.test(d.exit.stdout + d.exit.stderr))
        throw new Error('no warning about the report');
    },
    cleanup: async (ctx) => {
      try {
        execFileSync('umount', [ctx.reportDir], { stdio: 'ignore' });
      } catch {}
    },
  },
];

async function marks(h: HostState): Promise<string> {
  const r = await sshRun(
    h.ip,
    'cd /srv/handoff/.handoff/marks && cat step build.pgid 2>/dev/null | tr "\\n" " "',
  );
  return r.stdout.trim();
}

export function rowConfig(state: SandboxState, row: Row): { dir: string; reportDir: string } {
  const o = { ...MATRIX_CONFIG, ...row.config };
  const app = { ...(MATRIX_CONFIG.app ?? {}), ...(row.config?.app ?? {}) };
  const { dir } = sandboxConfig(state, {
    ...o,
    app,
    ...(row.config?.source === 'broken' ? { source: brokenSource() } : {}),
  });
  return { dir, reportDir: join(dir, 'report') };
}

/** Where each row's last result goes (gitignored); `npm run fault-matrix` collects them. */
export const RESULTS_DIR = join(import.meta.dirname, '..', '.tmp', 'fault-matrix');

export type RowResult = {
  id: string;
  exit: number | null;
  serving: 'old' | 'new';
  failed: number;
  total: number;
  seconds: number;
  at: string;
};

export function saveResult(r: RowResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${r.id}.json`), `${JSON.stringify(r)}\n`);
}
