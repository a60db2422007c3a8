// The same two-host deploy done two ways in the sandbox, under the same steady load:
//   handoff  `deploy run` (stop-first, computed wait)
//   script   the field write-up's script: POST /termination, sleep 25, build, kill, start, poll /health
// Prints per-host drained window, total time and failed requests side by side. Needs root.
// Usage: node bench/deploy.ts [--sleep 25] [--smoke]
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { APP_SOURCE_DIR } from '../scripts/sandbox/app.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { startLoad } from '../scripts/sandbox/load.ts';
import { sshArgs } from '../scripts/sandbox/ssh.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { sandboxConfig, startCli } from '../test/helpers/deploy-sandbox.ts';
import { isSmoke, writeResults } from './lib/results.ts';
import { ratio, round } from './lib/stats.ts';

const execFileP = promisify(execFile);

const { values } = parseArgs({ options: { sleep: { type: 'string' }, smoke: { type: 'boolean' } } });
const smoke = isSmoke();
const sleepSeconds = Number(values.sleep ?? (smoke ? 3 : 25));
const BUILD = 'BUILD_SECONDS=3 BUILD_MB=400 sh build.sh';
const START = 'java -Xms64m -Xmx320m -jar build/app.jar';

// The field write-up's order, per host: drain by flag, fixed sleep, build beside the old JVM, kill, start, poll.
const FIELD_SCRIPT = `set -e
D=/srv/handoff; ID=$1; SLEEP=$2
t0=$(date +%s.%N)
curl -s -o /dev/null -X POST http://127.0.0.1:8080/termination
sleep "$SLEEP"
t1=$(date +%s.%N)
cd "$D/releases/$ID" && ${BUILD} >build.log 2>&1
old=$(cat "$D/app.pid" 2>/dev/null || ss -Hltnp 'sport = :8080' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -n1)
kill "$old"; while kill -0 "$old" 2>/dev/null; do sleep 0.1; done
ln -sfn "releases/$ID" "$D/current"
setsid sh -c "exec ${START}" </dev/null >>"$D/releases/$ID/app.log" 2>&1 & echo $! > "$D/app.pid"
until [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/health)" = 200 ]; do sleep 1; done
echo "drained $(echo "$t0 $t1" | awk '{print $2 - $1}')"`;

async function withLoad<T>(fn: () => Promise<T> | T) {
  const load = startLoad({ rate: 40, seconds: 900 });
  const value = await fn();
  await new Promise((r) => setTimeout(r, 1000));
  load.stop();
  const r = await load.done;
  const failures = {
    statusCounts: r.statusCounts,
    errorCodes: r.errorCodes,
    seconds: r.timeline.filter((t) => t.sent > t.ok),
  };
  return { value, failed: r.failed, total: r.total, failures };
}

async function handoffRun(state: NonNullable<ReturnType<typeof readState>>) {
  const { dir } = sandboxConfig(state, {
    app: { build: { command: BUILD }, start: { command: START, env: { HEAP_MB: '200' } } },
  });
  const t0 = performance.now();
  // Asynchronous on purpose: a *Sync child would block this process's load generator.
  const r = await startCli(['run'], dir).done;
  if (r.code !== 0) throw new Error(`deploy run failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(readFileSync(join(dir, 'report/report.json'), 'utf8')) as {
    hosts: { drainSeconds: number }[];
  };
  return { total: (performance.now() - t0) / 1000, drained: report.hosts.map((h) => h.drainSeconds) };
}

async function scriptRun(state: NonNullable<ReturnType<typeof readState>>) {
  const id = `script-${Date.now()}`;
  const t0 = performance.now();
  const drained: number[] = [];
  for (const host of state.hosts) {
    const ssh = sshArgs(host.ip);
    const release = `/srv/handoff/releases/${id}`;
    await execFileP('sh', [
      '-c',
      `d=$1; shift; tar -C "$d" -cf - . | ssh "$@" 'mkdir -p ${release} && tar -xf - -C ${release}'`,
      'x',
      APP_SOURCE_DIR,
      ...ssh,
    ]);
    const { stdout: out } = await execFileP('ssh', [
      ...ssh,
      `sh -c '${FIELD_SCRIPT.replaceAll("'", `'\\''`)}' field ${id} ${sleepSeconds}`,
    ]);
    drained.push(Number(/drained ([\d.]+)/.exec(out)?.[1]));
  }
  return { total: (performance.now() - t0) / 1000, drained };
}

