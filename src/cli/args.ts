// The CLI contract (design.md section 3) as data: every command's options in one table, parsed by
// node:util parseArgs in strict mode so an unknown flag is a usage error (exit 2), never ignored.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';

type Opt = { type: 'string' | 'boolean'; short?: string; describe: string };
const config: Opt = { type: 'string', short: 'c', describe: 'config file (default: ./deploy.config.ts)' };
const json: Opt = { type: 'boolean', describe: 'print one versioned JSON document on stdout' };
const waitLock: Opt = {
  type: 'string',
  describe: 'queue up to SECONDS behind a running deploy instead of exiting 3 (config: lock.waitSeconds)',
};
const hosts: Opt = { type: 'string', describe: 'only these hosts, comma-separated names' };

export const COMMANDS = {
  run: {
    summary: 'deploy host by host: drain, wait, stop, build, start, health, admit, settle',
    options: {
      config,
      json,
      hosts,
      'dry-run': { type: 'boolean', describe: 'print the plan and the commands; change nothing' },
      strategy: { type: 'string', describe: 'stop-first (default) or build-first' },
      'allow-downtime': { type: 'boolean', describe: 'allow draining the last healthy target' },
      'report-dir': { type: 'string', describe: 'where report.json, memory.csv/svg and summary.md go' },
      yes: { type: 'boolean', short: 'y', describe: 'do not ask for confirmation' },
      'wait-lock': waitLock,
      strict: { type: 'boolean', describe: 'refuse when the memory budget predicts a peak above the limit' },
    },
  },
  plan: {
    summary: 'the timeline and the drain-time math; no side effects',
    options: { config, json, hosts },
  },
  sample: {
    summary: 'run the memory sampler alone on one host',
    options: {
      config,
      host: { type: 'string', describe: 'host name (required)' },
      duration: { type: 'string', describe: 'seconds to sample (default 60)' },
      out: { type: 'string', describe: 'write the samples as CSV to this file' },
      json,
    },
  },
  rollback: {
    summary: 'back to the previous release',
    options: {
      config,
      hosts,
      json,
      yes: { type: 'boolean', short: 'y', describe: 'do not ask' },
      'wait-lock': waitLock,
    },
  },
  status: { summary: 'current release and PID per host', options: { config, hosts, json } },
  history: { summary: 'past deploys, as recorded on the hosts', options: { config, hosts, json } },
  unlock: { summary: 'remove a stale deploy lock', options: { config, hosts } },
  init: {
    summary: 'write a starter deploy.config.ts and a GitHub workflow',
    options: {},
  },
} as const satisfies Record<string, { summary: string; options: Record<string, Opt> }>;

export type CommandName = keyof typeof COMMANDS;
export type ParsedArgs = { command: CommandName; values: Record<string, string | boolean | undefined> };

export function parseCli(argv: string[]): ParsedArgs | { help: string } | { version: true } {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help')
    return { help: usage() };
  if (first === '--version' || first === '-v') return { version: true };
  if (!(first in COMMANDS)) throw new UsageError(`unknown command '${first}'\n\n${usage()}`);
  const command = first as CommandName;
  if (rest.includes('--help') || rest.includes('-h')) return { help: commandUsage(command) };
  const options = Object.fromEntries(
    Object.entries(COMMANDS[command].options).map(([k, o]) => [
      k,
      { type: o.type, ...('short' in o ? { short: o.short } : {}) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
    if (positionals.length > 0)
      throw new UsageError(
        `unexpected argument '${positionals[0]}' for 'deploy ${command}'\n\n${commandUsage(command)}`,
      );
    return { command, values: values as ParsedArgs['values'] };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${(error as Error).message}\n\n${commandUsage(command)}`);
  }
}

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: deploy <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `deploy <command> --help` for its options. Exit codes: 0 deployed · 1 failed, rolled back · 2 bad config or usage · 3 lock held · 4 rollback failed · 70 internal error.',
  ].join('\n');
}

export function commandUsage(command: CommandName): string {
  const entries = Object.entries(COMMANDS[command].options) as [string, Opt][];
  const flag = ([k, o]: [string, Opt]) =>
    `${o.short ? `-${o.short}, ` : ''}--${k}${o.type === 'string' ? ' <value>' : ''}`;
  const width = Math.max(...entries.map((e) => flag(e).length));
  return [
    `Usage: deploy ${command} [options]`,
    `  ${COMMANDS[command].summary}`,
    '',
    ...entries.map((e) => `  ${flag(e).padEnd(width)}  ${e[1].describe}`),
  ].join('\n');
}
