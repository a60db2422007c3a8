#!/usr/bin/env node
// Launcher for both bins (handoff, deploy). Plain JavaScript that any Node runs, so that --help and
// --version answer, and an old Node gets the fix rather than a stack trace, before anything that
// needs Node >= 22.18 is loaded. The CLI itself is dist/ (`npm run build`, run on install by
// `prepare`): the bundle dist/bundle/ when present (a few files to load instead of ~130: start-up,
// docs/cli.md), else the per-module build.
import { existsSync } from 'node:fs';
import module from 'node:module';

quietWarnings();
const argv = process.argv.slice(2);
const { nodeVersionProblem } = await import('../dist/cli/node-version.js');
const tooOld = nodeVersionProblem(process.versions.node);
if (tooOld) process.exitCode = await oldNode(argv, tooOld);
else {
  // V8's code cache and Node's TypeScript output, kept between runs (os.tmpdir()/node-compile-cache,
  // or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off).
  module.enableCompileCache?.();
  const bundle = new URL('../dist/bundle/main.js', import.meta.url);
  const { main } = await import(existsSync(bundle) ? bundle.href : '../dist/cli/main.js');
  process.exitCode = await main(argv);
}

/**
 * Node prints warnings about the app's repository, not about the deploy: MODULE_TYPELESS_PACKAGE_JSON
 * when deploy.config.ts sits in a package.json without "type" (every Java repository with one),
 * ExperimentalWarning for type stripping on Node 22. They land in the middle of the output (after a
 * `[y/N]` question in a terminal), so those two are dropped; any other warning is printed as Node would.
 */
function quietWarnings() {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'ExperimentalWarning' || w.code === 'MODULE_TYPELESS_PACKAGE_JSON') return;
    process.stderr.write(`(node:${process.pid}) ${w.code ? `[${w.code}] ` : ''}${w.name}: ${w.message}\n`);
  });
}

/** On a Node too old for the CLI: help and version still answer; anything else gets the fix. */
async function oldNode(args, problem) {
  try {
    const { parseCli } = await import('../dist/cli/args.js');
    const { programName } = await import('../dist/cli/program-name.js');
    const parsed = parseCli(args, programName(process.argv[1]));
    if ('help' in parsed) {
      process.stdout.write(`${parsed.help}\n`);
      return 0;
    }
    if ('version' in parsed) {
      const pkg = JSON.parse(
        (await import('node:fs')).readFileSync(new URL('../package.json', import.meta.url)),
      );
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
  } catch {
    // a usage error: the Node version is the first thing to fix
  }
  process.stderr.write(`error: ${problem}\n`);
  const error = { kind: 'usage', message: problem };
  if (args.includes('--json'))
    process.stdout.write(`${JSON.stringify({ version: 1, error, exitCode: 2 }, null, 2)}\n`);
  return 2;
}
