// Starts one agent per sandbox host inside the host: its memory cgroup first (joined from the machine,
// where the cgroup fs is mounted), then the network, mount, UTS and PID namespaces of the host's PID 1
// (sshd), so the agent and every command it runs are the host's processes, charged to its 1 GiB and
// reaped by its PID 1, exactly as what runs over SSH.
import fs from 'node:fs';
import path from 'node:path';
import { cgroupPids } from '../cgroup.ts';
import { SANDBOX_DIR } from '../contract.ts';
import { childrenOf, outerPid, type Proc, sleep, spawnDetached, stopProc } from '../proc.ts';
import type { HostState } from '../state.ts';

const AGENT = path.join(import.meta.dirname, 'agent.ts');

export type AgentProc = { host: string; instanceId: string; launcher: Proc; log: string; dataDir: string };

export function agentPid(a: AgentProc): number | undefined {
  return childrenOf(a.launcher.pid)[0];
}

export async function startAgent(h: HostState, agentUrl: string): Promise<AgentProc> {
  if (!h.cgroup) throw new Error(`${h.name}: no cgroup recorded (is the sandbox up?)`);
  const hostInit = outerPid(cgroupPids(h.cgroup), 1);
  if (!hostInit) throw new Error(`${h.name}: the host's PID 1 (sshd) is not running`);
  const dir = path.join(SANDBOX_DIR, 'hosts', h.name, 'ssm');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const log = path.join(dir, 'agent.log');
  const launch =
    'cg=$1 init=$2; shift 2; echo $$ > "$cg/cgroup.procs" && exec nsenter -t "$init" -n -m -u -p -- "$@"';
  const launcher = await spawnDetached(
    '/bin/sh',
    [
      '-c',
      launch,
      'agent',
      h.cgroup,
      String(hostInit),
      process.execPath,
      AGENT,
      '--endpoint',
      agentUrl,
      '--instance',
      h.instanceId,
      '--data-dir',
      dir,
    ],
    log,
  );
  return { host: h.name, instanceId: h.instanceId, launcher, log, dataDir: dir };
}

/** Waits until the endpoint has heard from every agent (they poll at once when they start). */
export async function waitOnline(
  isOnline: (id: string) => boolean,
  agents: AgentProc[],
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const missing = agents.filter((a) => !isOnline(a.instanceId));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      const tails = missing.map(
        (a) => `${a.host}: ${fs.readFileSync(a.log, 'utf8').trim().split('\n').slice(-5).join('\n  ')}`,
      );
      throw new Error(`agents not online after ${ms} ms:\n${tails.join('\n')}`);
    }
    await sleep(100);
  }
}

/** Stops the agent (not the commands it started: those belong to the host, as on an instance). */
export async function stopAgent(a: AgentProc): Promise<void> {
  const pid = agentPid(a);
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await stopProc(a.launcher, 2000);
}
