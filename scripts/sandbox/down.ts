// `npm run sandbox:down`: stops what state.json recorded (by PID and start time), then removes the
// hosts' cgroups, namespaces and links and the bridge. Every step tolerates a part that is missing,
// so a half-made sandbox comes down too; state.json is removed only when everything is gone.
import fs from 'node:fs';
import { bastionDown } from './bastion.ts';
import { removeCgroupRoot } from './cgroup.ts';
import { STATE_FILE } from './contract.ts';
import { removeHost } from './hosts.ts';
import { acquireLock } from './lock.ts';
import { netnsList, removeBridge } from './net.ts';
import { requireMachine } from './preflight.ts';
import { stopProc } from './proc.ts';
import { readState, writeState } from './state.ts';

const log = (msg: string) => console.error(`[sandbox:down] ${msg}`);

/** Returns the problems it could not fix (empty: all gone). */
export async function sandboxDown(): Promise<string[]> {
  const unlock = await acquireLock('state', 120_000, (by) =>
    log(`waiting for pid ${by.pid} (another up/down)`),
  );
  try {
    return await down();
  } finally {
    unlock();
  }
}

async function down(): Promise<string[]> {
  const state = readState();
  if (!state) {
    log(`nothing to do: no ${STATE_FILE}`);
    return [];
  }
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown> | unknown) => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  if (state.elbv2) await attempt('ELBv2 endpoint', () => stopProc(state.elbv2!));
  if (state.haproxy) {
    await attempt('HAProxy', () => stopProc(state.haproxy!));
    await attempt('HAProxy socket', () => fs.rmSync(state.haproxy!.socket, { force: true }));
  }
  for (const node of state.alb?.nodes ?? []) {
    if (node.proc) await attempt(`ALB node ${node.name}`, () => stopProc(node.proc!));
    await attempt(`ALB node ${node.name} socket`, () => fs.rmSync(node.socket, { force: true }));
  }
  if (state.bastion) await attempt('bastion', () => bastionDown(state.bastion!));
  for (const host of state.hosts) await attempt(`host ${host.name}`, () => removeHost(host));
  if (state.bridge) await attempt('bridge', () => removeBridge());
  if (state.cgroup) await attempt('cgroup root', () => removeCgroupRoot(state.cgroup!.root));
  // /srv/handoff is the mount point every instance's hosts bind over: removing it while another
  // instance runs would detach that instance's mounts, so shared directories stay while one does.
  const othersRunning = (await netnsList()).some((n) => /^hf\d*-/.test(n));
  for (const dir of othersRunning ? [] : [...state.createdDirs].reverse()) {
    // Only when empty: something else may have started using it meanwhile.
    await attempt(dir, () => {
      try {
        fs.rmdirSync(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EBUSY') throw e;
      }
    });
  }
  if (problems.length === 0) fs.rmSync(STATE_FILE, { force: true });
  else {
    state.ready = false;
    writeState(state);
  }
  return problems;
}

if (import.meta.main) {
  requireMachine('sandbox:down');
  const problems = await sandboxDown();
  if (problems.length) {
    console.error(`sandbox:down left things behind:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  log('sandbox is down');
}
