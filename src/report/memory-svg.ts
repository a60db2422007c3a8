// memory.svg beside report.json: used % over time, the JVMs' and the build's RSS, one shaded band per
// step and the peak marked. Standalone SVG (no scripts, no external fonts) so any viewer renders it.
import { byHost, type StepSpan, stepSpans } from '../memory/analysis.ts';
import type { MemorySample } from '../sampler/parse.ts';
import { NO_STEP } from '../sampler/parse.ts';

export interface MemorySvgInput {
  source: string;
  intervalSeconds: number;
  samples: readonly MemorySample[];
}

const W = 900;
const H = 360;
const PLOT = { left: 56, right: W - 64, top: 44, bottom: H - 62 };
const USED_COLOR = '#1c63b8';
// Roles keep one color on every host; hosts differ by dash pattern.
const RSS_LINES = [
  { key: 'oldRssKb', label: 'old JVM RSS', color: '#d9480f' },
  { key: 'buildRssKb', label: 'build RSS', color: '#7b2cbf' },
  { key: 'newRssKb', label: 'new JVM RSS', color: '#2b8a3e' },
] as const;
const DASHES = ['', '7 4', '2 3', '10 3 2 3'];
const BAND_COLORS = ['#4dabf7', '#ffa94d', '#b197fc', '#69db7c', '#ff8787', '#ffd43b', '#63e6be', '#e599f7'];

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

const f1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** Tick positions from min to max at a 1/2/5 x 10^k step giving about `count` ticks. */
function ticks(min: number, max: number, count: number): number[] {
  const raw = Math.max(max - min, 1e-9) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/** Path data for one series, lifting the pen across missed ticks so gaps stay visible. */
function linePath(
  points: ReadonlyArray<{ t: number; x: number; y: number | undefined }>,
  iv: number,
): string {
  let d = '';
  let prevT: number | undefined;
  for (const p of points) {
    if (p.y === undefined) {
      prevT = undefined;
      continue;
    }
    const move = prevT === undefined || p.t - prevT > iv * 1.5;
    d += `${move ? 'M' : 'L'}${f1(p.x)} ${f1(p.y)}`;
    prevT = p.t;
  }
  return d;
}

function band(span: StepSpan, color: string, label: string, x: (t: number) => number): string {
  const x0 = x(span.from);
  const w = Math.max(1, x(span.to) - x0);
  const rect = `<rect x="${f1(x0)}" y="${PLOT.top}" width="${f1(w)}" height="${PLOT.bottom - PLOT.top}" fill="${color}" fill-opacity="0.18"/>`;
  // Narrow bands get their name written upwards so it never spills into the neighbour's band.
  const text =
    w >= label.length * 6.2 + 6
      ? `<text x="${f1(x0 + 3)}" y="${PLOT.top + 12}" class="band">${escapeXml(label)}</text>`
      : `<text transform="translate(${f1(x0 + w / 2 + 3.5)} ${PLOT.top + 4}) rotate(90)" class="band">${escapeXml(label)}</text>`;
  return rect + text;
}

/** Where a time, a used % and an RSS in MB land on the plot, and the ticks along each axis. */
type Scales = {
  x: (t: number) => number;
  yPct: (p: number) => number;
  yMb: (mb: number) => number;
  tTicks: number[];
  mbTicks: number[];
};

function scales(samples: readonly MemorySample[], iv: number): Scales {
  const t0 = samples.length ? Math.min(...samples.map((s) => s.t)) : 0;
  const t1 = samples.length ? Math.max(...samples.map((s) => s.t)) + iv : iv;
  const x = (t: number): number =>
    PLOT.left + ((t - t0) / Math.max(t1 - t0, 1e-9)) * (PLOT.right - PLOT.left);
  const yPct = (p: number): number =>
    PLOT.bottom - (Math.min(Math.max(p, 0), 100) / 100) * (PLOT.bottom - PLOT.top);
  const maxRssMb = Math.max(1, ...samples.flatMap((s) => RSS_LINES.map((r) => (s[r.key] ?? 0) / 1024)));
  const mbTicks = ticks(0, maxRssMb, 4);
  // The top tick must cover the highest RSS, or the line would leave the plot.
  if (mbTicks[mbTicks.length - 1]! < maxRssMb) mbTicks.push(mbTicks[mbTicks.length - 1]! + mbTicks[1]!);
  const mbTop = mbTicks[mbTicks.length - 1]!;
  const yMb = (mb: number): number => PLOT.bottom - (mb / mbTop) * (PLOT.bottom - PLOT.top);
  return { x, yPct, yMb, tTicks: ticks(t0, t1, 8), mbTicks };
}

function header(title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="11" role="img">`,
    // A title element: screen readers and image viewers name the chart by it.
    `<title>${escapeXml(title)}: memory used % and JVM RSS over the deploy</title>`,
    '<style>.band{font-size:10px;fill:#333}.ax{fill:#444}.grid{stroke:#ddd;stroke-width:1}</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
}

/** Step bands, drawn first so they sit under everything; 'none' (before the first step mark) stays unshaded. */
function bands(samples: readonly MemorySample[], iv: number, hosts: string[], x: Scales['x']): string[] {
  const steps = [...new Set(samples.map((s) => s.step))].filter((s) => s !== NO_STEP);
  return stepSpans(samples, iv)
    .filter((span) => span.step !== NO_STEP)
    .map((span) => {
      const color = BAND_COLORS[steps.indexOf(span.step) % BAND_COLORS.length]!;
      return band(span, color, hosts.length > 1 ? `${span.host} ${span.step}` : span.step, x);
    });
}

/** Grid and axes: used % on the left (0-100), RSS in MB on the right, seconds along the bottom. */
function axes(sc: Scales): string[] {
  const out: string[] = [];
  for (const p of [0, 25, 50, 75, 100]) {
    const y = f1(sc.yPct(p));
    out.push(
      `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}" class="grid"/>`,
      `<text x="${PLOT.left - 6}" y="${y}" dy="4" text-anchor="end" class="ax">${p}%</text>`,
    );
  }
  for (const mb of sc.mbTicks) {
    out.push(`<text x="${PLOT.right + 6}" y="${f1(sc.yMb(mb))}" dy="4" class="ax">${mb} MB</text>`);
  }
  for (const t of sc.tTicks) {
    out.push(`<text x="${f1(sc.x(t))}" y="${PLOT.bottom + 15}" text-anchor="middle" class="ax">${t}s</text>`);
  }
  out.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#888"/>`,
    `<text transform="translate(14 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" class="ax">used %</text>`,
    `<text transform="translate(${W - 8} ${(PLOT.top + PLOT.bottom) / 2}) rotate(90)" text-anchor="middle" class="ax">RSS (MB)</text>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 30}" text-anchor="middle" class="ax">seconds since deploy start</text>`,
  );
  return out;
}

