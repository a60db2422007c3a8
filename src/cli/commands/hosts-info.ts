// `deploy status`, `deploy history` and `deploy unlock`: read (or clear the lock) on each host.

import { loadConfig } from '../../config/load.ts';
import type { DeployConfig } from '../../config/schema.ts';
import { leftoverRules } from '../../engine/maintenance.ts';
import type { ReleaseCommit } from '../../engine/source.ts';
import { EXIT } from '../../errors.ts';
import * as c from '../../remote/commands.ts';
import { type Layout, layout } from '../../remote/layout.ts';
import { parseLockRead, readLock, removeLock } from '../../remote/lock.ts';
import type { Cmd } from '../../remote/shell.ts';
import { parseLivePort, readLivePort } from '../../remote/swap.ts';
import type { Io } from '../io.ts';
import { maintenanceListener } from './aws.ts';
import { configuredHosts, connectHost } from './connect.ts';

type Values = Record<string, unknown>;
type Run = (cmd: Cmd) => Promise<string>;

async function eachHost<T>(values: Values, io: Io, fn: (l: Layout, run: Run, host: string) => Promise<T>) {
  const { config, environment } = await loadConfig({
    cwd: io.cwd,
    file: values.config as string | undefined,
    environment: values.env as string | undefined,
  });
  const hosts = await configuredHosts(config, io, values.hosts as string | undefined);
  const l = layout(config.app.dir);
  const out: { host: string; value: T }[] = [];
  for (const host of hosts) {
    const exec = await connectHost(config, host, io.cwd);
    try {
      out.push({
        host: host.name,
        value: await fn(l, async (cmd) => (await exec.run(cmd)).stdout, host.name),
      });
    } finally {
      await exec.close();
    }
  }
  return { config, environment, out };
}

export async function statusCommand(values: Values, io: Io): Promise<number> {
  const { config, environment, out } = await eachHost(values, io, async (l, run): Promise<HostStatus> => {
    const lines = (await run(c.readState(l))).split('\n');
    const kv = Object.fromEntries(
      lines.map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]),
    );
    const releases = lines.filter((x) => x.startsWith('release=')).map((x) => x.slice(8));
    const { locked, owner } = parseLockRead(await run(readLock(l)));
    // strategy 'swap' records the port the app serves on; null before the first swap.
    const livePort = (await run(readLivePort(l))).trim();
    // A lock whose owner file is missing (a deploy died between mkdir and write) is still a lock.
    const lock = owner ?? (locked ? { owner: '(owner unreadable)', startedAt: '?' } : undefined);
    return {
      release: kv.current || null,
      pid: kv.pid ? Number(kv.pid) : null,
      running: kv.state === 'alive',
      releases,
      lock: lock ?? null,
      livePort: livePort ? parseLivePort(livePort, 0) || null : null,
    };
  });
  const rules = await leftoverMaintenance(config, io);
  if (values.json) {
    const hosts = out.map((o) => ({ name: o.host, ...o.value }));
    const doc = {
      version: 1,
      app: config.app.name,
      ...(environment ? { environment } : {}),
      hosts,
      ...(rules ? { maintenanceRules: rules } : {}),
    };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return EXIT.deployed;
  }
  // The environment applied (--env) heads the list: staging and production often share an app name.
  if (environment) io.stdout.write(`${config.app.name} · environment ${environment}\n`);
  for (const { host, value: v } of out) io.stdout.write(`${host}: ${statusLine(v)}\n`);
  for (const r of rules ?? [])
    io.stdout.write(
      `maintenance rule ${r.arn} (priority ${r.priority}) is still on the listener: every request gets its 503; \`deploy unlock\` removes it\n`,
    );
  return EXIT.deployed;
}

/**
 * The maintenance rules a killed deploy left on the listener (config `maintenance`), or undefined
 * when none is configured or the listener cannot be read (a warning: status still shows the hosts).
 */
async function leftoverMaintenance(
  config: DeployConfig,
  io: Io,
): Promise<{ arn: string; priority: number }[] | undefined> {
  const m = await maintenanceListener(config);
  if (!m) return undefined;
  try {
    return (await leftoverRules(m)).map(({ arn, priority }) => ({ arn, priority }));
  } catch (error) {
    io.stderr.write(`warning: the maintenance listener could not be read: ${(error as Error).message}\n`);
    return undefined;
  }
}

