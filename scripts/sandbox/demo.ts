// `npm run demo [-- --keep]`: brings the sandbox up, runs a real two-host `deploy run` (the repo's
// deploy.config.ts) under steady load through HAProxy, prints the failed-request count, the memory
// figures and where the report is, then tears the sandbox down (unless --keep).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_DIR } from './contract.ts';
import { sandboxDown } from './down.ts';
import { formatLoad, startLoad } from './load.ts';
import { requireMachine } from './preflight.ts';
import { formatStatus, sandboxStatus } from './status.ts';
import { sandboxUp, summary } from './up.ts';

requireMachine('demo');
const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
const step = (title: string) => console.log(`\n== ${title}`);
let code = 0;
try {
  step('sandbox:up');
  console.log(summary(await sandboxUp()));
  step('sandbox:status');
  console.log(formatStatus(await sandboxStatus()));
  step('deploy plan');
  spawnSync(process.execPath, [path.join(REPO_DIR, 'bin', 'deploy.js'), 'plan'], {
    cwd: REPO_DIR,
    stdio: 'inherit',
  });
  step('deploy run, under 40 req/s of steady load through HAProxy');
  const load = startLoad({ rate: 40, seconds: 900 });
  // Asynchronous: a *Sync child would block this process, and with it the load generator.
  const child = spawn(process.execPath, [path.join(REPO_DIR, 'bin', 'deploy.js'), 'run', '--yes'], {
    cwd: REPO_DIR,
    stdio: 'inherit',
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise((r) => setTimeout(r, 1000));
  load.stop();
  const result = await load.done;
  step('result');
  console.log(formatLoad(result));
  const reportDir = path.join(REPO_DIR, 'deploy-report');
  const report = JSON.parse(fs.readFileSync(path.join(reportDir, 'report.json'), 'utf8')) as {
    result: string;
    hosts: { name: string; drainSeconds: number | null }[];
    memory: { source: string; peakPercent: number | null; overlapSeconds: number; oomKills: number } | null;
  };
  console.log(
    `deploy: ${report.result} (exit ${status}); failed requests: ${result.failed} of ${result.total}`,
  );
  console.log(
    `drained windows: ${report.hosts.map((h) => `${h.name} ${h.drainSeconds ?? '-'} s`).join(', ')}`,
  );
  if (report.memory)
    console.log(
      `memory (${report.memory.source}): peak ${report.memory.peakPercent} %, old/new JVM overlap ${report.memory.overlapSeconds} s, OOM kills ${report.memory.oomKills}`,
    );
  console.log(`report: ${reportDir}/report.json (memory.svg, memory.csv, summary.md beside it)`);
  if (status !== 0 || result.failed > 0) code = 1;
} catch (e) {
  console.error(`demo failed: ${(e as Error).message}`);
  code = 1;
} finally {
  if (values.keep) console.log('\n--keep: the sandbox stays up (npm run sandbox:down to remove it)');
  else {
    step('sandbox:down');
    const problems = await sandboxDown();
    if (problems.length) {
      console.error(problems.join('\n'));
      code = 1;
    } else console.log('sandbox is down');
  }
}
process.exit(code);
