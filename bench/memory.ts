// Memory on a 1 GiB host (the sandbox's cgroup), the same deploy done stop-first and build-first
// under steady load: peak %, old/new overlap seconds and OOM kills side by side. Copies both
// memory.svg charts to docs/img/. Needs root. Usage: node bench/memory.ts
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { readReport, sandboxConfig, startCli, underLoad } from '../test/helpers/deploy-sandbox.ts';

const root = join(import.meta.dirname, '..');
const startedHere = !isUp(readState());
const state = await sandboxUp({ hosts: 2 });
try {
  const rows: Record<
    string,
    { peak: number | null; overlap: number; oom: number; failed: number; code: number | null }
  > = {};
  for (const strategy of ['stop-first', 'build-first']) {
    const build = {
      command: 'BUILD_SECONDS=6 BUILD_MB=450 sh build.sh',
      artifact: 'build/app.jar',
      estimateSeconds: 8,
    };
    const { dir } = sandboxConfig(state, { app: { build }, extra: { strategy } });
    const { value, failed } = await underLoad(() => startCli(['run'], dir).done);
    const m = readReport(dir).memory!;
    rows[strategy] = {
      peak: m.peakPercent,
      overlap: m.overlapSeconds,
      oom: m.oomKills,
      failed,
      code: value.code,
    };
    mkdirSync(join(root, 'docs/img'), { recursive: true });
    copyFileSync(join(dir, 'report/memory.svg'), join(root, `docs/img/memory-${strategy}.svg`));
  }
  const a = rows['stop-first']!;
  const b = rows['build-first']!;
  console.log(
    'two-host deploy, 1 GiB memory cgroup per host (figure: cgroup usage - inactive_file, over the limit)',
  );
  console.log('                      stop-first   build-first');
  console.log(
    `peak used %          ${String(a.peak).padStart(10)}   ${String(b.peak).padStart(11)}   (+${(b.peak! - a.peak!).toFixed(1)} points)`,
  );
  console.log(`old/new overlap s    ${String(a.overlap).padStart(10)}   ${String(b.overlap).padStart(11)}`);
  console.log(`OOM kills            ${String(a.oom).padStart(10)}   ${String(b.oom).padStart(11)}`);
  console.log(`failed requests      ${String(a.failed).padStart(10)}   ${String(b.failed).padStart(11)}`);
  console.log(`exit code            ${String(a.code).padStart(10)}   ${String(b.code).padStart(11)}`);
  console.log('charts: docs/img/memory-stop-first.svg, docs/img/memory-build-first.svg');
} finally {
  if (startedHere) await sandboxDown();
}
