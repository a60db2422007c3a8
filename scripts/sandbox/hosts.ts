// A sandbox host = netns + veth + memory cgroup + sshd in its own mount/UTS namespace, with a first
// release installed and the app started by hand, the way a user's old deploy script left it.
import fs from 'node:fs';
import path from 'node:path';
import { cgroupPids, createHostCgroup, removeHostCgroup } from './cgroup.ts';
import { APP_DIR_ON_HOST, APP_PORT, CGROUP_NAME, HOST_MEMORY_BYTES, type HostSpec } from './contract.ts';
import { httpProbe } from './http-probe.ts';
import { createHostNet, removeHostNet } from './net.ts';
import { childrenOf, isAlive, outerPid, procOf, sleep, stopProc } from './proc.ts';
import { sshRun } from './ssh.ts';
import { startSshd } from './sshd.ts';
import type { HostState, SandboxState } from './state.ts';

/** The initial app's command line: -Xmx leaves the default HEAP_MB (200) room, RSS lands near 300 MB. */
export const INITIAL_START = 'java -Xms64m -Xmx320m -jar build/app.jar';
export const INITIAL_RELEASE = 'initial';

/**
 * A small app for many hosts on one machine (`up --heap-mb N`, the fleet tests): it holds N MB, with
 * -Xmx N + 48 MB, the serial collector and the C1 compiler only, so a dozen JVMs share one machine
 * and boot on little CPU. The orchestration is the same; only the memory figures are not a real
 * app's. Also what a deploy's `app.start` should say to keep the hosts small.
 */
export function smallApp(heapMb: number): { command: string; env: { HEAP_MB: string } } {
  if (!Number.isInteger(heapMb) || heapMb < 1 || heapMb > 600)
    throw new RangeError(`--heap-mb must be a whole number of MB from 1 to 600, got ${heapMb}`);
  return {
    command: `java -Xms16m -Xmx${heapMb + 48}m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -jar build/app.jar`,
    env: { HEAP_MB: String(heapMb) },
  };
}

/** How `up` starts the first app: the usual ~300 MB one, or with `heapMb` the small one. */
export function initialStart(heapMb?: number): string {
  if (heapMb === undefined) return INITIAL_START;
  const app = smallApp(heapMb);
  return `env HEAP_MB=${app.env.HEAP_MB} ${app.command}`;
}

/**
 * sshd needs its privilege-separation directory, and the mount namespaces need /srv/handoff to bind
 * over. Both are created only when missing, and recorded so `down` removes only what `up` made.
 */
export function ensureSystemDirs(state: SandboxState): void {
  for (const dir of ['/run/sshd', APP_DIR_ON_HOST]) {
    if (fs.existsSync(dir)) continue;
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    state.createdDirs.push(dir);
  }
}

/** Creates the host's parts in order, recording each in `host` as soon as it exists. */
export async function createHost(
  h: HostSpec,
  cgroup: { version: 1 | 2; root: string },
  host: HostState,
  save: () => void,
): Promise<string> {
  fs.rmSync(h.srvDir, { recursive: true, force: true }); // a fresh disk for a fresh host
  fs.mkdirSync(h.srvDir, { recursive: true, mode: 0o755 });
  host.cgroup = createHostCgroup(cgroup.version, cgroup.root, h.name, HOST_MEMORY_BYTES);
  save();
  await createHostNet(h);
  const { proc, hostKey } = await startSshd(h, host.cgroup);
  host.sshd = proc;
  save();
  return hostKey;
}

/** Checks over SSH that the host is what it claims: its name, its /srv/handoff, its cgroup. */
export async function verifyHost(h: HostSpec): Promise<void> {
  const { stdout } = await sshRun(
    h.ip,
    `hostname; cat /proc/self/cgroup; mountpoint -q ${APP_DIR_ON_HOST} && echo mounted`,
  );
  const [name] = stdout.split('\n');
  if (name !== h.name) throw new Error(`${h.ip}: hostname is ${name}, expected ${h.name}`);
  if (!stdout.includes(`/${CGROUP_NAME}/${h.name}`))
    throw new Error(`${h.name}: SSH session is not in its cgroup:\n${stdout}`);
  if (!stdout.includes('mounted'))
    throw new Error(`${h.name}: ${APP_DIR_ON_HOST} is not a mount in the session`);
}

