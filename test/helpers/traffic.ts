// A host's sockets as `ss -Htni` would print them, from a scripted load balancer in virtual time:
// each node keeps one connection to the app and sends a request every `everyMs` while it routes;
// a long request can be in flight; a health check can open and close a connection between looks.
export type NodeScript = {
  addr: string;
  /** The node sends requests in [from, until) (ms since the script's start). */
  from?: number;
  until: number;
  everyMs?: number;
};

export type HostScript = {
  nodes: NodeScript[];
  /** A request received at `at` and answered at `at + ms` on its node's connection. */
  long?: { node: string; at: number; ms: number }[];
  /** Health-check connections: one request, then closed by the node `ms` later (default 5). */
  checks?: { addr: string; at: number; ms?: number }[];
  /** The app restarts at this time: connections before it are gone (settle tests). */
  restartAt?: number;
};

const line = (peer: string, port: number, info: string) =>
  `0      0      [::ffff:10.0.0.1]:8080 [::ffff:${peer}]:${port}\n\t cubic wscale:7,7 rto:204 ${info}`;

/** What `ss -Htni state established '( sport = :8080 )'` prints at `t` ms into the script. */
export function ssAt(script: HostScript, t: number): string {
  const out: string[] = [];
  const epoch = script.restartAt !== undefined && t >= script.restartAt ? 1 : 0;
  script.nodes.forEach((n, i) => {
    const every = n.everyMs ?? 100;
    const from = Math.max(n.from ?? 0, epoch ? script.restartAt! : 0);
    if (t < from) return; // no connection yet (new JVM: the node has not come back)
    const last = Math.min(t, n.until - 1);
    const count = last < from ? 0 : Math.floor((last - from) / every) + 1;
    if (count === 0) return;
    const lastAt = from + (count - 1) * every;
    let lastRcv = t - lastAt;
    let lastSnd = t - lastAt;
    for (const l of script.long ?? []) {
      if (l.node !== n.addr || t < l.at) continue;
      lastRcv = Math.min(lastRcv, t - l.at);
      lastSnd = t < l.at + l.ms ? Math.max(lastSnd, t - l.at + 1) : Math.min(lastSnd, t - (l.at + l.ms));
    }
    const segs = count + (script.long ?? []).filter((l) => l.node === n.addr && t >= l.at).length;
    out.push(
      line(
        n.addr,
        40000 + i + epoch * 100,
        `bytes_received:${segs * 90} data_segs_in:${segs} lastsnd:${lastSnd} lastrcv:${lastRcv} lastack:${lastSnd}`,
      ),
    );
  });
  for (const [i, c] of (script.checks ?? []).entries())
    if (t >= c.at && t < c.at + (c.ms ?? 5))
      out.push(
        line(c.addr, 50000 + i, `bytes_received:90 data_segs_in:1 lastsnd:${t - c.at} lastrcv:${t - c.at}`),
      );
  return out.join('\n');
}
