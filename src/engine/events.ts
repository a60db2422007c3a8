// One typed event union; every renderer (plain, TTY, JSON, NDJSON, GitHub) consumes it. The
// engine never writes to a terminal.
import type { StepName } from '../runbook/registry.ts';

export type HostResult = 'deployed' | 'rolled-back' | 'failed' | 'skipped';
export type DeployResult = 'deployed' | 'rolled-back' | 'failed';
export type EngineStep = StepName;

export type DeployEvent = { at: number } & (
  | {
      kind: 'deploy:start';
      app: string;
      hosts: string[];
      releaseId: string;
      strategy: string;
      mode: string;
      dryRun: boolean;
    }
  | { kind: 'host:start'; host: string; index: number; total: number }
  | { kind: 'step:start'; host: string; step: EngineStep }
  | { kind: 'step:end'; host: string; step: EngineStep; ok: boolean; detail: string; ms: number }
  | { kind: 'health:poll'; host: string; attempt: number; status: string }
  | { kind: 'wait:tick'; host: string; elapsedSeconds: number; boundSeconds: number; note: string }
  | { kind: 'rollback:start'; host: string; reason: string }
  | { kind: 'rollback:end'; host: string; ok: boolean; detail: string }
  | { kind: 'command'; host: string; step: EngineStep | 'preflight'; command: string }
  | { kind: 'log'; host?: string; level: 'info' | 'warn' | 'error'; message: string }
  | { kind: 'host:end'; host: string; result: HostResult }
  | { kind: 'deploy:end'; result: DeployResult; exitCode: number; reportDir?: string }
);

export type EventKind = DeployEvent['kind'];
export type EventOf<K extends EventKind> = Extract<DeployEvent, { kind: K }>;
export type Emit = (event: DeployEvent) => void;

/** Distributes an event to every sink. A Omit<> keeps `at` out of the engine's call sites. */
export function emitter(clock: { now(): number }, sinks: ((e: DeployEvent) => void)[]) {
  return (event: DistributiveOmit<DeployEvent, 'at'>) => {
    const full = { at: clock.now(), ...event } as DeployEvent;
    for (const sink of sinks) sink(full);
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EmitFn = ReturnType<typeof emitter>;
