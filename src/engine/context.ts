// What a step sees: one host, its executor, the plan, and the host's mutable deploy state.
import type { DeployConfig, StaticHost } from '../config/schema.ts';
import type { Executor } from '../executors/types.ts';
import type { HookRun } from '../hooks/run.ts';
import type { Plan } from '../plan/plan.ts';
import type { LoadBalancerPort } from '../ports.ts';
import type { Layout } from '../remote/layout.ts';
import type { Cmd } from '../remote/shell.ts';
import type { StepRun as PureStepRun, Runbook } from '../runbook/types.ts';
import type { Clock } from './clock.ts';
import type { EmitFn, EngineStep } from './events.ts';
import type { Maintenance } from './maintenance.ts';

export type HostState = {
  previousRelease?: string;
  oldPid?: number;
  oldFoundBy?: 'pidfile' | 'port';
  /** The old JVM was started by hand and recorded into a release of its own (previousRelease). */
  adopted?: boolean;
  oldStoppedAt?: number;
  drained?: boolean;
  /** `current` may point at the new release (set before the switch is sent: its answer can be lost). */
  switched?: boolean;
  /** jvm.start was sent: a JVM of this release may run even if its PID never came back. */
  startSent?: boolean;
  newPid?: number;
  /** The new JVM's PID as start got it, kept after an undo stops it (the report's newPid). */
  startedPid?: number;
  healthy?: boolean;
  drainEndedBy?: string;
  /** The wait after the drain ran to its end: the load balancer no longer routes to the host. */
  drainWaited?: boolean;
  /** Load-balancer node addresses the drain saw keep connections to the app (waits.ts). */
  lbNodes?: string[];
  /** deregister mode: RegisterTargets was sent for the new JVM (health's undo withdraws it: withdraw.ts). */
  admitted?: boolean;
  /** The hooks that ran on this host, in order (docs/hooks.md; the report's hosts[].hooks). */
  hookRuns?: HookRun[];
  /** strategy 'swap': the port the app serves on (recorded on the host; app.port before the first swap). */
  livePort?: number;
  /**
   * --allow-downtime with no other target to serve: the host is drained behind the maintenance
   * rule (src/engine/maintenance.ts). `sent`: CreateRule went out; `removed`: DeleteRule done.
   */
  maintenance?: { sent: boolean; ruleArn?: string; removed?: boolean };
};

export type Uploader = (exec: Executor, releaseDir: string, signal: AbortSignal) => Promise<string>;

export type HostCtx = {
  host: StaticHost;
  exec: Executor;
  layout: Layout;
  config: DeployConfig;
  plan: Plan;
  releaseId: string;
  clock: Clock;
  signal: AbortSignal;
  emit: EmitFn;
  state: HostState;
  upload: Uploader;
  /** The load balancer, when it can be asked (AWS or a local ELBv2 endpoint). */
  lb?: { port: LoadBalancerPort; arn: string; targetId: string; targetPort?: number };
  others: { name: string; exec: Executor }[];
  allowDowntime: boolean;
  /** The maintenance response, when configured (used only with --allow-downtime and no other target). */
  maintenance?: Maintenance;
  /** Rollback: releases restart the way they last ran (their recorded start). */
  rollback?: boolean;
  /** What hooks need beyond the host (docs/hooks.md): where local ones run, the release's commit. */
  hooksAt?: HooksAt;
};

export type HooksAt = {
  /** Runs `where: 'local'` hooks (a recording executor in a dry run); none: such a hook fails. */
  local?: Executor | undefined;
  /** The config's directory, where local hooks run. */
  localDir: string;
  commit?: { sha: string; subject?: string } | undefined;
  dryRun: boolean;
};

/** How a step runs in one runbook: its run, and its undo beside it (src/runbook/types.ts). */
export type StepRun = PureStepRun<HostCtx>;
/** A step's runs in every runbook (src/engine/steps/<name>.ts): the compiler asks for each one. */
export type StepRuns = Record<Runbook, StepRun>;
/** A step as the engine executes it: its runs entry under the registry's name for it. */
export type Step = StepRun & { name: EngineStep };

/** Runs a command in the context of a step, reporting it for dry-run output. */
export async function run(
  ctx: HostCtx,
  step: EngineStep,
  cmd: Cmd,
  opts: { signal?: AbortSignal | null } = {},
) {
  ctx.emit({ kind: 'command', host: ctx.host.name, step, command: cmd.kind });
  const signal = opts.signal === null ? undefined : (opts.signal ?? ctx.signal);
  return ctx.exec.run(cmd, signal ? { signal } : {});
}
