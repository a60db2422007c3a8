import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpProbe } from '../../scripts/sandbox/http-probe.ts';

// The sandbox's own probes (waitForApp, sandbox:status) run from the machine's side of the bridge. A
// keep-alive socket left idle after them shows up on the host as an established connection from the
// bridge address: a peer that is no load-balancer node, seen by the ALB model's tests and by the
// drain's own traffic evidence.
describe('httpProbe', () => {
  let server: http.Server | undefined;
  afterEach(() => server?.close());

  it('answers status and body, and leaves no connection open behind it', async () => {
    let open = 0;
    server = http.createServer((_req, res) => {
      res.setHeader('Keep-Alive', 'timeout=60');
      res.end('UP\n');
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', (s) => {
      open++;
      s.on('close', () => open--);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const r = await httpProbe(`http://127.0.0.1:${port}/health`, 1000);
    expect(r).toEqual({ status: 200, body: 'UP' });
    await new Promise((r) => setTimeout(r, 200));
    expect(open).toBe(0);
  });

  it('says undefined when nothing answers in time', async () => {
    server = http.createServer(() => {}); // never answers
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    server.closeAllConnections?.();
    expect(await httpProbe(`http://127.0.0.1:${port}/`, 300)).toBeUndefined();
    server.closeAllConnections();
  });
});
