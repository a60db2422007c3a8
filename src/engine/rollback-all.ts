// rollout.onFailure 'rollback-all' (docs/rollout.md): once the rollout has stopped at a failure,
// the hosts it already deployed go back to the release each ran before, with the steps of
// `deploy rollback` (no upload, no build; the release restarted as it last ran), newest first, in
// batches of the same size and behind a gate of their own, so the floor holds while they drain
// again. Every host is tried even when one before it could not go back (an undo does not stop at
// the first failure either). Not after an interrupt: Ctrl-C means stop, not more changes.

import type { StaticHost } from '../config/schema.ts';
import type { Plan } from '../plan/plan.ts';
import { batches } from '../rollout/batches.ts';
import type { HostReport } from './deploy.ts';
import { type FloorGate, gated } from './fleet.ts';
import type { HostOutcome } from './host.ts';
import { type HostRunbook, rollbackRunbook } from './runbooks.ts';

export type RollBackOptions = {
  plan: Pick<Plan, 'strategy'>;
  hosts: StaticHost[];
  batchSize: number;
  signal: AbortSignal;
  /** A fresh gate (the rollout's own closed at the failure); none when one host at a time suffices. */
  gate?: FloorGate;
  /** One host through `steps` to `release`, as the deploy runs a host. */
  again: (host: StaticHost, index: number, release: string, book: HostRunbook) => Promise<HostReport>;
};

/** Hosts deployed by this run while another failed: the ones rollback-all takes back, newest first. */
export function toRollBack(reports: HostReport[]): HostReport[] {
  const failed = reports.some((r) => r.result !== 'deployed' && r.result !== 'skipped');
  return failed ? reports.filter((r) => r.result === 'deployed').reverse() : [];
}

/**
 * Rolls the deployed hosts back, updating their reports in place: 'rolled-back' with the
 * rollback's steps after the deploy's (named `rollback:<step>`), or 'failed' when the rollback's
 * own undo could not put service back. Returns what the run's error should add.
 */
export async function rollBackDeployed(reports: HostReport[], o: RollBackOptions): Promise<string> {
  if (o.signal.aborted) return '';
  const targets = toRollBack(reports);
  if (targets.length === 0) return '';
  const index = new Map(o.hosts.map((h, i) => [h.name, i]));
  const byName = new Map(o.hosts.map((h) => [h.name, h]));
  const rollback = await rollbackRunbook(o.plan);
  const book = o.gate ? { ...rollback, steps: gated(rollback.steps, o.gate) } : rollback;
  const stuck: string[] = [];
  for (const batch of batches(targets, o.batchSize)) {
    await Promise.all(
      batch.map(async (report) => {
        const from = report.release.from;
        if (!from) {
          stuck.push(
            `${report.name} could not be rolled back and serves the new release (${report.release.to}): no previous release`,
          );
          return;
        }
        try {
          const back = await o.again(byName.get(report.name)!, index.get(report.name)!, from, book);
          const note = merge(report, back.outcome);
          if (note) stuck.push(note);
        } catch (error) {
          stuck.push(
            `${report.name} could not be rolled back and serves the new release (${report.release.to}): ${(error as Error).message}`,
          );
        } finally {
          o.gate?.done(report.name);
        }
      }),
    );
  }
  const names = targets.map((r) => r.name).join(', ');
  return `; the hosts it deployed were rolled back too (rollout.onFailure rollback-all): ${names}${stuck.map((s) => `; ${s}`).join('')}`;
}

function merge(report: HostReport, back: HostOutcome): string | undefined {
  const steps = [
    ...report.outcome.steps,
    ...back.steps.map((s) => ({ ...s, name: `rollback:${s.name}` as const })),
  ] as HostOutcome['steps'];
  if (back.result === 'deployed') {
    report.result = 'rolled-back';
    report.outcome = { ...report.outcome, result: 'rolled-back', steps };
    return undefined;
  }
  report.outcome = { ...report.outcome, steps };
  if (back.result === 'failed') {
    // The rollback's undo could not bring the new release back either: service on the host is down.
    report.result = 'failed';
    report.outcome = {
      ...report.outcome,
      result: 'failed',
      error: new Error(
        `rolled back after another host failed (rollout.onFailure rollback-all): ${back.error?.message}`,
      ),
      ...(back.rollbackError ? { rollbackError: back.rollbackError } : {}),
      ...(back.undoErrors ? { undoErrors: back.undoErrors } : {}),
    };
    return undefined;
  }
  // Its undo restored what it ran before the rollback: the new release, serving.
  return `${report.name} could not be rolled back and serves the new release (${report.release.to}): ${back.error?.message}`;
}
