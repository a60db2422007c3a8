// Appends the summary Markdown to GitHub's step summary ($GITHUB_STEP_SUMMARY), so a deploy's
// outcome, drain math and memory chart are on the run page. Outside Actions it does nothing.
import { appendFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { MemoryAnalysis } from '../memory/analysis.ts';
import type { Plan } from '../plan/plan.ts';
import { workflowCommand } from '../render/github.ts';
import type { Report } from './report.ts';
import { summaryMarkdown } from './summary.ts';

export type StepSummaryOptions = {
  plan?: Plan;
  reportDir?: string;
  /** Where to say that the summary could not be written (the deploy's log). */
  log?: NodeJS.WritableStream;
};

/** True when the summary was appended. Never throws: the deploy's outcome must not change here. */
export function appendStepSummary(
  env: NodeJS.ProcessEnv,
  report: Report,
  memory: MemoryAnalysis | null,
  opts: StepSummaryOptions = {},
): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  const runUrl =
    env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
      ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  try {
    appendFileSync(
      file,
      `${summaryMarkdown(report, {
        memory,
        ...(opts.plan ? { plan: opts.plan } : {}),
        ...(opts.reportDir ? { reportDir: shown(opts.reportDir, env.GITHUB_WORKSPACE) } : {}),
        ...(runUrl ? { runUrl } : {}),
      })}\n`,
    );
    return true;
  } catch (error) {
    const why = `could not append the step summary to ${file}: ${(error as Error).message}`;
    opts.log?.write(`${workflowCommand('warning', { title: 'handoff' }, why)}\n`);
    return false;
  }
}

/** The report directory as the workflow names it: relative to the checkout, like upload-artifact's path. */
function shown(dir: string, workspace: string | undefined): string {
  if (!workspace) return dir;
  const rel = relative(workspace, dir);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : dir;
}

/**
 * A command that ended before any deploy report existed (bad config, unreachable host, held lock)
 * still leaves its reason on the run page, where the summary of a deploy would have been.
 */
export function appendRefusalSummary(env: NodeJS.ProcessEnv, title: string, message: string): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  const fence = '`'.repeat(Math.max(3, ...[...message.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  try {
    appendFileSync(file, `## handoff: ${title}\n\n${fence}text\n${message}\n${fence}\n`);
    return true;
  } catch {
    return false; // the annotation in the log still carries the reason
  }
}
