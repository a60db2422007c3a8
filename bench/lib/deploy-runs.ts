// The runs bench/deploy.ts compares, each a two-host deploy in the sandbox under steady load:
// handoff's `deploy run` (host build or a locally built artifact) and the field write-up's script
// (POST /termination, a fixed sleep, build beside the old JVM, kill, start, poll /health).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APP_SOURCE_DIR } from '../../scripts/sandbox/app.ts';
import { startLoad } from '../../scripts/sandbox/load.ts';
import { sshArgs } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { appSourceCopy, sandboxConfig, startCli } from '../../test/helpers/deploy-sandbox.ts';

const execFileP = promisify(execFile);
export const BUILD = 'BUILD_SECONDS=3 BUILD_MB=400 sh build.sh';
export const START = 'java -Xms64m -Xmx320m -jar build/app.jar';

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

/** Runs fn under 40 req/s through HAProxy; every failed request is counted, with when it failed. */
export async function withLoad<T>(fn: () => Promise<T> | T) {
  const load = startLoad({ rate: 40, seconds: 900 });
  try {
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
  } finally {
    load.stop();
  }
}

type Step = { name: string; startedAt: string; endedAt: string; ok: boolean };
type Report = { hosts: { name: string; drainSeconds: number; steps: Step[] }[] };

const span = (s: Step | undefined) =>
  s ? (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 : Number.NaN;

/**
 * Per host: the drained wait (drain request to the end of the wait, what `sleep 25` replaces), the
 * out-of-rotation window (end of the wait, when the load balancer no longer routes, to the end of
 * settle, when it routes again) and the parts of its floor that were measured (stop, boot).
 */
export function hostFigures(report: Report) {
  return report.hosts.map((h) => {
    const step = (n: string) => h.steps.find((s) => s.name === n && s.ok);
    const out = (Date.parse(step('settle')?.endedAt ?? '') - Date.parse(step('wait')?.endedAt ?? '')) / 1000;
    return {
      host: h.name,
      drainedSeconds: h.drainSeconds,
      outOfRotationSeconds: out,
      stopSeconds: span(step('stop')),
      bootSeconds: span(step('start')) + span(step('health')),
      steps: h.steps,
    };
  });
}

export async function handoffRun(state: SandboxState, where: 'host' | 'local') {
  const { dir } = sandboxConfig(state, {
    app: {
      build: { command: BUILD, artifact: 'build/app.jar', estimateSeconds: 6, where },
      start: { command: START, env: { HEAP_MB: '200' }, bootSeconds: 3 },
    },
    ...(where === 'local' ? { source: appSourceCopy() } : {}),
  });
  const plan = JSON.parse((await startCli(['plan', '--json'], dir).done).stdout) as {
    drain: { waitSeconds: number; readmitAfterSeconds: number; unhealthyAfterSeconds: { latest: number } };
  };
  const t0 = performance.now();
  // Asynchronous on purpose: a *Sync child would block this process's load generator.
  const r = await startCli(['run'], dir).done;
  if (r.code !== 0) throw new Error(`deploy run failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(readFileSync(join(dir, 'report/report.json'), 'utf8')) as Report;
  return { total: (performance.now() - t0) / 1000, plan: plan.drain, hosts: hostFigures(report) };
}

export async function scriptRun(state: SandboxState, sleepSeconds: number) {
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
