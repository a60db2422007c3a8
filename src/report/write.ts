// Writes the report directory: report.json and summary.md (memory files join them with the sampler).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './report.ts';
import { summaryMarkdown } from './summary.ts';

export function writeReportFiles(dir: string, report: Report): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'summary.md'), summaryMarkdown(report));
}
