// state.json: what `sandbox:up` created, so `down` removes exactly that and `status`/tests can find it.
// Written after every step of `up`, so a failed or interrupted `up` can still be torn down.
import fs from 'node:fs';
import path from 'node:path';
import type { AlbNodeState, Propagation } from './alb.ts';
import type { BastionState } from './bastion.ts';
import { type HealthCheckSettings, type HostSpec, STATE_FILE } from './contract.ts';
import type { Proc } from './proc.ts';

export type HostState = HostSpec & {
  cgroup?: string;
  sshd?: Proc;
  /** The app as first started by hand; a deploy replaces it, so it may be gone later. */
  app?: Proc;
};

export type SandboxState = {
  version: 1;
  createdAt: string;
  dir: string;
  healthCheck: HealthCheckSettings;
  cgroup?: { version: 1 | 2; root: string };
  bridge?: { name: string; cidr: string };
  /** Directories outside the repo that up created (and down may remove when empty). */
  createdDirs: string[];
  hosts: HostState[];
  haproxy?: Proc & { config: string; socket: string; frontend: string };
  elbv2?: Proc & { port: number; log: string };
  /** Which load balancer: one HAProxy (the fast tests' model) or the ALB model's nodes. */
  lb?: 'haproxy' | 'alb';
  alb?: { nodes: AlbNodeState[]; propagation: Propagation; events: string };
  /** The jump host the bastion test adds (scripts/sandbox/bastion.ts). */
  bastion?: BastionState;
  /** `up --heap-mb`: the small app every host started with (hosts.ts `smallApp`). */
  heapMb?: number;
  ready?: boolean;
};

export function readState(file = STATE_FILE): SandboxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxState;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
}

export function writeState(state: SandboxState, file = STATE_FILE): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