/**
 * Installs the release and starts the app over SSH like a hand-written script: setsid, output to a
 * log, no PID file (a deploy has to find it by its listening port, as it would in the field).
 */
export async function startInitialApp(h: HostSpec, releaseTemplate: string, heapMb?: number): Promise<void> {
  const rel = path.join(h.srvDir, 'releases', INITIAL_RELEASE);
  fs.cpSync(releaseTemplate, rel, { recursive: true });
  const remote = `${APP_DIR_ON_HOST}/releases/${INITIAL_RELEASE}`;
  await sshRun(
    h.ip,
    `set -e; ln -sfn ${remote} ${APP_DIR_ON_HOST}/current; cd ${APP_DIR_ON_HOST}/current; ` +
      `PORT=${APP_PORT} setsid ${initialStart(heapMb)} >> ${APP_DIR_ON_HOST}/app.log 2>&1 < /dev/null &`,
  );
}

/**
 * Waits for GET /health = 200 from the machine, then finds the app by the process on the port (as
 * the engine would) and returns its machine-side PID, for state.json.
 */
export async function waitForApp(h: HostSpec, cgroupDir: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = (await httpProbe(`http://${h.ip}:${APP_PORT}/health`, 1000))?.status === 200;
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(`${h.name}: app not healthy after ${timeoutMs} ms (see ${h.srvDir}/app.log)`);
    await sleep(200);
  }
  const inner = await listenerPid(h);
  const pid = inner && outerPid(cgroupPids(cgroupDir), inner);
  if (!pid) throw new Error(`${h.name}: no process found listening on port ${APP_PORT}`);
  return pid;
}

/** The PID (host's own numbering) listening on the app port: how the engine adopts an old JVM. */
export async function listenerPid(h: HostSpec): Promise<number | undefined> {
  const { stdout } = await sshRun(h.ip, `ss -Hltnp 'sport = :${APP_PORT}'`, { allowFail: true });
  const m = /pid=(\d+)/.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

/** Stops what was recorded, then the cgroup (and whatever else runs on the host), then the network. */
export async function removeHost(host: HostState): Promise<void> {
  if (host.app) await stopProc(host.app, 5000);
  if (host.sshd) {
    // unshare --fork ignores SIGTERM; its child sshd (the host's PID 1) takes the host down with it.
    if (isAlive(host.sshd)) for (const child of childrenOf(host.sshd.pid)) process.kill(child, 'SIGTERM');
    await stopProc(host.sshd, 2000);
  }
  if (host.cgroup) await removeHostCgroup(host.cgroup);
  await removeHostNet(host);
}

/**
 * Puts a host back to "app running and healthy" after a test flipped or stopped it: SIGTERM whatever
 * listens on the app port, then start the current release the way the initial app was started.
 */
export async function restartApp(h: HostSpec, host: HostState, heapMb?: number): Promise<void> {
  await sshRun(
    h.ip,
    `pid=$(ss -Hltnp 'sport = :${APP_PORT}' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -1); ` +
      `if [ -n "$pid" ]; then kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; fi; ` +
      // A simple command after `&`, so no subshell holds the SSH channel open.
      `cd ${APP_DIR_ON_HOST}/current || exit 1; ` +
      `PORT=${APP_PORT} setsid ${initialStart(heapMb)} >> ${APP_DIR_ON_HOST}/app.log 2>&1 < /dev/null &`,
    { timeoutMs: 60_000 },
  );
  host.app = procOf(await waitForApp(h, host.cgroup ?? '', 60_000));
}