type HostStatus = {
  release: string | null;
  pid: number | null;
  running: boolean;
  releases: string[];
  lock: { owner: string; startedAt: string; environment?: string } | null;
  livePort: number | null;
};

function statusLine(v: HostStatus): string {
  const lock = v.lock
    ? `; LOCKED by ${v.lock.owner} since ${v.lock.startedAt}${v.lock.environment ? ` (environment ${v.lock.environment})` : ''}`
    : '';
  return `release ${v.release ?? '(none)'}, pid ${v.pid ?? '-'} ${v.running ? 'running' : 'NOT running'}${v.livePort ? ` on port ${v.livePort}` : ''}; ${v.releases.length} release(s) kept${lock}`;
}

/** One line of history.jsonl (docs/contracts.md); older lines may lack newer fields. */
export type HistoryEntry = {
  release?: string;
  from?: string | null;
  result?: string;
  at?: string;
  by?: string;
  runUrl?: string | null;
  commit?: ReleaseCommit;
  [field: string]: unknown;
};

/**
 * history.jsonl -> its entries. A line that is not whole JSON (a write cut short by a full disk or
 * a killed session) is skipped with a warning naming the host and the line, so one bad line never
 * hides the rest (or stops a rollback).
 */
export function parseHistory(text: string, host: string, warn: (message: string) => void): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as unknown;
      if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
        entries.push(entry as HistoryEntry);
        continue;
      }
    } catch {}
    warn(`${host}: history.jsonl line ${i + 1} is not a whole JSON line (cut short?); skipped it`);
  }
  return entries;
}

export async function historyCommand(values: Values, io: Io): Promise<number> {
  const warn = (message: string) => io.stderr.write(`warning: ${message}\n`);
  const { out } = await eachHost(values, io, async (l, run, host) =>
    parseHistory(await run(c.readHistory(l)), host, warn),
  );
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ version: 1, hosts: out.map((o) => ({ name: o.host, deploys: o.value })) }, null, 2)}\n`,
    );
    return EXIT.deployed;
  }
  for (const { host, value } of out) io.stdout.write(formatHistory(host, value));
  return EXIT.deployed;
}

/** A host's last 20 deploys, one line each, with the commit each release was made from. */
export function formatHistory(host: string, entries: HistoryEntry[]): string {
  const lines = entries.slice(-20).map((e) => {
    const c = e.commit;
    const commit =
      c && typeof c === 'object' ? `  ${String(c.sha).slice(0, 12)} ${c.author}: ${c.subject}` : '';
    return `  ${e.at}  ${String(e.result).padEnd(11)} ${e.from ?? '-'} -> ${e.release}  by ${e.by}${e.runUrl ? ` (${e.runUrl})` : ''}${commit}`;
  });
  if (entries.length === 0) lines.push('  (no deploys recorded)');
  return `${host}:\n${lines.map((l) => `${l}\n`).join('')}`;
}

export async function unlockCommand(values: Values, io: Io): Promise<number> {
  const { config, out } = await eachHost(values, io, async (l, run) => {
    const { locked, owner } = parseLockRead(await run(readLock(l)));
    if (!locked) return 'not locked';
    await run(removeLock(l));
    if (!owner) return 'removed a lock whose owner was unreadable';
    return `removed the lock of ${owner.owner} (pid ${owner.pid}) taken ${owner.startedAt}${owner.runUrl ? ` by ${owner.runUrl}` : ''}`;
  });
  for (const { host, value } of out) io.stdout.write(`${host}: ${value}\n`);
  // A maintenance rule a killed deploy left answers 503 to everyone: it goes with the lock.
  const m = await maintenanceListener(config);
  for (const r of m ? await leftoverRules(m) : []) {
    await m?.port.deleteRule(r.arn);
    io.stdout.write(`removed the maintenance rule ${r.arn} (priority ${r.priority}) from the listener\n`);
  }
  return EXIT.deployed;
}

/** The release before the current one, from the host's own history. */
export function previousFromHistory(lines: HistoryEntry[], current: string | undefined): string | undefined {
  const last = [...lines].reverse().find((e) => e.result === 'deployed' && e.release === current);
  return last?.from ?? undefined;
}
