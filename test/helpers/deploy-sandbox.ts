// Drives the real CLI against the sandbox: a config file pointing at it, the CLI as a child
// process (so SIGINT is real), its live events, and the host's own view over SSH.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_SOURCE_DIR } from '../../scripts/sandbox/app.ts';
import { ELBV2, KNOWN_HOSTS, SSH_KEY } from '../../scripts/sandbox/contract.ts';
import { startLoad } from '../../scripts/sandbox/load.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import type { MemorySection, Report } from '../../src/report/report.ts';
import { BIN } from './cli.ts';
import { tempDir } from './config.ts';

export type Overrides = {
  app?: Record<string, unknown>;
  hosts?: number;
  extra?: Record<string, unknown>;
  knownHosts?: string;
  source?: string;
};

export function sandboxConfig(state: SandboxState, o: Overrides = {}): { dir: string; file: string } {
  const dir = tempDir();
  const source = o.source ?? APP_SOURCE_DIR;
  const config = {
    app: {
      name: 'demo',
      dir: '/srv/handoff',
      port: 8080,
      health: { path: '/health', timeoutSeconds: 40 },
      source: { dir: source },
      build: {
        // The build's heap comes from sandbox/app/gradle.properties (-Xmx528m: 400 MB held).
        command: 'BUILD_SECONDS=3 sh build.sh',
        artifact: 'build/app.jar',
        estimateSeconds: 6,
      },
      start: { command: 'java -Xms64m -Xmx320m -jar build/app.jar', env: { HEAP_MB: '200' }, bootSeconds: 3 },
      stop: { graceSeconds: 10 },
      ...o.app,
    },
    hosts: state.hosts.slice(0, o.hosts ?? state.hosts.length).map((h) => ({
      name: h.name,
      host: h.ip,
      user: 'root',
      privateKeyPath: SSH_KEY,
      instanceId: h.instanceId,
    })),
    loadBalancer: { healthCheck: state.healthCheck, deregistrationDelaySeconds: 30 },
    drain: { mode: 'termination', responseSeconds: 0.05, marginSeconds: 1, model: 'fixed-delay' },
    ssh: { knownHostsPath: o.knownHosts ?? KNOWN_HOSTS },
    report: { dir: join(dir, 'report') },
    ...o.extra,
  };
  const file = join(dir, 'deploy.config.ts');
  writeFileSync(file, `export default ${JSON.stringify(config, null, 2)};\n`);
  return { dir, file };
}

/** A copy of the app's sources without its build output, to change or to build without touching sandbox/app. */
export function appSourceCopy(): string {
  const dir = join(tempDir(), 'app');
  mkdirSync(dir, { recursive: true });
  cpSync(APP_SOURCE_DIR, dir, { recursive: true, filter: (p) => !/\/build(\/|$)/.test(p) });
  return dir;
}

/** A copy of the app's sources that fails to build (FakeGradle refuses when BREAK_BUILD exists). */
export function brokenSource(): string {
  const dir = appSourceCopy();
  writeFileSync(join(dir, 'BREAK_BUILD'), 'on purpose\n');
  return dir;
}

export type CliRun = {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
};

export function startCli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  as: { uid?: number; gid?: number } = {},
): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    ...as,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function events(reportDir: string): Record<string, unknown>[] {
  const file = join(reportDir, 'events.ndjson');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

export async function waitForEvent(
  reportDir: string,
  match: (e: Record<string, unknown>) => boolean,
  timeoutMs = 120_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (events(reportDir).some(match)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no matching event within ${timeoutMs} ms`);
}

/** What the host itself says: current release, whether /health answers 200, and the PID file's process. */
export async function hostView(
  ip: string,
): Promise<{ current: string; health: string; pid: string; alive: boolean }> {
  const r = await sshRun(
    ip,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    'c=$(readlink /srv/handoff/current); h=$(curl -s -o /dev/null -m 2 -w "%{http_code}" http://127.0.0.1:8080/health); p=$(cat /srv/handoff/app.pid 2>/dev/null); a=no; [ -n "$p" ] && kill -0 "$p" 2>/dev/null && a=yes; echo "${c##*/} $h $p $a"',
    { allowFail: true },
  );
  const [current = '', health = '', pid = '', alive = ''] = r.stdout.trim().split(' ');
  return { current, health, pid, alive: alive === 'yes' };
}

export async function pidAlive(ip: string, pid: number): Promise<boolean> {
  const r = await sshRun(ip, `kill -0 ${pid} 2>/dev/null && echo yes || echo no`, { allowFail: true });
  return r.stdout.trim() === 'yes';
}

/** The memory budget row a report carries per host (src/engine/memory-budget, docs/contracts.md). */
export type BudgetRow = {
  host: string;
  predictedPercent: number;
  predictedMb: number;
  totalMb: number;
  measuredPeakPercent: number | null;
  oldJvmMb: number;
};

/**
 * report.json as the sandbox tests read it: the product's own `Report` type (so a renamed field
 * fails to compile here), with the memory section's extra fields spelled out.
 */
export type FullReport = Omit<Report, 'memory'> & {
  memory:
    | (MemorySection & {
        missedSamples: number;
        peakPerStep?: Record<string, number>;
        budget?: BudgetRow[];
        samples: { host: string; step: string }[];
      })
    | null;
};

/** report.json in a report directory (`--report-dir`). */
export function readReportAt(reportDir: string): FullReport {
  return JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as FullReport;
}

/** report.json of a deploy run in `dir` with the default report directory. */
export function readReport(dir: string): FullReport {
  return readReportAt(join(dir, 'report'));
}

/** Runs `fn` under steady load through HAProxy and returns the load's counts with its result. */
export async function underLoad<T>(
  fn: () => Promise<T>,
  extra: { url: string; rate: number }[] = [],
): Promise<{ value: T; failed: number; total: number }> {
  const loads = [
    startLoad({ rate: 40, seconds: 900 }),
    ...extra.map((e) => startLoad({ ...e, seconds: 900 })),
  ];
  try {
    const value = await fn();
    await new Promise((r) => setTimeout(r, 1000));
    for (const l of loads) l.stop();
    const results = await Promise.all(loads.map((l) => l.done));
    return {
      value,
      failed: results.reduce((n, r) => n + r.failed, 0),
      total: results.reduce((n, r) => n + r.total, 0),
    };
  } finally {
    for (const l of loads) l.stop();
  }
}

/** Deregister mode through the sandbox's ELBv2 endpoint (the real SDK client, a local endpoint). */
export const DEREGISTER: Overrides = {
  extra: {
    loadBalancer: {
      targetGroup: ELBV2.targetGroupName,
      region: ELBV2.region,
      endpoint: `http://127.0.0.1:${ELBV2.port}`,
    },
    drain: { mode: 'deregister', maxRequestSeconds: 5, marginSeconds: 1 },
  },
};

export function deregisterConfig(state: SandboxState): { dir: string; file: string } {
  return sandboxConfig(state, DEREGISTER);
}
