// report.html beside report.json: one self-contained page (inline CSS and SVG, no script, no
// request: its Content-Security-Policy forbids any) that a person opens from a CI artifact: the
// outcome, per-host results, the step timeline, the drain math with its measured windows, and the
// memory chart with its step bands. Pure: report (+ memory, + plan) in, HTML out.
import type { MemoryAnalysis } from '../memory/analysis.ts';
import type { Overlap } from '../memory/overlap.ts';
import type { Plan } from '../plan/plan.ts';
import { escapeXml, renderMemorySvg } from './memory-svg.ts';
import type { Report } from './report.ts';

const esc = escapeXml;
const n = (v: number, digits = 1) => String(Math.round(v * 10 ** digits) / 10 ** digits);

const STEP_COLORS: Record<string, string> = {
  preflight: '#adb5bd',
  upload: '#74c0fc',
  drain: '#ffa94d',
  wait: '#ffd43b',
  stop: '#ff8787',
  build: '#b197fc',
  start: '#63e6be',
  health: '#69db7c',
  admit: '#4dabf7',
  settle: '#a9e34b',
  finish: '#ced4da',
};

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1000px;padding:24px;color:#212529;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dee2e6;padding-bottom:4px}
.result{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff}
.deployed{background:#2b8a3e}.rolled-back{background:#e67700}.failed{background:#c92a2a}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e9ecef;vertical-align:top}
th{background:#f8f9fa;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#6c757d}.error{background:#fff5f5;border-left:4px solid #c92a2a;padding:8px 12px;white-space:pre-wrap}
pre{background:#f8f9fa;padding:10px;overflow-x:auto;font-size:13px}svg{max-width:100%;height:auto}
`;

export function reportHtml(report: Report, memory: MemoryAnalysis | null, plan?: Plan): string {
  const seconds = (Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000;
  const title = `${report.app} ${report.releaseId}: ${report.result}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(report.app)}${report.environment ? ` (${esc(report.environment)})` : ''} · release ${esc(report.releaseId)} <span class="result ${esc(report.result)}">${esc(report.result)}</span></h1>
<p class="muted">exit code ${report.exitCode} · strategy ${esc(report.strategy)} · drain ${esc(report.drainMode)}${report.dryRun ? ' · dry run' : ''} · ${esc(report.startedAt)} to ${esc(report.endedAt)} (${n(seconds)} s)</p>
${report.commit ? `<p>commit <code>${esc(report.commit.sha.slice(0, 12))}</code> by ${esc(report.commit.author)}: ${esc(report.commit.subject)}</p>` : ''}
${report.error ? `<div class="error">${esc(report.error)}</div>` : ''}
<h2>Hosts</h2>
${hostsTable(report)}
<h2>Timeline</h2>
${timelineSvg(report)}
${plan ? `<h2>Drain math</h2>\n${drainSection(plan, report)}` : ''}
<h2>Memory</h2>
${memorySection(report, memory)}
<p class="muted">handoff report v${report.version} · report.json beside this file has every field.</p>
</body>
</html>
`;
}

function hostsTable(report: Report): string {
  const rows = report.hosts.map(
    (h) =>
      `<tr><td>${esc(h.name)}</td><td><span class="result ${esc(h.result)}">${esc(h.result)}</span></td>` +
      `<td>${esc(h.release.from ?? '(none)')} → ${esc(h.release.to)}</td>` +
      `<td class="num">${h.drainSeconds === null ? '-' : `${n(h.drainSeconds)} s`}</td>` +
      `<td class="num">${h.oldPid ?? '-'}</td><td class="num">${h.newPid ?? '-'}</td>` +
      `<td>${h.steps
        .filter((s) => !s.ok)
        .map((s) => `${esc(s.name)}: ${esc(s.detail)}`)
        .join('<br>')}</td></tr>`,
  );
  return `<table><thead><tr><th>host</th><th>result</th><th>release</th><th>drained in</th><th>old PID</th><th>new PID</th><th>failed steps</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** One lane per host, one bar per step from its start to its end (undo steps hatched, failures outlined). */
export function timelineSvg(report: Report): string {
  const t0 = Date.parse(report.startedAt);
  const total = Math.max(1, (Date.parse(report.endedAt) - t0) / 1000);
  const [W, left, right, lane, top] = [900, 70, 20, 34, 26];
  const x = (iso: string) => left + (((Date.parse(iso) - t0) / 1000) * (W - left - right)) / total;
  const H = top + lane * report.hosts.length + 24;
  const parts: string[] = [
    '<defs><pattern id="undo" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#868e96" fill-opacity="0.5"/></pattern></defs>',
  ];
  report.hosts.forEach((h, i) => {
    const y = top + i * lane;
    parts.push(`<text x="4" y="${y + lane / 2 + 4}" class="host">${esc(h.name)}</text>`);
    for (const s of h.steps) {
      const undo = s.name.startsWith('undo:');
      const base = undo ? s.name.slice(5) : s.name;
      const x0 = x(s.startedAt);
      const w = Math.max(1.5, x(s.endedAt) - x0);
      const secs = (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000;
      const fill = undo ? 'url(#undo)' : (STEP_COLORS[base] ?? '#ced4da');
      const stroke = s.ok ? '' : ' stroke="#c92a2a" stroke-width="2"';
      parts.push(
        `<rect class="step" data-step="${esc(s.name)}" x="${n(x0)}" y="${y + 4}" width="${n(w)}" height="${lane - 10}" fill="${fill}"${stroke}><title>${esc(`${s.name} ${n(secs)} s: ${s.detail}`)}</title></rect>`,
      );
      if (w > s.name.length * 6.5)
        parts.push(`<text x="${n(x0 + 3)}" y="${y + lane / 2 + 3}">${esc(s.name)}</text>`);
    }
  });
  for (let s = 0; s <= total; s += tickStep(total)) {
    const tx = left + (s * (W - left - right)) / total;
    parts.push(`<line x1="${n(tx)}" x2="${n(tx)}" y1="${top - 4}" y2="${H - 20}" stroke="#dee2e6"/>`);
    parts.push(`<text x="${n(tx)}" y="${H - 6}" text-anchor="middle" class="tick">${n(s, 0)} s</text>`);
  }
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="11" role="img" aria-label="step timeline per host"><style>.host{font-weight:600}.tick{fill:#6c757d}</style>${parts.join('')}</svg>`;
}

function tickStep(total: number): number {
  const raw = total / 8;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
}

function drainSection(plan: Plan, report: Report): string {
  const d = plan.drain;
  const t = d.terms;
  const terms = Object.entries(t)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${n(v as number, 3)}`)
    .join(' · ');
  const lines = [
    `health check: ${terms} (source: ${plan.healthCheck.source}${plan.awsFallback ? ', offline fallback' : ''})`,
    `unhealthy after: earliest = ${d.formula.earliest} = ${n(d.unhealthyAfterSeconds.earliest, 2)} s · latest = ${d.formula.latest} = ${n(d.unhealthyAfterSeconds.latest, 2)} s`,
    `wait = latest + margin = ${n(d.unhealthyAfterSeconds.latest, 2)} + ${n(d.marginSeconds, 2)} = ${n(d.waitSeconds, 2)} s`,
    `back in service: ${d.formula.readmitEarliest} to ${d.formula.readmitLatest} = ${n(d.readmitWindowSeconds.earliest, 2)} to ${n(d.readmitWindowSeconds.latest, 2)} s`,
    ...(d.comparison
      ? [
          `vs sleep ${n(d.comparison.sleepSeconds)}: ${n(d.comparison.savedPerHostSeconds)} s per host${d.comparison.safe ? '' : ' (the sleep is SHORTER than the latest bound: unsafe)'}`,
        ]
      : []),
  ];
  const measured = report.hosts
    .map(
      (h) =>
        `<tr><td>${esc(h.name)}</td><td class="num">${h.drainSeconds === null ? '-' : `${n(h.drainSeconds)} s`}</td><td class="num">${n(d.waitSeconds, 2)} s</td></tr>`,
    )
    .join('');
  return `<pre>${esc(lines.join('\n'))}</pre>
<table><thead><tr><th>host</th><th>drained in (measured)</th><th>bound waited (planned)</th></tr></thead><tbody>${measured}</tbody></table>`;
}

// A swap's overlap is planned (the budget said it fits): labelled so, with its peak and OOM kills.
function overlapRow(report: Report, seconds: number): [string, string] {
  const o = report.memory?.overlap as Overlap | undefined;
  if (o?.planned && o.seconds > 0)
    return [
      'planned overlap (swap: old JVM beside the build and the new JVM)',
      `${n(o.seconds)} s · peak ${o.peakPercent === null ? '-' : `${n(o.peakPercent)} %`} · OOM kills ${o.oomKills}`,
    ];
  return ['old JVM sharing the box with the build or the new JVM', `${n(seconds)} s`];
}

function memorySection(report: Report, memory: MemoryAnalysis | null): string {
  if (!memory || memory.samples.length === 0) return '<p class="muted">No memory samples in this report.</p>';
  const peak = memory.peakAt;
  const facts = [
    [
      'peak used',
      memory.peakPercent === null
        ? '-'
        : `${n(memory.peakPercent)} %${peak ? ` (${esc(peak.host)}, ${esc(peak.step)}, t = ${n(peak.t)} s)` : ''}`,
    ],
    overlapRow(report, memory.overlapSeconds),
    ['OOM kills', String(memory.oomKills)],
    ['source · interval', `${esc(memory.source)} · ${n(memory.intervalSeconds)} s`],
    ['missed samples', String(memory.missedSamples)],
    [
      'peak per step',
      Object.entries(memory.peakPerStep)
        .map(([s, p]) => `${esc(s)} ${n(p)} %`)
        .join(' · '),
    ],
  ];
  const svg = renderMemorySvg(
    { source: memory.source, intervalSeconds: memory.intervalSeconds, samples: memory.samples },
    { title: `${report.app} ${report.releaseId} (${report.strategy})` },
  ).replace(/^<\?xml[^>]*>\s*/, '');
  return `<table><tbody>${facts.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>
<div class="memory-chart">${svg}</div>`;
}
