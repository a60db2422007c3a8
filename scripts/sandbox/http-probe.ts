// One GET from the machine's side of the bridge, on a connection of its own that closes after the
// answer (`agent: false` sends `Connection: close`). fetch() keeps the socket alive after it, and the
// host then sees an idle established connection from the bridge address: a peer that is no
// load-balancer node, counted by the ALB model's tests and by the drain's traffic evidence.
import http from 'node:http';

export function httpProbe(
  url: string,
  timeoutMs: number,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}
