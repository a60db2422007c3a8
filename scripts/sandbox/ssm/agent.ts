// The sandbox's Systems Manager agent: runs inside a host (its network, mount, UTS and PID namespaces
// and its memory cgroup, as amazon-ssm-agent runs on an instance), long-polls the endpoint for work,
// runs AWS-RunShellScript as the real agent does and reports back.
//   node scripts/sandbox/ssm/agent.ts --endpoint http://10.213.7.1:14598 --instance i-... --data-dir DIR
// Like the real agent: the commands go to <orchestration>/_script.sh, run by `sh -c` as the leader of
// a process group of their own, stdout and stderr to files; an execution timeout or a cancel sends
// SIGKILL to that group only (exit 137), so whatever left the group (setsid, a build in its own group)
// keeps running. The environment is a service's: PATH only, no HOME. Node built-ins only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { endpoint: { type: 'string' }, instance: { type: 'string' }, 'data-dir': { type: 'string' } },
});
const endpoint = values.endpoint ?? '';
const instanceId = values.instance ?? '';
const dataDir = values['data-dir'] ?? '';
if (!endpoint || !instanceId || !dataDir) {
  process.stderr.write('usage: agent.ts --endpoint URL --instance ID --data-dir DIR\n');
  process.exit(2);
}

/** amazon-ssm-agent's CommandStoppedPreemptivelyExitCode on Linux: 128 + SIGKILL. */
const STOPPED_EXIT = 137;
/** amazon-ssm-agent's default CommandWorkersLimit: commands beyond it wait for a worker. */
const WORKERS = 5;
const SERVICE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

type Work = {
  commandId: string;
  commands: string[];
  workingDirectory: string;
  executionTimeoutSeconds: number;
};
const running = new Map<string, { pgid: number; cancelled: boolean }>();
const queue: Work[] = [];
const log = (m: string) => process.stderr.write(`[agent ${instanceId}] ${new Date().toISOString()} ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(route: string, body: object): Promise<unknown> {
  const res = await fetch(`${endpoint}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instanceId, ...body }),
  });
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status}`);
  return res.json();
}

async function report(body: object): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await post('/agent/report', body);
      return;
    } catch (e) {
      if (attempt % 10 === 0) log(`report failed, retrying: ${(e as Error).message}`);
      await sleep(Math.min(5000, 200 * 2 ** attempt));
    }
  }
}

function execute(w: Work): void {
  const dir = path.join(dataDir, 'orchestration', w.commandId, 'awsrunShellScript', '0.awsrunShellScript');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const script = path.join(dir, '_script.sh');
  fs.writeFileSync(script, `${w.commands.join('\n')}\n`, { mode: 0o700 });
  const out = fs.openSync(path.join(dir, 'stdout'), 'w', 0o600);
  const err = fs.openSync(path.join(dir, 'stderr'), 'w', 0o600);
  const cwd = w.workingDirectory || dir;
  const child = spawn('sh', ['-c', script], {
    cwd,
    env: SERVICE_ENV,
    stdio: ['ignore', out, err],
    detached: true,
  });
  fs.closeSync(out);
  fs.closeSync(err);
  const pgid = child.pid ?? 0;
  const entry = { pgid, cancelled: false };
  running.set(w.commandId, entry);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill(pgid);
  }, w.executionTimeoutSeconds * 1000);
  const finish = (code: number | null, error?: Error) => {
    clearTimeout(timer);
    running.delete(w.commandId);
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    const stopped = timedOut || entry.cancelled;
    void report({
      commandId: w.commandId,
      exitCode: stopped ? STOPPED_EXIT : (code ?? STOPPED_EXIT),
      stdout: read('stdout'),
      stderr: error ? `${read('stderr')}${error.message}\n` : read('stderr'),
      outcome: entry.cancelled ? 'cancelled' : timedOut ? 'timeout' : 'exit',
    }).finally(next);
  };
  child.once('error', (e) => finish(1, e));
  child.once('exit', (code, signal) => finish(signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : code));
}

function kill(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function next(): void {
  while (running.size < WORKERS && queue.length) execute(queue.shift() as Work);
}

async function loop(): Promise<never> {
  let failures = 0;
  for (;;) {
    try {
      const work = (await post('/agent/poll', {})) as { run: Work[]; cancel: string[] };
      failures = 0;
      for (const id of work.cancel) {
        const queued = queue.findIndex((w) => w.commandId === id);
        if (queued >= 0) {
          queue.splice(queued, 1);
          void report({
            commandId: id,
            exitCode: STOPPED_EXIT,
            stdout: '',
            stderr: '',
            outcome: 'cancelled',
          });
        }
        const r = running.get(id);
        if (r && !r.cancelled) {
          r.cancelled = true;
          kill(r.pgid);
        }
      }
      queue.push(...work.run);
      next();
    } catch (e) {
      if (failures++ % 20 === 0) log(`poll failed: ${(e as Error).message}`);
      await sleep(Math.min(5000, 250 * 2 ** Math.min(failures, 5)));
    }
  }
}

process.once('SIGTERM', () => process.exit(0));
log(`online, pid ${process.pid}`);
await loop();
