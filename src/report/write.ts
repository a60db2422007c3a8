// Writes the report directory: report.json, report.html, summary.md, and with samples memory.csv
// and memory.svg.
// Each file is written to a temporary name and renamed, so a reader (or the next deploy's memory
// budget) never sees half a file; a file that cannot be written is a warning, never an exception:
// the deploy's outcome and exit code are decided elsewhere.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryAnalysis } from '../memory/analysis.ts';
import type { Plan } from '../plan/plan.ts';
import { reportHtml } from './html.ts';
import { memoryCsv } from './memory-csv.ts';
import { renderMemorySvg } from './memory-svg.ts';
import type { Report } from './report.ts';
import { summaryMarkdown } from './summary.ts';

/** The files to write, in order; each producer runs only when its turn comes. */
function reportFiles(
  report: Report,
  memory: MemoryAnalysis | null,
  plan: Plan | undefined,
): [string, () => string][] {
  const files: [string, () => string][] = [
    ['report.json', () => `${JSON.stringify(report, null, 2)}\n`],
    ['report.html', () => reportHtml(report, memory, plan)],
    ['summary.md', () => summaryMarkdown(report)],
  ];
  if (memory && memory.samples.length > 0)
    files.push(
      ['memory.csv', () => memoryCsv(memory.samples)],
      [
        'memory.svg',
        () =>
          renderMemorySvg(
            { source: memory.source, intervalSeconds: memory.intervalSeconds, samples: memory.samples },
            { title: `${report.app} ${report.releaseId} (${report.strategy})` },
          ),
      ],
    );
  return files;
}

/** Writes every file it can; returns one line per file it could not write (empty: all written). */
export function writeReportFiles(
  dir: string,
  report: Report,
  memory: MemoryAnalysis | null = null,
  plan?: Plan,
): string[] {
  const problems: string[] = [];
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    return [`${dir}: ${(error as Error).message}`];
  }
  for (const [name, produce] of reportFiles(report, memory, plan)) {
    const problem = writeAtomically(join(dir, name), produce);
    if (problem) problems.push(problem);
  }
  return problems;
}

export function writeAtomically(file: string, produce: () => string): string | undefined {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, produce());
    renameSync(tmp, file);
    return undefined;
  } catch (error) {
    rmSync(tmp, { force: true });
    return `${file}: ${(error as Error).message}`;
  }
}

/**
 * Before anything is touched: the report directory must be a directory that can be written
 * (created when missing). Returns why not, or undefined.
 */
export function reportDirProblem(dir: string): string | undefined {
  try {
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      if (statSync(dir, { throwIfNoEntry: false })) return `${dir} is not a directory`;
      mkdirSync(dir, { recursive: true });
    }
    const probe = join(dir, `.handoff-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    return undefined;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return e.code === 'ENOTDIR'
      ? `${dir} is not a directory (a file is in its path)`
      : `${dir}: ${e.message}`;
  }
}
