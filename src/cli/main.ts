// The composition root and the only error boundary: argv -> command -> exit code.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { ConfigError, EXIT, ExitError, UsageError } from '../errors.ts';
import { type ParsedArgs, parseCli, wantsJson } from './args.ts';
import type { Io } from './io.ts';
import { processIo } from './io.ts';
import { nodeVersionProblem } from './node-version.ts';

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    const parsed = parseCli(argv, io.bin);
    if ('help' in parsed) {
      io.stdout.write(`${parsed.help}\n`);
      return EXIT.deployed;
    }
    if ('version' in parsed) {
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT.deployed;
    }
    const tooOld = nodeVersionProblem(process.versions.node);
    if (tooOld) throw new UsageError(tooOld);
    return await dispatch(parsed, await atConfigRoot(parsed, io));
  } catch (error) {
    return await fail(error, io, wantsJson(argv));
  }
}

async function dispatch(parsed: ParsedArgs, io: Io): Promise<number> {
  switch (parsed.command) {
    case 'plan':
      return await (await import('./commands/plan.ts')).planCommand(parsed.values, io);
    case 'run':
      return await (await import('./commands/run.ts')).runCommand(parsed.values, io);
    case 'sample':
      return await (await import('./commands/sample.ts')).sampleCommand(parsed.values, io);
    case 'status':
      return await (await import('./commands/hosts-info.ts')).statusCommand(parsed.values, io);
    case 'history':
      return await (await import('./commands/hosts-info.ts')).historyCommand(parsed.values, io);
    case 'unlock':
      return await (await import('./commands/hosts-info.ts')).unlockCommand(parsed.values, io);
    case 'logs':
      return await (await import('./commands/logs.ts')).logsCommand(parsed.values, io);
    case 'rollback':
      return await (await import('./commands/rollback.ts')).rollbackCommand(parsed.values, io);
    case 'init':
      return await (await import('./commands/init.ts')).initCommand(parsed.values, io);
    case 'completion':
      io.stdout.write((await import('./completion.ts')).completionScript(parsed.arg as 'bash'));
      return EXIT.deployed;
    default:
      io.stderr.write(`deploy ${parsed.command}: not available yet in this version\n`);
      return EXIT.usage;
  }
}

const TAKES_CONFIG = new Set(['run', 'plan', 'sample', 'rollback', 'status', 'history', 'unlock', 'logs']);

/**
 * Run from a subdirectory, a command uses the config found in a parent (config/load.ts,
 * discoverConfig) and runs from the config's directory, as it would there: relative paths in the
 * config mean the same wherever it is run from. Paths given on the command line stay relative to
 * where they were typed.
 */
async function atConfigRoot(parsed: ParsedArgs, io: Io): Promise<Io> {
  if (!TAKES_CONFIG.has(parsed.command) || parsed.values.config !== undefined) return io;
  const { discoverConfig } = await import('../config/load.ts');
  const file = discoverConfig(io.cwd);
  if (!file || dirname(file) === resolve(io.cwd)) return io;
  for (const key of ['report-dir', 'out'])
    if (typeof parsed.values[key] === 'string') parsed.values[key] = resolve(io.cwd, parsed.values[key]);
  io.stderr.write(`using ${relative(io.cwd, file)} (paths are relative to ${dirname(file)})\n`);
  return { ...io, cwd: dirname(file) };
}

/** The one error boundary: a message on stderr, under --json also one JSON document on stdout. */
async function fail(error: unknown, io: Io, json: boolean): Promise<number> {
  if (error instanceof ExitError) {
    // loaded here, not at start-up: only a failure in Actions needs them
    const github = io.env.GITHUB_ACTIONS === 'true' ? await import('../render/github.ts') : undefined;
    // The message may quote a CLI argument or a host's output: never a workflow command in Actions.
    const line = `error: ${error.message}\n`;
    io.stderr.write(github ? github.fenceCommands(line) : line);
    if (json) writeJsonError(io, error.exitCode, error);
    if (github) {
      const { appendRefusalSummary } = await import('../report/github-summary.ts');
      const where = { cwd: io.cwd, workspace: io.env.GITHUB_WORKSPACE ?? io.cwd };
      for (const annotation of github.failureAnnotations(error, where)) io.stderr.write(`${annotation}\n`);
      appendRefusalSummary(io.env, github.failureTitle(error.exitCode), error.message);
    }
    return error.exitCode;
  }
  io.stderr.write(
    `internal error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug in handoff: please report it with the command you ran.\n`,
  );
  if (json) writeJsonError(io, EXIT.internal, error);
  return EXIT.internal;
}

const KIND: Record<number, string> = {
  [EXIT.failed]: 'failed',
  [EXIT.usage]: 'usage',
  [EXIT.locked]: 'locked',
  [EXIT.rollbackFailed]: 'rollback-failed',
  [EXIT.internal]: 'internal',
};

/** docs/cli.md, "Errors under --json": `{ version, error: { kind, message, issues? }, exitCode }`. */
function writeJsonError(io: Io, exitCode: number, error: unknown): void {
  const kind = error instanceof ConfigError ? 'config' : (KIND[exitCode] ?? 'failed');
  // A usage error's first paragraph is the error; the usage text after it is for people.
  const message = (error instanceof Error ? error.message : String(error)).split('\n\n')[0];
  const issues = error instanceof ConfigError ? { file: error.file, issues: error.issues } : {};
  io.stdout.write(
    `${JSON.stringify({ version: 1, error: { kind, message, ...issues }, exitCode }, null, 2)}\n`,
  );
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