const startedHere = !isUp(readState());
const state = await sandboxUp({ hosts: 2 });
try {
  // Warm-up, not measured: the first requests after `up` meet cold JVMs and fresh connections.
  const warm = await startLoad({ rate: 40, seconds: 5 }).done;
  console.log(`warm-up: ${warm.failed} failed of ${warm.total}`);
  const a = await withLoad(() => handoffRun(state));
  const b = await withLoad(() => scriptRun(state));
  const fmt = (v: number) => v.toFixed(1).padStart(8);
  console.log(
    `two-host deploy in the sandbox, load 40 req/s through HAProxy (checks every ${state.healthCheck.intervalSeconds} s)`,
  );
  console.log(`                       handoff   sleep ${sleepSeconds}   script/handoff`);
  for (const i of [0, 1])
    console.log(
      `drained window h${i + 1} s ${fmt(a.value.drained[i]!)}  ${fmt(b.value.drained[i]!)}   ${(b.value.drained[i]! / a.value.drained[i]!).toFixed(2)}`,
    );
  console.log(
    `total time s        ${fmt(a.value.total)}  ${fmt(b.value.total)}   ${(b.value.total / a.value.total).toFixed(2)}`,
  );
  console.log(
    `failed requests     ${String(a.failed).padStart(8)}  ${String(b.failed).padStart(8)}   (of ${a.total} / ${b.total})`,
  );
  const hc = state.healthCheck;
  const at = `I=${hc.intervalSeconds} T=${hc.timeoutSeconds} N=${hc.unhealthyThreshold} H=${hc.healthyThreshold}`;
  const drainedH = a.value.drained.map((d) => round(d));
  const drainedS = b.value.drained.map((d) => round(d));
  const file = writeResults(
    'deploy',
    {
      settings: { hosts: 2, healthCheck: hc, sleepSeconds, loadRate: 40, build: BUILD, start: START },
      samples: [
        { run: 'handoff', ...a.value, failed: a.failed, total: a.total, failures: a.failures },
        { run: 'script', ...b.value, failed: b.failed, total: b.total, failures: b.failures },
      ],
      summary: {
        drainedSeconds: { handoff: drainedH, script: drainedS },
        totalSeconds: { handoff: round(a.value.total), script: round(b.value.total) },
        totalRatio: ratio(b.value.total, a.value.total),
        failed: { handoff: a.failed, script: b.failed },
        requests: { handoff: a.total, script: b.total },
      },
      readme: [
        {
          what: `drained window per host, termination mode, checks ${at}: handoff vs the field script's \`sleep ${sleepSeconds}\``,
          figure: `${drainedH.join(' / ')} s vs ${drainedS.join(' / ')} s (${ratio(b.value.drained[0]!, a.value.drained[0]!)}x)`,
          how: 'node bench/deploy.ts',
        },
        {
          what: `total two-host deploy time, checks ${at}: handoff (stop-first, computed wait, settle) vs the script`,
          figure: `${round(a.value.total)} s vs ${round(b.value.total)} s (${ratio(b.value.total, a.value.total)}x)`,
          how: 'node bench/deploy.ts',
        },
        {
          what: 'failed requests during those deploys, 40 req/s through HAProxy',
          figure: `${a.failed} of ${a.total} vs ${b.failed} of ${b.total}`,
          how: 'node bench/deploy.ts',
        },
      ],
    },
    { smoke },
  );
  if (!smoke) regenerateReadme();
  console.log(`results: ${file}`);
} finally {
  if (startedHere) await sandboxDown();
}
