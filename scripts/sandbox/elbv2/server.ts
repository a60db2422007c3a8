// A local HTTP endpoint speaking the ELBv2 AWS Query protocol (2015-12-01), backed by HAProxy's runtime socket.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixedResponseMap, setFixedResponse } from '../haproxy-fixed.ts';
import {
  adminStates,
  checkCode,
  checkHealth,
  readyThroughChecks,
  setServerAdmin,
  showServers,
  shutdownServerSessions,
} from '../haproxy-runtime.ts';
import { createEmulator, type Emulator, type Runtime } from './actions.ts';
import { albRuntime } from './alb-runtime.ts';
import { withFaults } from './faults.ts';
import { ApiError, type Elbv2EndpointOptions, validateOptions } from './model.ts';
import { parseQuery, QueryParseError, str } from './query.ts';
import type { FixedResponse } from './rules.ts';
import type { ServerView } from './state.ts';
import { errorXml, responseXml } from './xml.ts';

export type { Elbv2EndpointOptions } from './model.ts';

export const ELBV2_API_VERSION = '2015-12-01';
const MAX_BODY_BYTES = 1 << 20;
const TICK_MS = 200;

export function haproxyRuntime(socketPath: string, backend: string): Runtime {
  return {
    async servers() {
      const views = new Map<string, ServerView>();
      for (const s of await showServers(socketPath, backend)) {
        views.set(s.server, {
          op: s.op,
          checkStatus: s.checkStatus,
          checkCode: checkCode(s),
          checkHealth: checkHealth(s),
        });
      }
      return views;
    },
    adminStates: () => adminStates(socketPath, backend),
    // A HAProxy configured without the fixed-response map (a test's own config) cannot apply rules.
    ...(fs.existsSync(fixedResponseMap(socketPath))
      ? { fixedResponse: (fixed: FixedResponse | undefined) => setFixedResponse(socketPath, fixed) }
      : {}),
    async apply(server, command) {
      if (command === 'drain') await setServerAdmin(socketPath, backend, server, 'drain');
      if (command === 'ready-through-checks') await readyThroughChecks(socketPath, backend, server);
      if (command === 'maint') {
        await setServerAdmin(socketPath, backend, server, 'maint');
        await shutdownServerSessions(socketPath, backend, server); // an ALB closes what is left at the end of the delay
      }
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new ApiError(413, 'RequestEntityTooLarge', 'Request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export type Answer = { status: number; body: string; requestId: string; action: string };

/** One Query-protocol request → the XML answer (a result document or an AWS error document). */
export async function respond(
  emulator: Emulator,
  method: string,
  url: string,
  body: string | Error,
): Promise<Answer> {
  const requestId = randomUUID();
  let action = '';
  try {
    if (body instanceof Error) throw body;
    const parsed = new URL(url, 'http://localhost');
    if (parsed.pathname !== '/') throw new ApiError(404, 'NotFound', `No such resource: ${parsed.pathname}`);
    if (method !== 'POST' && method !== 'GET')
      throw new ApiError(405, 'MethodNotAllowed', `Method ${method} is not allowed`);
    const params = parseQuery(parsed.searchParams, body);
    action = str(params, 'Action') ?? '';
    const version = str(params, 'Version');
    if (version !== undefined && version !== ELBV2_API_VERSION) {
      throw new ApiError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
    }
    const result = await emulator.handle(action, params);
    return { status: 200, body: responseXml(action, result, requestId), requestId, action };
  } catch (error) {
    const e =
      error instanceof ApiError
        ? error
        : error instanceof QueryParseError
          ? new ApiError(400, 'MalformedQueryString', error.message)
          : new ApiError(500, 'InternalFailure', (error as Error).message ?? String(error), 'Receiver');
    return { status: e.status, body: errorXml(e.type, e.code, e.message, requestId), requestId, action };
  }
}

export async function startElbv2Endpoint(
  opts: Elbv2EndpointOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  validateOptions(opts);
  const runtime: Runtime & { close?(): void } = opts.alb
    ? albRuntime({ ...opts.alb, backend: opts.backend })
    : haproxyRuntime(opts.socketPath, opts.backend);
  const emulator = withFaults(await createEmulator(opts, runtime), opts.faultsFile);
  const log = (message: string) => process.stderr.write(`[elbv2] ${message}\n`);

  const server = createServer(async (req, res) => {
    const body = req.method === 'POST' ? await readBody(req).catch((e: Error) => e) : '';
    const answer = await respond(emulator, req.method ?? 'GET', req.url ?? '/', body);
    if (answer.status >= 500) log(`${answer.action || '?'} failed: ${answer.body}`);
    res.writeHead(answer.status, {
      'content-type': 'text/xml',
      'content-length': Buffer.byteLength(answer.body),
      'x-amzn-requestid': answer.requestId,
    });
    res.end(answer.body);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  let lastTickError = '';
  const ticker = setInterval(() => {
    emulator.tick().then(
      () => {
        lastTickError = '';
      },
      (error: Error) => {
        if (error.message !== lastTickError) log(`tick failed: ${error.message}`); // once per distinct error
        lastTickError = error.message;
      },
    );
  }, TICK_MS);
  ticker.unref();

  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(ticker);
        runtime.close?.();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
