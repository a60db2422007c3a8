// Pure: the Markdown summary (the same text goes to GitHub's step summary).
import type { Report } from './report.ts';

export function summaryMarkdown(report: Report): string {
  const lines = [
    `## handoff: ${report.app} ${report.releaseId} ${report.result === 'deployed' ? 'deployed' : report.result}`,
    '',
    `Strategy \`${report.strategy}\`, drain \`${report.drainMode}\`, ${report.startedAt} to ${report.endedAt}.`,
  ];
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
  lines.push('', '| host | step | started | took | ok | detail |', '| --- | --- | --- | --- | --- | --- |');
  for (const h of report.hosts)
    for (const s of h.steps) {
      const took = ((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1);
      lines.push(
        `| ${h.name} | ${s.name} | ${s.startedAt.slice(11, 19)} | ${took} s | ${s.ok ? 'yes' : '**no**'} | ${s.detail.split('\n')[0]!.replaceAll('|', '\\|')} |`,
      );
    }
  if (report.memory)
    lines.push(
      '',
      `Memory (${report.memory.source}): peak ${report.memory.peakPercent ?? '-'} %, overlap ${report.memory.overlapSeconds} s, OOM kills ${report.memory.oomKills}.`,
    );
  return `${lines.join('\n')}\n`;
}
