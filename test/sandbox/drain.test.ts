// (c) The health-flip drain, measured: under steady load, POST /termination on one host and watch
// HAProxy's runtime socket until that server is DOWN. The time must fall inside the window the plan
// module predicts for the schedule HAProxy really follows, and the load must see no failure.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { APP_PORT, HAPROXY_BACKEND } from '../../scripts/sandbox/contract.ts';
import { HAPROXY_CHECK_SCHEDULE, waitForServers } from '../../scripts/sandbox/haproxy.ts';
import { showServers } from '../../scripts/sandbox/haproxy-runtime.ts';
import { restartApp } from '../../scripts/sandbox/hosts.ts';
import { formatLoad, startLoad } from '../../scripts/sandbox/load.ts';
import { sleep } from '../../scripts/sandbox/proc.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import { type SandboxState, writeState } from '../../scripts/sandbox/state.ts';
import { unhealthyWindow } from '../../src/plan/drain.ts';
import { sandboxDescribe, useSandbox } from './_env.ts';

const POLL_MS = 50;

/** Median response time of GET /health on the host, in seconds: the d (or d_ok) of the math. */
async function healthResponseSeconds(ip: string, expectStatus: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = await fetch(`http://${ip}:${APP_PORT}/health`, { signal: AbortSignal.timeout(2000) });
    await r.text();
    expect(r.status).toBe(expectStatus);
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[2]!;
}

sandboxDescribe('health-flip drain through HAProxy', () => {
  let state: SandboxState;
  let reused = false;
  let release = async () => {};
  beforeAll(async () => {
    ({ state, reused, release } = await useSandbox());
  });
  afterAll(async () => {
    // A developer's own sandbox gets its host back; ours is torn down anyway.
    const host = state?.hosts[0];
    if (reused && host) {
      await restartApp(host, host);
      writeState(state); // the app's new PID
      await waitForServers(state.haproxy!.socket, [host.name], 'UP', 30_000);
    }
    await release();
  });

  it('refuses POST /termination from outside the host (403) and keeps /health up', async () => {
    const host = state.hosts[1]!;
    const r = await fetch(`http://${host.ip}:${APP_PORT}/termination`, { method: 'POST' });
    expect(r.status).toBe(403);
    expect((await fetch(`http://${host.ip}:${APP_PORT}/health`)).status).toBe(200);
  });

  it('marks the server DOWN inside the predicted window, with no failed request', async () => {
    const hc = state.healthCheck;
    const host = state.hosts[0]!;
    const socket = state.haproxy!.socket;
    await waitForServers(
      socket,
      state.hosts.map((h) => h.name),
      'UP',
      30_000,
    );
    const dOk = await healthResponseSeconds(host.ip, 200);

    const load = startLoad({ rate: 50, seconds: 120 });
    await sleep(1500);
    // The poller runs from before the flip, so DOWN is seen within one poll of when it happens.
    let downSeenAt = 0;
    let slowestPollMs = 0;
    let polling = true;
    const poller = (async () => {
      while (polling && !downSeenAt) {
        const t0 = Date.now();
        const s = (await showServers(socket, HAPROXY_BACKEND)).find((x) => x.server === host.name);
        slowestPollMs = Math.max(slowestPollMs, Date.now() - t0);
        if (s?.op === 'DOWN') downSeenAt = Date.now();
        else await sleep(POLL_MS);
      }
    })();

    // The app stamps the flip with its own clock (the same kernel clock as ours): no SSH round trip in the number.
    const flip = await sshRun(
      host.ip,
      `curl -sS -D - -o /dev/null -X POST http://127.0.0.1:${APP_PORT}/termination`,
    );
    const flippedAt = Number(/^x-terminated-at:\s*(\d+)/im.exec(flip.stdout)?.[1]);
    expect(flippedAt).toBeGreaterThan(0);
    const d = await healthResponseSeconds(host.ip, 502);

    const window = unhealthyWindow(hc, {
      responseSeconds: d,
      okResponseSeconds: dOk,
      model: HAPROXY_CHECK_SCHEDULE,
    });
    const deadline = Date.now() + (window.latest + 5) * 1000;
    while (!downSeenAt && Date.now() < deadline) await sleep(POLL_MS);
    polling = false;
    await poller;
    await sleep(2000); // traffic after DOWN goes to the other host only: must not fail either
    load.stop();
    const result = await load.done;

    const elapsed = (downSeenAt - flippedAt) / 1000;
    const tolerance = (POLL_MS + slowestPollMs + 20) / 1000;
    console.log(
      `[drain] ${HAPROXY_CHECK_SCHEDULE}: DOWN after ${elapsed.toFixed(3)} s, window [${window.earliest}, ${window.latest}) ` +
        `(d=${d.toFixed(4)} s, d_ok=${dOk.toFixed(4)} s, tolerance ${tolerance.toFixed(3)} s)\n${formatLoad(result)}`,
    );
    expect(downSeenAt, 'HAProxy never marked the server DOWN').toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(window.earliest - 0.02);
    expect(elapsed).toBeLessThan(window.latest + tolerance);
    expect(result.total).toBeGreaterThan(50 * (window.earliest + 2));
    expect(result.failed, formatLoad(result)).toBe(0);
  });
});
