// The shared results file of every bench: bench/results/<name>.json with the machine, the commit,
// the date, the settings, the raw samples, a summary and the rows the README's "Measured" table is
// generated from (scripts/gen-measured.ts). A smoke run (short, proves the bench works) writes under
// bench/results/smoke/, which is not committed and never reaches the README.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
export const SMOKE_DIR = join(RESULTS_DIR, 'smoke');
export const RESULTS_VERSION = 1;

export type Machine = {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  os: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the bench started: a loaded machine's figures are suspect. */
  loadAvg: number[];
};

/** One row of the README's "Measured" table. */
export type ReadmeRow = { what: string; figure: string; how: string };

export type Results = {
  bench: string;
  version: number;
  machine: Machine;
  commit: string;
  /** Uncommitted changes in the checkout when the bench ran. */
  dirty: boolean;
  date: string;
  smoke: boolean;
  settings: Record<string, unknown>;
  samples: unknown[];
  summary: Record<string, unknown>;
  readme: ReadmeRow[];
};

export function machineFacts(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

export function gitCommit(): { commit: string; dirty: boolean } {
  const commit = git(['rev-parse', 'HEAD']).trim() || 'unknown';
  // Results files themselves do not make the checkout dirty: a bench rewrites them.
  const status = git(['status', '--porcelain', '--', '.', ':!bench/results', ':!README.md', ':!docs/img']);
  return { commit, dirty: status.trim() !== '' };
}

/** `--smoke` on any bench: a short run that proves it works; its file is never committed. */
export function isSmoke(argv = process.argv): boolean {
  return argv.includes('--smoke');
}

/** Captured at import time, so a bench's own load does not count as the machine's. */
const machineAtStart = machineFacts();

export function resultsPath(name: string, smoke: boolean): string {
  return join(smoke ? SMOKE_DIR : RESULTS_DIR, `${name}.json`);
}

export function writeResults(
  name: string,
  body: Pick<Results, 'settings' | 'samples' | 'summary' | 'readme'>,
  opts: { smoke: boolean },
): string {
  const results: Results = {
    bench: name,
    version: RESULTS_VERSION,
    machine: machineAtStart,
    ...gitCommit(),
    date: new Date().toISOString(),
    smoke: opts.smoke,
    ...body,
  };
  const file = resultsPath(name, opts.smoke);
  mkdirSync(opts.smoke ? SMOKE_DIR : RESULTS_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export function readResults(file: string): Results {
  return JSON.parse(readFileSync(file, 'utf8')) as Results;
}
