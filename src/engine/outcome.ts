// The deploy's outcome from its hosts' reports (pure): every host reported (one the rollout never
// reached is skipped), the result and exit code (docs/contracts.md, exit codes), and the error
// that names the host, its failure and every undo that failed.
import { EXIT } from '../errors.ts';
import type { DeployResult } from './events.ts';
import type { HostOutcome } from './host.ts';
import { PreflightError } from './preflight.ts';

export type HostReport = {
  name: string;
  release: { from: string | null; to: string };
  result: string;
  outcome: HostOutcome;
};
export type DeployRun = {
  result: DeployResult;
  exitCode: number;
  startedAt: string;
  endedAt: string;
  hosts: HostReport[];
  error?: string;
};

/** Every host has a report: one the rollout never reached is skipped (nothing changed on it). */
export function withSkipped(hosts: readonly { name: string }[], releaseId: string, reports: HostReport[]) {
  const reported = new Set(reports.map((r) => r.name));
  const skipped = hosts
    .filter((h) => !reported.has(h.name))
    .map((host) => ({
      name: host.name,
      release: { from: null, to: releaseId },
      result: 'skipped',
      outcome: { result: 'skipped' as const, steps: [] },
    }));
  return [...reports, ...skipped];
}

export type Ending = { startedAt: string; endedAt: string; aborted: boolean; rolledBackToo: string };

/** The deploy's result; an interrupt that left hosts undeployed is not a success (exit 1). */
export function outcomeOf(reports: HostReport[], end: Ending): DeployRun {
  const summarized = summarize(reports, end.startedAt, end.endedAt);
  const run = end.rolledBackToo
    ? { ...summarized, error: `${summarized.error}${end.rolledBackToo}` }
    : summarized;
  const skipped = reports.filter((r) => r.result === 'skipped').map((r) => r.name);
  if (!end.aborted || run.result !== 'deployed' || skipped.length === 0) return run;
  return {
    ...run,
    result: 'rolled-back',
    exitCode: EXIT.failed,
    error: `interrupted: ${skipped.join(', ')} not deployed; the others run the new release`,
  };
}

function summarize(hosts: HostReport[], startedAt: string, endedAt: string): DeployRun {
  const failed = hosts.find((h) => h.result === 'failed');
  // The host that failed, not one rollout.onFailure 'rollback-all' took back after it.
  const rolledBack =
    hosts.find((h) => h.result === 'rolled-back' && h.outcome.error) ??
    hosts.find((h) => h.result === 'rolled-back');
  if (failed) {
    const error = `${failed.name}: ${failed.outcome.error?.message}; rollback failed: ${failed.outcome.rollbackError?.message}${undoNote(failed.outcome, failed.outcome.rollbackError)}`;
    return { result: 'failed', exitCode: EXIT.rollbackFailed, startedAt, endedAt, hosts, error };
  }
  if (rolledBack) {
    const err = rolledBack.outcome.error;
    // A preflight refusal changed nothing: that is a usage error, not a failed deploy.
    const exitCode = err instanceof PreflightError ? EXIT.usage : EXIT.failed;
    return {
      result: 'rolled-back',
      exitCode,
      startedAt,
      endedAt,
      hosts,
      error: `${rolledBack.name}: ${err?.message}${undoNote(rolledBack.outcome)}`,
    };
  }
  return { result: 'deployed', exitCode: EXIT.deployed, startedAt, endedAt, hosts };
}

/** The undo steps that failed besides the one already named. */
function undoNote(outcome: HostOutcome, except?: Error): string {
  const rest = (outcome.undoErrors ?? []).filter((u) => u.error !== except);
  return rest.map((u) => `; undo:${u.step} failed: ${u.error.message}`).join('');
}