/** Each host's lines: RSS thin, used % thick and on top; hosts differ by dash pattern. */
function series(samples: readonly MemorySample[], iv: number, hosts: string[], sc: Scales): string[] {
  const out: string[] = [];
  byHost(samples).forEach((points, host) => {
    const dash = DASHES[hosts.indexOf(host) % DASHES.length]!;
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
    for (const r of RSS_LINES) {
      const d = linePath(
        points.map((s) => ({
          t: s.t,
          x: sc.x(s.t),
          y: s[r.key] === undefined ? undefined : sc.yMb(s[r.key]! / 1024),
        })),
        iv,
      );
      if (d) out.push(`<path d="${d}" fill="none" stroke="${r.color}" stroke-width="1.5"${dashAttr}/>`);
    }
    const d = linePath(
      points.map((s) => ({ t: s.t, x: sc.x(s.t), y: sc.yPct(s.usedPercent) })),
      iv,
    );
    if (d) out.push(`<path d="${d}" fill="none" stroke="${USED_COLOR}" stroke-width="2.5"${dashAttr}/>`);
  });
  return out;
}

/** The peak: a marker and its value, kept inside the plot. */
function peakMarker(samples: readonly MemorySample[], hosts: string[], sc: Scales): string[] {
  const peak = samples.reduce<MemorySample | undefined>(
    (p, s) => (!p || s.usedPercent > p.usedPercent ? s : p),
    undefined,
  );
  if (!peak) return [`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="ax">no samples</text>`];
  const px = sc.x(peak.t);
  const py = sc.yPct(peak.usedPercent);
  const label = `peak ${peak.usedPercent.toFixed(1)}% (${peak.step}${hosts.length > 1 ? `, ${peak.host}` : ''})`;
  const right = px + label.length * 6.5 + 8 > PLOT.right;
  const ly = py - 8 < PLOT.top + 16 ? py + 16 : py - 8;
  return [
    `<circle cx="${f1(px)}" cy="${f1(py)}" r="4.5" fill="#e03131" stroke="#fff" stroke-width="1.5"/>`,
    `<text x="${f1(right ? px - 8 : px + 8)}" y="${f1(ly)}" text-anchor="${right ? 'end' : 'start'}" font-weight="bold" fill="#c92a2a" class="peak">${escapeXml(label)}</text>`,
  ];
}

/** Legend along the bottom; host dash patterns only when there is more than one host. */
function legend(hosts: string[]): string[] {
  const items: Array<[string, string, string]> = [
    ['used %', USED_COLOR, ''],
    ...RSS_LINES.map((r): [string, string, string] => [r.label, r.color, '']),
  ];
  if (hosts.length > 1) {
    for (const [i, h] of hosts.entries()) items.push([h, '#555', DASHES[i % DASHES.length]!]);
  }
  const out: string[] = [];
  let lx = PLOT.left;
  for (const [label, color, dash] of items) {
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${H - 12}" y2="${H - 12}" stroke="${color}" stroke-width="2.5"${dashAttr}/>`,
      `<text x="${lx + 27}" y="${H - 8}" class="legend">${escapeXml(label)}</text>`,
    );
    lx += 40 + label.length * 6.5;
  }
  return out;
}

export function renderMemorySvg(input: MemorySvgInput, opts: { title?: string } = {}): string {
  const iv = input.intervalSeconds;
  const samples = input.samples;
  const hosts = [...byHost(samples).keys()];
  const title =
    opts.title ??
    `Memory during deploy: ${hosts.length ? hosts.join(', ') : 'no host'} (source: ${input.source}, ${
      input.source === 'cgroup' ? 'usage - inactive_file over limit' : 'MemTotal - MemAvailable over MemTotal'
    })`;
  const sc = scales(samples, iv);
  const out = [
    ...header(title),
    ...bands(samples, iv, hosts, sc.x),
    ...axes(sc),
    ...series(samples, iv, hosts, sc),
    ...peakMarker(samples, hosts, sc),
    ...legend(hosts),
    '</svg>',
  ];
  return `${out.join('\n')}\n`;
}
