// Pure: the Markdown summary. One function for both summary.md and GitHub's step summary, so the
// two never drift; the optional parts (plan math, where the report is) appear when given.

import { drainMode } from '../drain/registry.ts';
import type { MemoryAnalysis } from '../memory/analysis.ts';
import type { Overlap } from '../memory/overlap.ts';
import type { Plan } from '../plan/plan.ts';
import type { MemorySample } from '../sampler/parse.ts';
import { memoryMermaid } from './memory-mermaid.ts';
import type { Report } from './report.ts';

export type SummaryExtras = {
  /** The plan the run followed: its drain math is printed with the terms filled in. */
  plan?: Plan;
  /** The analysis behind report.memory (typed samples); report.memory is used without it. */
  memory?: MemoryAnalysis | null;
  /** Where report.json and the charts are, as the reader should see the path. */
  reportDir?: string;
  /** The CI run's page, whose artifacts hold the uploaded report. */
  runUrl?: string;
};

const n = (v: number) => String(Math.round(v * 1000) / 1000);
const cell = (s: string) => (s.split('\n')[0] ?? '').replaceAll('|', '\\|');

export function summaryMarkdown(report: Report, extras: SummaryExtras = {}): string {
  const lines = [
    `## handoff: ${report.app}${report.environment ? ` (${report.environment})` : ''} ${report.releaseId} ${report.result}`,
    '',
    `Strategy \`${report.strategy}\`, drain \`${report.drainMode}\`, ${report.startedAt} to ${report.endedAt}.`,
  ];
  const commit = report.commit;
  if (commit)
    lines.push(
      '',
      `Commit \`${commit.sha.slice(0, 12)}\` by ${cell(commit.author)}: ${cell(commit.subject)}`,
    );
  if (report.error) lines.push('', `**Error:** ${report.error.split('\n')[0]}`);
  lines.push(
    '',
    '| host | result | release | drained window | old PID | new PID |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const h of report.hosts)
    lines.push(
      `| ${h.name} | ${h.result} | ${h.release.from ?? '-'} -> ${h.release.to} | ${h.drainSeconds ?? '-'} s | ${h.oldPid ?? '-'} | ${h.newPid ?? '-'} |`,
    );
  lines.push(
    '',
    '### Timeline',
    '',
    '| host | step | started | took | ok | detail |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const h of report.hosts)
    for (const s of h.steps) {
      const took = ((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1);
      lines.push(
        `| ${h.name} | ${s.name} | ${s.startedAt.slice(11, 19)} | ${took} s | ${s.ok ? 'yes' : '**no**'} | ${cell(s.detail)} |`,
      );
    }
  if (extras.plan) lines.push('', ...drainMath(extras.plan));
  lines.push('', ...memorySection(report, extras.memory ?? null));
  if (extras.reportDir) lines.push('', ...whereReport(extras.reportDir, extras.runUrl));
  return `${lines.join('\n')}\n`;
}

function drainMath(plan: Plan): string[] {
  const { drain: d, healthCheck: hc } = plan;
  const t = d.terms;
  const out = [
    '### Drain math',
    '',
    `Health check (source: ${hc.source}${plan.targetGroup ? `, target group ${plan.targetGroup.name}` : ''}): interval I = ${n(t.I)} s, timeout T = ${n(t.T)} s, unhealthy threshold N = ${t.N}, healthy threshold H = ${t.H}.`,
    '',
    '| quantity | formula | seconds |',
    '| --- | --- | --- |',
  ];
  out.push(...drainMode(d.mode).text.summaryRows(plan));
  out.push(
    `| wait before stopping | latest + margin = ${n(d.unhealthyAfterSeconds.latest)} + ${n(d.marginSeconds)} | ${n(d.waitSeconds)} |`,
    `| back in service | ${d.formula.readmitEarliest} to ${d.formula.readmitLatest} | ${n(d.readmitWindowSeconds.earliest)} to ${n(d.readmitWindowSeconds.latest)} |`,
  );
  const c = d.comparison;
  if (c) {
    const verb = c.savedPerHostSeconds >= 0 ? 'shorter' : 'longer';
    out.push(
      '',
      `Compared with \`sleep ${n(c.sleepSeconds)}\`: the wait is ${n(Math.abs(c.savedPerHostSeconds))} s ${verb} per host, ${n(Math.abs(c.savedTotalSeconds))} s over ${plan.hosts.length} host(s); the sleep is ${c.safe ? 'safe but a guess' : `NOT safe: below the latest bound ${n(d.unhealthyAfterSeconds.latest)} s`}.`,
    );
  }
  return out;
}

function memorySection(report: Report, memory: MemoryAnalysis | null): string[] {
  const m = memory ?? report.memory;
  if (!m) return ['### Memory', '', 'No memory samples (dry run, or the sampler did not run).'];
  const samples = (memory?.samples ?? report.memory?.samples ?? []) as unknown as MemorySample[];
  const peakAt = (memory?.peakAt ?? report.memory?.peakAt) as MemoryAnalysis['peakAt'] | undefined;
  const where = peakAt ? ` on ${peakAt.host} during ${peakAt.step} (t = ${n(peakAt.t)} s)` : '';
  const out = [
    '### Memory',
    '',
    `Source \`${m.source}\`, one sample every ${n(m.intervalSeconds)} s: peak **${m.peakPercent ?? '-'} %**${where}; ${overlapText(report, m.overlapSeconds)}; OOM kills: **${m.oomKills}**.`,
    ...budgetLines(report),
  ];
  const chart = memoryMermaid(samples);
  if (chart)
    out.push(
      '',
      'Used memory per host (each point is the highest sample in its time bucket; the lines follow the order in the title):',
      '',
      chart,
    );
  return out;
}

/** A swap's overlap is its plan: said so, with its window's numbers; anything else is unplanned. */
function overlapText(report: Report, seconds: number): string {
  const o = report.memory?.overlap as Overlap | undefined;
  if (o?.planned && o.seconds > 0)
    return `planned overlap (swap: old JVM beside the build and the new JVM, by design) **${n(o.seconds)} s**, peak **${o.peakPercent ?? '-'} %** during it, OOM kills during it: **${o.oomKills}**`;
  return `old and new JVM (or build) together for **${n(seconds)} s**${seconds > 0 && o ? ' (unplanned)' : ''}`;
}

/** The budget's prediction (before the first host) beside the peak measured on each host. */
function budgetLines(report: Report): string[] {
  const budget = report.memory?.budget as
    | {
        host: string;
        strategy: string;
        predictedPercent: number;
        predictedMb: number;
        totalMb: number;
        measuredPeakPercent: number | null;
        buildMb?: number;
        buildFrom?: string;
        buildBasis?: string;
        newJvmMb?: number;
        newJvmFrom?: string;
      }[]
    | undefined;
  if (!budget?.length) return [];
  return [
    '',
    'Memory budget, predicted before the first host vs measured:',
    '',
    ...budget.map(
      (b) =>
        `- ${b.host}: predicted **${b.predictedPercent} %** (${b.strategy}, ${b.predictedMb} of ${b.totalMb} MB), measured peak **${b.measuredPeakPercent ?? '-'} %**${b.buildMb === undefined ? '' : `; build ${b.buildMb} MB (${b.buildBasis ?? b.buildFrom}), new JVM ${b.newJvmMb} MB (${b.newJvmFrom})`}`,
    ),
  ];
}

function whereReport(dir: string, runUrl: string | undefined): string[] {
  return [
    '### Full report',
    '',
    `\`${dir}/\`: report.json (every step and sample), events.ndjson, memory.csv, memory.svg and this summary.${
      runUrl
        ? ` Upload the directory with actions/upload-artifact to keep it: it is then under Artifacts on [this run](${runUrl}).`
        : ' In CI, upload the directory with actions/upload-artifact to keep it.'
    }`,
  ];
}
