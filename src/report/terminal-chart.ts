// A few lines of unicode blocks showing used % over the deploy, printed at the end of a TTY run.
// Plain text, no colors: the caller decides about styling (and never prints this when not a TTY).
import type { MemoryAnalysis } from '../memory/analysis.ts';
import { NO_STEP } from '../sampler/parse.ts';

const BLOCKS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

export interface TerminalChartOptions {
  /** Columns of the plot itself (labels add 6). */
  width?: number;
  /** Text rows of the plot; each holds 8 block heights. */
  rows?: number;
}

type ChartInput = Pick<
  MemoryAnalysis,
  | 'samples'
  | 'intervalSeconds'
  | 'peakPercent'
  | 'peakAt'
  | 'overlapSeconds'
  | 'oomKills'
  | 'source'
  | 'missedSamples'
>;

export function renderTerminalChart(a: ChartInput, opts: TerminalChartOptions = {}): string {
  const rows = Math.max(1, opts.rows ?? 4);
  const samples = a.samples;
  if (samples.length === 0) return 'memory: no samples\n';
  const t0 = Math.min(...samples.map((s) => s.t));
  const t1 = Math.max(...samples.map((s) => s.t)) + a.intervalSeconds;
  // One column per tick when the deploy is short, otherwise each column holds several ticks.
  const width = Math.max(1, Math.min(opts.width ?? 60, Math.round((t1 - t0) / a.intervalSeconds)));
  const col = (t: number): number => Math.min(width - 1, Math.floor(((t - t0) / (t1 - t0)) * width));

  // Each column shows the highest used % among its samples (a peak must never be averaged away).
  const top: Array<number | undefined> = new Array(width).fill(undefined);
  const stepAt: Array<string | undefined> = new Array(width).fill(undefined);
  for (const s of samples) {
    const c = col(s.t);
    const cur = top[c];
    if (cur === undefined || s.usedPercent > cur) {
      top[c] = s.usedPercent;
      stepAt[c] = s.step;
    }
  }

  const lines: string[] = [];
  for (let r = rows - 1; r >= 0; r--) {
    const label = r === rows - 1 ? '100% ┤' : r === 0 ? '  0% ┤' : '     │';
    let line = label;
    for (const p of top) {
      if (p === undefined) {
        line += r === 0 ? '·' : ' '; // missed ticks show as dots on the baseline
        continue;
      }
      const eighths = Math.round((Math.min(Math.max(p, 0), 100) / 100) * rows * 8);
      line += BLOCKS[Math.min(8, Math.max(0, eighths - r * 8))];
    }
    lines.push(line.trimEnd());
  }
  lines.push(`      ${stepRow(stepAt)}`.trimEnd());
  lines.push(
    `      ${Math.round(t1 - t0)} s · peak ${a.peakPercent === null ? '-' : `${a.peakPercent.toFixed(1)}%`}${
      a.peakAt ? ` at ${Math.round(a.peakAt.t)} s (${a.peakAt.step})` : ''
    } · overlap ${a.overlapSeconds} s · OOM kills ${a.oomKills}${
      a.missedSamples ? ` · ${a.missedSamples} missed` : ''
    } · source ${a.source}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Step names under the columns where each step begins, shortened to fit before the next one. */
function stepRow(stepAt: ReadonlyArray<string | undefined>): string {
  const out: string[] = new Array(stepAt.length).fill(' ');
  let prev: string | undefined;
  const starts: Array<[number, string]> = [];
  stepAt.forEach((s, i) => {
    if (s !== undefined && s !== prev) starts.push([i, s]);
    if (s !== undefined) prev = s;
  });
  starts.forEach(([i, step], k) => {
    if (step === NO_STEP) return;
    const room = (starts[k + 1]?.[0] ?? stepAt.length + 12) - i - 1;
    const name = step.length <= room ? step : step.slice(0, Math.max(1, room));
    for (let j = 0; j < name.length; j++) out[i + j] = name[j]!;
  });
  return out.join('');
}
