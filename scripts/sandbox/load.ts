// Steady request rate through the load balancer, counting every failure. Our own loop rather than
// autocannon: autocannon's rate limit sends each connection's quota in a burst at the top of every
// second (a drain gap between bursts goes unseen), and a request lost when the server closes the
// connection is silently re-sent on a new one, not counted. Here request i leaves at start + i/rate,
// and each one ends as exactly one of: 2xx, non-2xx, socket error, timeout.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { FRONTEND } from './contract.ts';

export type LoadOptions = {
  url?: string;
  /** Several load-balancer nodes (the ALB model): request i goes to urls[i % n], as DNS round-robin spreads clients. */
  urls?: string[];
  /** Keep one record per request (when it left, which node, status, which host answered). */
  record?: boolean;
  rate: number;
  seconds: number;
  connections?: number;
  timeoutMs?: number;
};
export type SecondStats = {
  second: number;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
};
export type LoadResult = {
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** non2xx + errors + timeouts */
  failed: number;
  statusCounts: Record<string, number>;
  errorCodes: Record<string, number>;
  /** Per second of sending (by when the request left), only seconds that sent something. */
  timeline: SecondStats[];
  durationMs: number;
  stoppedEarly: boolean;
  /** Per load-balancer node (its URL): requests sent and failed. */
  byNode: Record<string, { sent: number; failed: number }>;
  /** With `record`: every request, in the order they left. */
  requests?: RequestRecord[];
};
export type RequestRecord = {
  /** Epoch ms when the request left. */
  at: number;
  ms: number;
  node: string;
  outcome: 'ok' | 'non2xx' | 'errors' | 'timeouts';
  status?: number;
  /** The host that answered (`host=` in the app's body), when it did. */
  host?: string;
  /** A non-2xx answer's body (its first 1,024 characters): whose answer it was (a listener rule's, the balancer's). */
  body?: string;
};
export type LoadRun = {
  done: Promise<LoadResult>;
  stop(): void;
  /** With `record`: the requests so far (a settled one has its outcome; one in flight says 'ok' for now). */
  records(): RequestRecord[];
};

