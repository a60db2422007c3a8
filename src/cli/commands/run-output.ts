// The outputs of `deploy run`: each event redacted once (src/core/redact.ts) and handed to every
// sink (the log renderer, events.ndjson); free text redacted and, in GitHub Actions, fenced so no
// line of it is read as a workflow command; the report written without touching the exit code.
// Output is best-effort: a sink that fails is dropped with one warning, and the deploy goes on.
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Redactor } from '../../core/redact.ts';
import { type DeployEvent, type EmitFn, emitter } from '../../engine/events.ts';
import type { MemoryAnalysis } from '../../memory/analysis.ts';
import type { Plan } from '../../plan/plan.ts';
import { fenceCommands } from '../../render/github.ts';
import type { Report } from '../../report/report.ts';
import { writeReportFiles } from '../../report/write.ts';
import { bestEffort, errorCode } from '../io.ts';
import { renderers } from './renderers.ts';

export type RunOutput = {
  emit: EmitFn;
  /** Free text on the log stream (redacted; fenced in Actions). */
  say(text: string): void;
  /** Writes the report directory (redacted by the caller, who prints it too); a file it cannot write is a warning. */
  writeReport(dir: string, report: Report, memory: MemoryAnalysis | null, plan?: Plan): void;
};

type Sink = { name: string; write: (e: DeployEvent) => void; failed?: boolean };

export function openRunOutput(opts: {
  human: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  clock: { now(): number };
  redact: Redactor;
  /** events.ndjson goes here (not in a dry run). */
  reportDir?: string;
}): RunOutput {
  const { human, env, redact } = opts;
  const warn = (message: string) => emit({ kind: 'log', level: 'warn', message });
  const sinks: Sink[] = [{ name: 'the log', write: renderers(human, env) }];
  if (opts.reportDir) {
    const file = resolve(opts.reportDir, 'events.ndjson');
    const events = bestEffort(createWriteStream(file), (error) =>
      warn(`could not write ${file} (${errorCode(error)}); the deploy goes on, its events are in the log`),
    );
    sinks.push({ name: file, write: (e) => events.write(`${JSON.stringify({ v: 1, ...e })}\n`) });
  }
  const emit = emitter(opts.clock, [
    (event) => {
      const safe = redact.deep(event);
      for (const sink of sinks) {
        if (sink.failed) continue;
        try {
          sink.write(safe);
        } catch (error) {
          sink.failed = true;
          warn(`${sink.name} failed (${(error as Error).message}); the deploy goes on without it`);
        }
      }
    },
  ]);
  const actions = env.GITHUB_ACTIONS === 'true';
  return {
    emit,
    say: (text) => {
      const safe = redact.text(text);
      human.write(actions ? fenceCommands(safe) : safe);
    },
    writeReport: (dir, report, memory, plan) => {
      for (const problem of writeReportFiles(dir, report, memory, plan))
        warn(`report not written: ${problem}; the deploy's result stands`);
    },
  };
}
