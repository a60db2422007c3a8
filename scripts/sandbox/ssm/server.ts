// The local Systems Manager endpoint: the AmazonSSM JSON 1.1 API for the SDK on loopback, and the
// channel the agents on the hosts long-poll (the role of ec2messages in AWS) on the bridge address.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACTIONS, SsmError } from './api.ts';
import { type AgentReport, DEFAULT_MODEL, type ModelOptions, RunCommandModel } from './model.ts';

export type Throttle = { rate: number; burst: number };

export type SsmEndpointOptions = {
  port: number;
  host?: string;
  /** Where agents connect (the bridge address); omit to serve them on the API listener. */
  agentHost?: string;
  model?: Partial<ModelOptions>;
  /** Token bucket per action (requests per second, burst); beyond it: ThrottlingException. */
  throttle?: Throttle;
  log?: (line: string) => void;
};

/**
 * Faults a test sets on a running endpoint, each for the next N requests of an action: `drop`
 * handles the request and then closes the connection without an answer (the caller sees ECONNRESET
 * and cannot tell whether it was done); `error` answers 500 InternalServerError without handling it;
 * `throttle` answers ThrottlingException as an empty bucket does (counted as throttled), whatever
 * the bucket holds: a test that must meet throttling meets it however slowly the machine sends.
 */
export type Faults = {
  drop: Record<string, number>;
  error: Record<string, number>;
  throttle: Record<string, number>;
};

/** One of the next N of this action? (counts it down) */
function due(table: Record<string, number>, action: string): boolean {
  const left = table[action] ?? 0;
  if (left <= 0) return false;
  table[action] = left - 1;
  return true;
}

export const DEFAULT_THROTTLE: Throttle = { rate: 10, burst: 20 };
const TARGET_PREFIX = 'AmazonSSM.';
const AGENT_POLL_MS = 15_000;

function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new SsmError('ValidationException', 'Request too large', 413));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(text);
}

class Buckets {
  private readonly state = new Map<string, { tokens: number; at: number }>();
  private readonly t: Throttle;
  constructor(t: Throttle) {
    this.t = t;
  }
  take(key: string, now = Date.now()): boolean {
    const s = this.state.get(key) ?? { tokens: this.t.burst, at: now };
    s.tokens = Math.min(this.t.burst, s.tokens + ((now - s.at) / 1000) * this.t.rate);
    s.at = now;
    this.state.set(key, s);
    if (s.tokens < 1) return false;
    s.tokens -= 1;
    return true;
  }
}

/** API requests per action, and how many of them were throttled (what a caller costs the account). */
export type CallCounts = Record<string, { calls: number; throttled: number }>;

async function api(
  model: RunCommandModel,
  buckets: Buckets,
  counts: CallCounts,
  faults: Faults,
  req: IncomingMessage,
  res: ServerResponse,
) {
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const count = counts[action || '(none)'] ?? { calls: 0, throttled: 0 };
    counts[action || '(none)'] = count;
    count.calls++;
    if (
      req.method !== 'POST' ||
      !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')
    )
      throw new SsmError('UnknownOperationException', 'expected POST application/x-amz-json-1.1');
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '))
      throw new SsmError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400);
    const handler = ACTIONS[action];
    if (!handler) throw new SsmError('UnknownOperationException', `the sandbox does not implement ${target}`);
    const raw = await readBody(req);
    if (due(faults.throttle, action) || !buckets.take(action)) {
      count.throttled++;
      throw new SsmError('ThrottlingException', 'Rate exceeded');
    }
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      throw new SsmError('SerializationException', 'body is not JSON');
    }
    if (due(faults.error, action)) throw new SsmError('InternalServerError', 'injected', 500);
    const answer = handler(model, body);
    if (due(faults.drop, action)) return void req.socket.destroy();
    send(res, 200, answer);
  } catch (e) {
    const err = e instanceof SsmError ? e : new SsmError('InternalServerError', (e as Error).message, 500);
    send(res, err.status, { __type: err.code, message: err.message });
  }
}

async function agentChannel(model: RunCommandModel, req: IncomingMessage, res: ServerResponse) {
  const body = JSON.parse((await readBody(req)) || '{}') as { instanceId?: string } & Partial<AgentReport>;
  const instanceId = String(body.instanceId ?? '');
  if (!/^i-[0-9a-f]{8,32}$/.test(instanceId)) return send(res, 400, { error: 'instanceId' });
  if (req.url === '/agent/report') {
    model.report(instanceId, body as AgentReport);
    return send(res, 200, {});
  }
  if (req.url !== '/agent/poll') return send(res, 404, {});
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  const deadline = Date.now() + AGENT_POLL_MS;
  for (;;) {
    // Work is taken only while the agent is still there to receive it.
    if (gone.signal.aborted) return;
    const work = model.take(instanceId);
    if (work.run.length || work.cancel.length || Date.now() >= deadline) return send(res, 200, work);
    await model.wait(instanceId, deadline - Date.now(), gone.signal);
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startSsmEndpoint(opts: SsmEndpointOptions) {
  const model = new RunCommandModel({ ...DEFAULT_MODEL, ...opts.model });
  const buckets = new Buckets(opts.throttle ?? DEFAULT_THROTTLE);
  const counts: CallCounts = {};
  const faults: Faults = { drop: {}, error: {}, throttle: {} };
  const fail = (res: ServerResponse) => (e: Error) => {
    opts.log?.(`[ssm] ${e.message}`);
    if (!res.headersSent) send(res, 500, { __type: 'InternalServerError', message: e.message });
  };
  const both = opts.agentHost === undefined;
  const apiServer = createServer((req, res) => {
    const toAgent = both && req.url?.startsWith('/agent/');
    (toAgent ? agentChannel(model, req, res) : api(model, buckets, counts, faults, req, res)).catch(
      fail(res),
    );
  });
  const port = await listen(apiServer, opts.port, opts.host ?? '127.0.0.1');
  const servers = [apiServer];
  let agentPort = port;
  if (!both) {
    const agentServer = createServer((req, res) => {
      agentChannel(model, req, res).catch(fail(res));
    });
    agentPort = await listen(agentServer, port, opts.agentHost as string);
    servers.push(agentServer);
  }
  const ticker = setInterval(() => model.tick(), 200);
  ticker.unref();
  return {
    model,
    counts,
    faults,
    port,
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    agentUrl: `http://${opts.agentHost ?? opts.host ?? '127.0.0.1'}:${agentPort}`,
    async close(): Promise<void> {
      clearInterval(ticker);
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

export type SsmEndpoint = Awaited<ReturnType<typeof startSsmEndpoint>>;
