// The composition root and the only error boundary: argv -> command -> exit code.
import { readFileSync } from 'node:fs';
import { EXIT, ExitError } from '../errors.ts';
import { failureAnnotations, failureTitle } from '../render/github.ts';
import { appendRefusalSummary } from '../report/github-summary.ts';
import { parseCli } from './args.ts';
import type { Io } from './io.ts';
import { processIo } from './io.ts';

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    checkNodeVersion();
    const parsed = parseCli(argv);
    if ('help' in parsed) {
      io.stdout.write(`${parsed.help}\n`);
      return EXIT.deployed;
    }
    if ('version' in parsed) {
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT.deployed;
    }
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
      case 'rollback':
        return await (await import('./commands/rollback.ts')).rollbackCommand(parsed.values, io);
      case 'init':
        return await (await import('./commands/init.ts')).initCommand(parsed.values, io);
      default:
        io.stderr.write(`deploy ${parsed.command}: not available yet in this version\n`);
        return EXIT.usage;
    }
  } catch (error) {
    if (error instanceof ExitError) {
      io.stderr.write(`error: ${error.message}\n`);
      if (io.env.GITHUB_ACTIONS === 'true') {
        const where = { cwd: io.cwd, workspace: io.env.GITHUB_WORKSPACE ?? io.cwd };
        for (const line of failureAnnotations(error, where)) io.stderr.write(`${line}\n`);
        appendRefusalSummary(io.env, failureTitle(error.exitCode), error.message);
      }
      return error.exitCode;
    }
    io.stderr.write(
      `internal error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug in handoff: please report it with the command you ran.\n`,
    );
    return EXIT.internal;
  }
}

function checkNodeVersion(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18))
    throw new ExitError(
      EXIT.usage,
      `handoff needs Node >= 22.18 (this is ${process.versions.node}): it loads deploy.config.ts with Node's own TypeScript support`,
    );
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
