// memory.csv beside report.json: one row per sample, for spreadsheets and plotting tools (RFC 4180).
import type { MemorySample } from '../sampler/parse.ts';

/** Column name and how to read it from a sample; empty cell when a value does not apply. */
const COLUMNS: ReadonlyArray<readonly [string, (s: MemorySample) => string | number | undefined]> = [
  ['t', (s) => s.t],
  ['host', (s) => s.host],
  ['step', (s) => s.step],
  ['source', (s) => s.source],
  ['used_percent', (s) => s.usedPercent],
  ['swap_used_percent', (s) => s.swapUsedPercent],
  ['old_rss_kb', (s) => s.oldRssKb],
  ['build_rss_kb', (s) => s.buildRssKb],
  ['new_rss_kb', (s) => s.newRssKb],
  ['used_kb', (s) => s.usedKb],
  ['total_kb', (s) => s.totalKb],
  ['cgroup_usage_kb', (s) => s.cgroupUsageKb],
  ['cgroup_inactive_file_kb', (s) => s.cgroupInactiveFileKb],
  ['oom_kill_counter', (s) => s.oomKillCounter],
];

export const MEMORY_CSV_HEADER = COLUMNS.map(([name]) => name).join(',');

function cell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const text = String(v);
  // Quote what would split a cell or a row; a leading = + - @ is left as is: these are data files.
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV text: header, then samples in the given order, CRLF-free (LF) with a final newline. */
export function memoryCsv(samples: readonly MemorySample[]): string {
  const rows = samples.map((s) => COLUMNS.map(([, get]) => cell(get(s))).join(','));
  return `${[MEMORY_CSV_HEADER, ...rows].join('\n')}\n`;
}
