// Pure: the engine's outcome -> the versioned report contract (docs/contracts.md, section 4).

import type { DeployRun } from '../engine/deploy.ts';
import type { StepRecord } from '../engine/host.ts';
import type { ReleaseCommit } from '../engine/source.ts';
import type { HookRun } from '../hooks/run.ts';
import type { Kind } from '../runbook/types.ts';
import type { AutoDecision } from '../strategy/auto.ts';

export const REPORT_VERSION = 1;

export type MemorySection = {
  source: string;
  intervalSeconds: number;
  peakPercent: number | null;
  overlapSeconds: number;
  oomKills: number;
  samples: Record<string, unknown>[];
  [extra: string]: unknown;
};

export type Report = {
  version: typeof REPORT_VERSION;
  /** `deploy run` or `deploy rollback`. */
  kind: Kind;
  result: DeployRun['result'];
  exitCode: number;
  app: string;
  releaseId: string;
  strategy: string;
  /** strategy 'auto': what it picked and why (the plan's `auto`). */
  auto?: AutoDecision;
  drainMode: string;
  dryRun: boolean;
  /** The git commit deployed (null: not known here, e.g. a git source the host fetched). */
  commit: ReleaseCommit | null;
  /** The `--env` deployed (null: the base config). */
  environment: string | null;
  startedAt: string;
  endedAt: string;
  error?: string;
  hosts: {
    name: string;
    result: string;
    release: { from: string | null; to: string };
    drainSeconds: number | null;
    oldPid: number | null;
    newPid: number | null;
    steps: StepRecord[];
    /** The hooks that ran on the host, in order (docs/hooks.md); output tails redacted. */
    hooks: HookRun[];
  }[];
  memory: MemorySection | null;
};

export function buildReport(
  run: DeployRun,
  meta: {
    kind?: Kind;
    app: string;
    releaseId: string;
    strategy: string;
    auto?: AutoDecision;
    drainMode: string;
    dryRun: boolean;
    commit?: ReleaseCommit | undefined;
    environment?: string | undefined;
  },
  memory: MemorySection | null = null,
): Report {
  return {
    version: REPORT_VERSION,
    result: run.result,
    exitCode: run.exitCode,
    ...meta,
    kind: meta.kind ?? 'deploy',
    commit: meta.commit ?? null,
    environment: meta.environment ?? null,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    ...(run.error ? { error: run.error } : {}),
    hosts: run.hosts.map((h) => ({
      name: h.name,
      result: h.result,
      release: h.release,
      drainSeconds: drainSeconds(h.outcome.steps),
      oldPid: h.outcome.state?.oldPid ?? null,
      newPid: h.outcome.state?.startedPid ?? null,
      steps: h.outcome.steps,
      hooks: h.outcome.state?.hookRuns ?? [],
    })),
    memory,
  };
}

/** Drained window: from the drain request until the wait ended (what the LB needed). */
function drainSeconds(steps: StepRecord[]): number | null {
  const drain = steps.find((s) => s.name === 'drain' && s.ok);
  const wait = steps.find((s) => s.name === 'wait' && s.ok);
  if (!drain || !wait) return null;
  return Math.round((Date.parse(wait.endedAt) - Date.parse(drain.startedAt)) / 100) / 10;
}
