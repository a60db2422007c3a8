// Measures which schedule HAProxy's health checks follow. A local /health answers after `responseMs`;
// the gap between the starts of consecutive checks is `interval` under a fixed-rate schedule and
// `interval + response` under a fixed-delay one. Run alone: node scripts/sandbox/check-schedule.ts
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startHaproxy } from './haproxy.ts';
import { sleep, stopProc } from './proc.ts';

export type PhaseResult = { status: number; gapsMs: number[]; meanGapMs: number; meanIdleMs: number };
export type ScheduleResult = {
  intervalMs: number;
  responseMs: number;
  passing: PhaseResult;
  failing: PhaseResult;
  model: 'fixed-rate' | 'fixed-delay' | 'unclear';
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

export async function measureCheckSchedule(
  opts: { intervalMs?: number; responseMs?: number; checksPerPhase?: number } = {},
): Promise<ScheduleResult> {
  const intervalMs = opts.intervalMs ?? 1000;
  const responseMs = opts.responseMs ?? 400;
  const perPhase = opts.checksPerPhase ?? 6;
  const checks: { status: number; start: number; end: number }[] = [];
  let status = 200;
  const server = http.createServer((_req, res) => {
    const start = performance.now();
    const answer = status;
    setTimeout(() => {
      res.writeHead(answer).end();
      checks.push({ status: answer, start, end: performance.now() });
    }, responseMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-check-schedule-'));
  const { proc } = await startHaproxy(dir, {
    // Thresholds high enough that the server changes state only once per phase (downinter = inter anyway).
    healthCheck: {
      intervalSeconds: intervalMs / 1000,
      timeoutSeconds: (2 * responseMs) / 1000,
      unhealthyThreshold: 3,
      healthyThreshold: 2,
    },
    servers: [{ name: 's1', address: `127.0.0.1:${port}` }],
    socket: path.join(dir, 'admin.sock'),
    frontend: { host: '127.0.0.1', port: await freePort() },
  });
  try {
    const waitFor = async (n: number) => {
      const deadline = Date.now() + (n + 3) * (intervalMs + responseMs) + 5000;
      while (checks.length < n && Date.now() < deadline) await sleep(20);
      if (checks.length < n) throw new Error(`only ${checks.length} health checks arrived`);
    };
    await waitFor(perPhase + 1);
    status = 502;
    await waitFor(2 * perPhase + 3);
  } finally {
    await stopProc(proc);
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const phase = (answer: number): PhaseResult => {
    const cs = checks.filter((c) => c.status === answer);
    const gapsMs = cs.slice(1).map((c, i) => Math.round(c.start - (cs[i]?.start ?? 0)));
    const idle = cs.slice(1).map((c, i) => c.start - (cs[i]?.end ?? 0));
    return {
      status: answer,
      gapsMs,
      meanGapMs: Math.round(mean(gapsMs)),
      meanIdleMs: Math.round(mean(idle)),
    };
  };
  const passing = phase(200);
  const failing = phase(502);
  // Decide by which prediction the gaps sit closer to, and only when both phases agree clearly.
  const classify = (p: PhaseResult) => {
    const rate = Math.abs(p.meanGapMs - intervalMs);
    const delay = Math.abs(p.meanGapMs - (intervalMs + responseMs));
    if (Math.min(rate, delay) > responseMs / 4) return 'unclear';
    return rate < delay ? 'fixed-rate' : 'fixed-delay';
  };
  const a = classify(passing);
  const model = a === classify(failing) ? a : 'unclear';
  return { intervalMs, responseMs, passing, failing, model };
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const r = await measureCheckSchedule({
    intervalMs: arg('--interval-ms'),
    responseMs: arg('--response-ms'),
  });
  console.log(JSON.stringify(r, null, 2));
}
