// Writes the report directory: report.json, report.html, summary.md, and with samples memory.csv
// and memory.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryAnalysis } from '../memory/analysis.ts';
import type { Plan } from '../plan/plan.ts';
import { reportHtml } from './html.ts';
import { memoryCsv } from './memory-csv.ts';
import { renderMemorySvg } from './memory-svg.ts';
import type { Report } from './report.ts';
import { summaryMarkdown } from './summary.ts';

export function writeReportFiles(
  dir: string,
  report: Report,
  memory: MemoryAnalysis | null = null,
  plan?: Plan,
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'report.html'), reportHtml(report, memory, plan));
  writeFileSync(join(dir, 'summary.md'), summaryMarkdown(report));
  if (!memory || memory.samples.length === 0) return;
  writeFileSync(join(dir, 'memory.csv'), memoryCsv(memory.samples));
  writeFileSync(
    join(dir, 'memory.svg'),
    renderMemorySvg(
      { source: memory.source, intervalSeconds: memory.intervalSeconds, samples: memory.samples },
      { title: `${report.app} ${report.releaseId} (${report.strategy})` },
    ),
  );
}
