// `npm test`: every test, in parallel lanes. The unit project runs in one lane; sandbox files run
// one at a time in each of HANDOFF_TEST_LANES sandbox lanes (default 4: mostly waits, not CPU), each lane on its own
// sandbox instance (HANDOFF_SANDBOX_ID: own bridge, subnet, namespaces, cgroups, ports, state dir),
// so lanes share nothing. Files are taken longest first from test/sandbox/durations.json (measured;
// `--record` rewrites it), so the lanes end close together. Each file's output is printed whole
// when it ends. With arguments, runs `vitest run ARGS` as is (one file, a filter, a project).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { whyFailed } from './test-report.ts';

const ROOT = join(import.meta.dirname, '..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const DURATIONS = join(ROOT, 'test', 'sandbox', 'durations.json');
const UNKNOWN_SECONDS = 90; // a new file, not measured yet: assume a deploy or two

type Outcome = { file: string; lane: string; code: number; seconds: number; output: string };

function vitest(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VITEST, 'run', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

function sandboxFiles(): string[] {
  const dir = join(ROOT, 'test', 'sandbox');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => relative(ROOT, join(dir, f)));
}

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

async function lane(name: string, queue: string[], env: NodeJS.ProcessEnv, done: Outcome[]): Promise<void> {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const t0 = performance.now();
    const { code, output } = await vitest(['--project', 'sandbox', file], env);
    const outcome = { file, lane: name, code, seconds: (performance.now() - t0) / 1000, output };
    done.push(outcome);
    report(outcome);
  }
}

function report(o: Outcome): void {
  const mark = o.code === 0 ? 'ok  ' : 'FAIL';
  process.stdout.write(`\n===== ${mark} ${o.file} (lane ${o.lane}, ${o.seconds.toFixed(0)} s)\n${o.output}`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const record = args.includes('--record');
  const rest = args.filter((a) => a !== '--record');
  if (rest.length > 0) {
    const r = await vitest(rest, {});
    process.stdout.write(r.output);
    return r.code;
  }

  const lanes = Math.max(1, Number(process.env.HANDOFF_TEST_LANES ?? 4));
  const base = Number(process.env.HANDOFF_SANDBOX_ID ?? 0);
  const durations = readDurations();
  const estimate = (f: string) => durations[f] ?? UNKNOWN_SECONDS;
  const queue = sandboxFiles().sort((a, b) => estimate(b) - estimate(a));
  const t0 = performance.now();
  const done: Outcome[] = [];
  const unit = (async () => {
    const started = performance.now();
    const { code, output } = await vitest(['--project', 'unit'], {});
    const o = {
      file: 'unit project',
      lane: 'unit',
      code,
      seconds: (performance.now() - started) / 1000,
      output,
    };
    done.push(o);
    report(o);
  })();
  await Promise.all([
    unit,
    ...Array.from({ length: lanes }, (_, i) =>
      lane(String(base + i + 1), queue, { HANDOFF_SANDBOX_ID: String(base + i + 1) }, done),
    ),
  ]);
  const failed = done.filter((o) => o.code !== 0);
  const wall = (performance.now() - t0) / 1000;
  process.stdout.write(
    `\n===== ${done.length - failed.length} of ${done.length} passed in ${wall.toFixed(0)} s (${lanes} sandbox lanes)\n${done
      .map((o) => `  ${o.code === 0 ? 'ok  ' : 'FAIL'} ${o.file} ${o.seconds.toFixed(0)} s (lane ${o.lane})`)
      .join('\n')}\n`,
  );
  for (const o of failed) process.stdout.write(whyFailed(o.file, o.lane, o.output));
  if (record) {
    const measured = Object.fromEntries(
      done
        .filter((o) => o.file.startsWith('test/'))
        .sort((a, b) => a.file.localeCompare(b.file))
        .map((o) => [o.file, Math.round(o.seconds)]),
    );
    writeFileSync(DURATIONS, `${JSON.stringify(measured, null, 2)}\n`);
  }
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
