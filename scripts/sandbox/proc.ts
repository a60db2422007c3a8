// Process helpers. PIDs are recorded with their start time so a PID reused by an unrelated process
// is never signalled, and zombies count as gone: PID 1 on these machines does not reap orphans.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';

export type Proc = { pid: number; start: string };
export type RunResult = { stdout: string; stderr: string; code: number };

export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; allowFail?: boolean; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        if (err && !opts.allowFail) {
          const why = stderr.trim() || err.message;
          reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${why}`));
        } else resolve({ stdout, stderr, code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces or parentheses. */
function statFields(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function procStart(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Running (not a zombie) and, when a start time is given, the same process that was recorded. */
export function isAlive(p: number | Proc): boolean {
  const pid = typeof p === 'number' ? p : p.pid;
  const f = statFields(pid);
  if (!f || f[0] === 'Z' || f[0] === 'X') return false;
  return typeof p === 'number' || f[19] === p.start;
}

export function procOf(pid: number): Proc {
  const start = procStart(pid);
  if (!start) throw new Error(`process ${pid} is not running`);
  return { pid, start };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after graceMs; returns once the process is gone. Unknown or reused PIDs are left alone. */
export async function stopProc(p: Proc, graceMs = 3000): Promise<void> {
  if (!isAlive(p)) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(p) && Date.now() < deadline) await sleep(50);
  if (isAlive(p)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {}
    for (let i = 0; i < 100 && isAlive(p); i++) await sleep(20);
  }
}

/**
 * Start a long-lived process in its own session, output appended to logFile, so it outlives the
 * command that started it. Returns once the process exists (or throws if it died at once).
 */
export async function spawnDetached(
  cmd: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Proc> {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env });
  fs.closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${cmd}`);
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });
  child.unref();
  await sleep(150);
  if (exited !== null || !isAlive(pid)) {
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`${cmd} exited at once (code ${exited}); ${logFile}:\n${tail}`);
  }
  return procOf(pid);
}

export function which(tool: string): string | undefined {
  if (tool.startsWith('/')) return fs.existsSync(tool) ? tool : undefined;
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = `${dir}/${tool}`;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

/** The machine-side PID of a process known by its PID inside a host's PID namespace (NSpid line). */
export function outerPid(candidates: number[], innerPid: number): number | undefined {
  for (const pid of candidates) {
    try {
      const m = /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      const ids = (m?.[1] ?? '').trim().split(/\s+/).map(Number);
      if (ids.length > 1 && ids.at(-1) === innerPid) return pid;
    } catch {}
  }
  return undefined;
}

export function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
