// The ALB model's pure parts: how the nodes' verdicts become one API state, the seeded delays, the
// request log that is the model's record, and the node configuration HAProxy is given.
import { describe, expect, it } from 'vitest';
import { albUrls, parsePropagation, parseRequestLog } from '../../scripts/sandbox/alb.ts';
import { albNodeSpec } from '../../scripts/sandbox/contract.ts';
import { aggregate, type NodeView, seeded } from '../../scripts/sandbox/elbv2/alb-runtime.ts';
import { targetHealth } from '../../scripts/sandbox/elbv2/state.ts';
import { haproxyConfig } from '../../scripts/sandbox/haproxy.ts';

const view = (o: Partial<NodeView>): NodeView => ({
  op: 'UP',
  checkStatus: 'L7OK',
  pending: false,
  rising: false,
  ...o,
});
const timing = { intervalSeconds: 1, timeoutSeconds: 0.5, unhealthyThreshold: 2 };
const record = { id: 'i-1', server: 'h1', port: 8080, phase: 'registered' as const, since: 0, fresh: false };

describe('aggregate: one API state from the nodes, ahead of the slowest', () => {
  it('unhealthy as soon as one node has marked the target, while others still route', () => {
    const v = aggregate([view({}), view({ op: 'DOWN', checkStatus: 'L7STS', checkCode: 502 }), view({})]);
    expect(targetHealth(record, v, 0, timing).State).toBe('unhealthy');
  });
  it('healthy as soon as one node routes a fresh registration, while others still rise or wait', () => {
    const v = aggregate([
      view({ op: 'DOWN', checkStatus: 'L4CON', rising: true, checkHealth: 1 }),
      view({}),
      view({ op: 'MAINT', pending: true }),
    ]);
    expect(targetHealth({ ...record, fresh: true }, v, 60_000, timing).State).toBe('healthy');
  });
  it('initial while no node has applied the registration, however long that takes', () => {
    const v = aggregate([view({ op: 'MAINT', pending: true }), view({ op: 'MAINT', pending: true })]);
    expect(targetHealth({ ...record, fresh: true }, v, 60_000, timing)).toMatchObject({
      State: 'initial',
      Reason: 'Elb.RegistrationInProgress',
    });
  });
  it('a rising node with a stale failing check is not a verdict; the fail window starts when it began', () => {
    const v = aggregate([view({ op: 'DOWN', checkStatus: 'L4CON', rising: true, risingSince: 10_000 })]);
    const fresh = { ...record, fresh: true };
    expect(targetHealth(fresh, v, 11_000, timing).State).toBe('initial');
    expect(targetHealth(fresh, v, 13_000, timing).State).toBe('unhealthy');
  });
});

describe('propagation delays', () => {
  it('are seeded: the same seed gives the same delays, another seed others', () => {
    const a = seeded(4);
    const b = seeded(4);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seeded(5)()).not.toBe(xs[0]);
  });
  it('parse MIN-MAX or one number, and refuse the rest', () => {
    expect(parsePropagation('1-10', 3)).toEqual({ minSeconds: 1, maxSeconds: 10, seed: 3 });
    expect(parsePropagation('0')).toMatchObject({ minSeconds: 0, maxSeconds: 0 });
    expect(() => parsePropagation('10-1')).toThrow(/min <= max/);
    expect(() => parsePropagation('soon')).toThrow(/SECONDS or MIN-MAX/);
  });
});

describe('node configuration and records', () => {
  const node = albNodeSpec(2);
  const cfg = haproxyConfig({
    healthCheck: { intervalSeconds: 1, timeoutSeconds: 0.5, unhealthyThreshold: 2, healthyThreshold: 2 },
    servers: [{ name: 'h1', address: '10.213.7.11:8080' }],
    socket: node.socket,
    frontend: node.frontend,
    albNode: { source: node.ip },
  });
  it('keeps connections alive, connects from the node address, fails open, logs every request', () => {
    expect(cfg).not.toMatch(/http-server-close/);
    expect(cfg).toMatch(/http-reuse always/);
    expect(cfg).toMatch(new RegExp(`source ${node.ip.replaceAll('.', '\\.')}`));
    expect(cfg).toMatch(/use_backend failopen if \{ nbsrv\(app\) eq 0 \}/);
    expect(cfg).toMatch(/log-format "req %Ts%ms %Th %Ti %TR %b %s %ST %Ta"/);
  });
  it('the single-HAProxy mode keeps one server connection per request', () => {
    const single = haproxyConfig({
      healthCheck: { intervalSeconds: 2, timeoutSeconds: 1, unhealthyThreshold: 3, healthyThreshold: 2 },
      servers: [{ name: 'h1', address: '10.213.7.11:8080' }],
      socket: '/tmp/s',
      frontend: { host: '127.0.0.1', port: 18080 },
    });
    expect(single).toMatch(/option http-server-close/);
    expect(single).not.toMatch(/failopen|source /);
  });
  it('parses the request log into who routed what, when (accept + handshake + idle + receive)', () => {
    // Recorded from HAProxy 2.6 on a kept-alive client connection, requests 700 ms apart.
    const text =
      'Health check for server app/h1 succeeded\nreq 1796130244943 0 2 0 app h2 200 2\nreq 1796130244945 -1 706 0 failopen h1 503 0\n';
    expect(parseRequestLog('n2', text)).toEqual([
      { node: 'n2', at: 1796130244945, backend: 'app', server: 'h2', status: 200, ms: 2 },
      { node: 'n2', at: 1796130245651, backend: 'failopen', server: 'h1', status: 503, ms: 0 },
    ]);
  });
  it('one URL per node, on the instance ports', () => {
    expect(albUrls([albNodeSpec(1), node], '/x')).toEqual([
      `http://127.0.0.1:${albNodeSpec(1).frontend.port}/x`,
      `http://127.0.0.1:${node.frontend.port}/x`,
    ]);
    expect(node.frontend.port - albNodeSpec(1).frontend.port).toBe(1);
  });
});