export function startLoad(opts: LoadOptions): LoadRun {
  const urls = (opts.urls ?? [opts.url ?? `http://${FRONTEND.host}:${FRONTEND.port}/`]).map(
    (u) => new URL(u),
  );
  if (urls.length === 0) throw new RangeError('urls must not be empty');
  if (!(opts.rate > 0) || !(opts.seconds > 0)) throw new RangeError('rate and seconds must be positive');
  const perNode = Math.max(2, Math.ceil((opts.connections ?? 10) / urls.length));
  const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: perNode }));
  const byNode: LoadResult['byNode'] = Object.fromEntries(urls.map((u) => [u.host, { sent: 0, failed: 0 }]));
  const requests: RequestRecord[] | undefined = opts.record ? [] : undefined;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const periodMs = 1000 / opts.rate;
  const planned = Math.round(opts.rate * opts.seconds);
  const start = performance.now();
  const seconds: SecondStats[] = [];
  const statusCounts: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  let sent = 0;
  let inFlight = 0;
  let stopped = false;
  let finish: (r: LoadResult) => void = () => {};
  const done = new Promise<LoadResult>((r) => {
    finish = r;
  });
  const bucket = (sentAt: number) => {
    const s = Math.floor((sentAt - start) / 1000);
    seconds[s] ??= { second: s, sent: 0, ok: 0, non2xx: 0, errors: 0, timeouts: 0 };
    return seconds[s];
  };

  const result = (): LoadResult => {
    const timeline = seconds.filter(Boolean);
    const sum = (k: keyof SecondStats) => timeline.reduce((a, s) => a + s[k], 0);
    const [ok, non2xx, errors, timeouts] = [sum('ok'), sum('non2xx'), sum('errors'), sum('timeouts')];
    return {
      total: sum('sent'),
      ok,
      non2xx,
      errors,
      timeouts,
      failed: non2xx + errors + timeouts,
      statusCounts,
      errorCodes,
      timeline,
      durationMs: Math.round(performance.now() - start),
      stoppedEarly: sent < planned,
      byNode,
      ...(requests ? { requests } : {}),
    };
  };
  const maybeFinish = () => {
    if ((stopped || sent >= planned) && inFlight === 0) {
      for (const agent of agents) agent.destroy();
      finish(result());
    }
  };

  const fire = () => {
    const now = performance.now();
    const b = bucket(now);
    const i = sent % urls.length;
    const url = urls[i]!;
    const node = byNode[url.host]!;
    const rec: RequestRecord | undefined = requests
      ? { at: Math.round(performance.timeOrigin + now), ms: 0, node: url.host, outcome: 'ok' }
      : undefined;
    if (rec) requests?.push(rec);
    b.sent++;
    node.sent++;
    sent++;
    inFlight++;
    let settled = false;
    let body = '';
    const settle = (kind: 'ok' | 'non2xx' | 'errors' | 'timeouts', key?: string) => {
      if (settled) return;
      settled = true;
      b[kind]++;
      if (kind !== 'ok') node.failed++;
      if (rec) {
        rec.outcome = kind;
        rec.ms = Math.round(performance.now() - now);
        if (kind === 'ok' || kind === 'non2xx') rec.status = Number(key);
        const host = /host=(\S+)/.exec(body)?.[1];
        if (host) rec.host = host;
        if (kind === 'non2xx') rec.body = body.slice(0, 1024);
      }
      if (key) {
        const counts = kind === 'ok' || kind === 'non2xx' ? statusCounts : errorCodes;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      inFlight--;
      maybeFinish();
    };
    const req = http.get(url, { agent: agents[i], timeout: timeoutMs }, (res) => {
      const code = res.statusCode ?? 0;
      if (rec) res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      else res.resume();
      res.on('end', () => settle(code >= 200 && code < 300 ? 'ok' : 'non2xx', String(code)));
      res.on('error', (e: NodeJS.ErrnoException) => settle('errors', e.code ?? e.message));
    });
    req.on('timeout', () => {
      settle('timeouts', 'TIMEOUT');
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => settle('errors', e.code ?? e.message));
  };

  const tick = () => {
    if (stopped) return maybeFinish();
    const due = Math.min(planned, Math.floor((performance.now() - start) / periodMs) + 1);
    while (sent < due) fire();
    if (sent >= planned) return maybeFinish();
    setTimeout(tick, Math.max(0, start + sent * periodMs - performance.now()));
  };
  tick();
  return {
    done,
    records: () => [...(requests ?? [])],
    stop: () => {
      stopped = true;
      maybeFinish();
    },
  };
}

export function formatLoad(r: LoadResult): string {
  const bad = r.timeline.filter((s) => s.non2xx + s.errors + s.timeouts > 0);
  return [
    `requests ${r.total} in ${(r.durationMs / 1000).toFixed(1)} s: ok ${r.ok}, non-2xx ${r.non2xx}, socket errors ${r.errors}, timeouts ${r.timeouts}`,
    `status codes ${JSON.stringify(r.statusCounts)}${r.errors ? ` errors ${JSON.stringify(r.errorCodes)}` : ''}`,
    ...(Object.keys(r.byNode).length > 1
      ? [
          `per node ${Object.entries(r.byNode)
            .map(([n, c]) => `${n}: ${c.failed} failed of ${c.sent}`)
            .join(', ')}`,
        ]
      : []),
    ...bad.map(
      (s) =>
        `  second ${s.second}: sent ${s.sent}, non-2xx ${s.non2xx}, errors ${s.errors}, timeouts ${s.timeouts}`,
    ),
  ].join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '30' },
      connections: { type: 'string', default: '10' },
      url: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  const run = startLoad({
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    urls: values.url,
  });
  process.once('SIGINT', () => run.stop());
  const r = await run.done;
  console.log(values.json ? JSON.stringify(r, null, 2) : formatLoad(r));
  process.exit(r.failed > 0 ? 1 : 0);
}
