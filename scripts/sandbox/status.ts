// `npm run sandbox:status [-- --json]`: what state.json recorded and whether it is alive: daemons by
// PID, HAProxy's view of each server, each app's own /health, and each host's cgroup memory.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { albNodeViews } from './alb.ts';
import { cgroupPids, memoryLimit, oomKills } from './cgroup.ts';
import { APP_PORT, HAPROXY_BACKEND } from './contract.ts';
import { showServers } from './haproxy-runtime.ts';
import { httpProbe } from './http-probe.ts';
import { requireMachine } from './preflight.ts';
import { isAlive } from './proc.ts';
import { readState } from './state.ts';
import { isUp } from './up.ts';

export type HostStatus = {
  name: string;
  ip: string;
  sshd: { pid?: number; alive: boolean };
  app: { health: string; version?: string };
  haproxy?: { op: string; checkStatus: string };
  /** ALB model: each node's own view of this target. */
  albNodes?: { node: string; op: string; checkStatus: string }[];
  memory?: { usedBytes: number; limitBytes?: number; oomKills: number; processes: number };
};
export type SandboxStatus = {
  up: boolean;
  dir?: string;
  haproxy?: { pid: number; alive: boolean };
  elbv2?: { pid: number; alive: boolean };
  albNodes?: { name: string; pid?: number; alive: boolean; frontend: string; source: string }[];
  hosts: HostStatus[];
};

const get = (url: string) => httpProbe(url, 1500);

function cgroupUsage(dir: string): number {
  for (const f of ['memory.current', 'memory.usage_in_bytes']) {
    try {
      return Number(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch {}
  }
  return Number.NaN;
}

export async function sandboxStatus(): Promise<SandboxStatus> {
  const state = readState();
  if (!state) return { up: false, hosts: [] };
  const servers =
    state.haproxy && isAlive(state.haproxy)
      ? await showServers(state.haproxy.socket, HAPROXY_BACKEND).catch(() => [])
      : [];
  const views = state.alb ? await albNodeViews(state.alb.nodes) : [];
  const hosts = await Promise.all(
    state.hosts.map(async (h): Promise<HostStatus> => {
      const health = await get(`http://${h.ip}:${APP_PORT}/health`);
      const version = health ? (await get(`http://${h.ip}:${APP_PORT}/version`))?.body : undefined;
      const srv = servers.find((s) => s.server === h.name);
      return {
        name: h.name,
        ip: h.ip,
        sshd: { pid: h.sshd?.pid, alive: !!h.sshd && isAlive(h.sshd) },
        app: { health: health ? `${health.status} ${health.body}` : 'no answer', version },
        haproxy: srv ? { op: srv.op, checkStatus: srv.checkStatus } : undefined,
        ...(state.alb
          ? {
              albNodes: views.map((v) => {
                const t = v.targets.find((x) => x.server === h.name);
                return { node: v.node, op: t?.op ?? '?', checkStatus: t?.checkStatus ?? '' };
              }),
            }
          : {}),
        memory: h.cgroup
          ? {
              usedBytes: cgroupUsage(h.cgroup),
              limitBytes: memoryLimit(h.cgroup),
              oomKills: oomKills(h.cgroup),
              processes: cgroupPids(h.cgroup).length,
            }
          : undefined,
      };
    }),
  );
  const proc = (p?: { pid: number; start: string }) => (p ? { pid: p.pid, alive: isAlive(p) } : undefined);
  const albNodes = state.alb?.nodes.map((n) => ({
    name: n.name,
    pid: n.proc?.pid,
    alive: !!n.proc && isAlive(n.proc),
    frontend: `${n.frontend.host}:${n.frontend.port}`,
    source: n.ip,
  }));
  return {
    up: isUp(state),
    dir: state.dir,
    haproxy: proc(state.haproxy),
    elbv2: proc(state.elbv2),
    ...(albNodes ? { albNodes } : {}),
    hosts,
  };
}

const mib = (b?: number) => (b === undefined || !Number.isFinite(b) ? '?' : `${Math.round(b / 2 ** 20)} MiB`);

export function formatStatus(s: SandboxStatus): string {
  if (!s.dir) return 'sandbox: not up (no state.json)';
  const alive = (p?: { pid: number; alive: boolean }) =>
    p ? `pid ${p.pid} ${p.alive ? 'alive' : 'DEAD'}` : 'not started';
  return [
    `sandbox: ${s.up ? 'up' : 'NOT fully up'} (${s.dir})`,
    s.albNodes
      ? `  ALB model: ${s.albNodes.map((n) => `${n.name} ${n.frontend} from ${n.source} ${alive({ pid: n.pid ?? 0, alive: n.alive })}`).join('; ')}; ELBv2 endpoint ${alive(s.elbv2)}`
      : `  HAProxy ${alive(s.haproxy)}; ELBv2 endpoint ${alive(s.elbv2)}`,
    ...s.hosts.map(
      (h) =>
        `  ${h.name} ${h.ip}: sshd ${alive({ pid: h.sshd.pid ?? 0, alive: h.sshd.alive })}; ` +
        `app /health ${h.app.health}${h.app.version ? ` version ${h.app.version}` : ''}; ` +
        (h.albNodes
          ? `nodes ${h.albNodes.map((n) => `${n.node} ${n.op} (${n.checkStatus})`).join(', ')}; `
          : `HAProxy ${h.haproxy ? `${h.haproxy.op} (${h.haproxy.checkStatus})` : '?'}; `) +
        `memory ${mib(h.memory?.usedBytes)} / ${mib(h.memory?.limitBytes)}, ${h.memory?.processes ?? 0} processes, oom kills ${h.memory?.oomKills ?? 0}`,
    ),
  ].join('\n');
}

if (import.meta.main) {
  requireMachine('sandbox:status');
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
  const s = await sandboxStatus();
  console.log(values.json ? JSON.stringify(s, null, 2) : formatStatus(s));
  process.exit(s.up ? 0 : 1);
}
