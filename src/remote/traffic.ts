// Drain evidence from the host's own sockets: what the load balancer really sends, as the instance
// sees it (docs/drain-evidence.md says why this mechanism). One `ss -tin` look at the app port's
// established connections gives, per connection, the peer, the data segments received and how long
// ago data was last received and sent. Pure: the command is data, the parser and the view are
// functions of the samples; the engine's loop (engine/waits.ts) owns time.
import { type Cmd, script } from './shell.ts';

/** The app port's established TCP connections with their counters (iproute2 `ss`, no root needed). */
export const trafficSample = (port: number): Cmd =>
  script('traffic.sample', 'ss -Htni state established "( sport = :$1 )"', [port]);

export type Conn = {
  /** local address:port + peer address:port: one TCP connection. */
  key: string;
  peer: string;
  /** Data segments received: requests, roughly one per segment. */
  segsIn: number;
  /** Milliseconds since data was last received / sent on the connection. */
  lastRcvMs: number;
  lastSndMs: number;
};

const ENDPOINT = /^(?:\[(?:::ffff:)?([^\]]+)\]|([^\s:]+)):(\d+|\*)$/;

function endpoint(text: string): { addr: string; port: string } | undefined {
  const m = ENDPOINT.exec(text);
  return m ? { addr: (m[1] ?? m[2])!, port: m[3]! } : undefined;
}

const counter = (info: string, name: string, fallback: number) => {
  const m = new RegExp(`\\b${name}:(\\d+)`).exec(info);
  return m ? Number(m[1]) : fallback;
};

/**
 * `ss -Htni` output: a socket line (`Recv-Q Send-Q local peer`) followed by an indented info line.
 * ss leaves out counters that are 0: a missing lastrcv/lastsnd is "just now", data_segs_in 0.
 */
export function parseTraffic(text: string): Conn[] {
  const lines = text.split('\n');
  const out: Conn[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fields = (lines[i] ?? '').trim().split(/\s+/);
    if (fields.length < 4 || !/^\d+$/.test(fields[0] ?? '')) continue;
    const local = endpoint(fields[fields.length - 2]!);
    const peer = endpoint(fields[fields.length - 1]!);
    if (!local || !peer) continue;
    const next = lines[i + 1] ?? '';
    const info = /^\s/.test(next) ? next : '';
    out.push({
      key: `${local.addr}:${local.port} ${peer.addr}:${peer.port}`,
      peer: peer.addr,
      segsIn: counter(info, 'data_segs_in', 0),
      lastRcvMs: counter(info, 'lastrcv', 0),
      lastSndMs: counter(info, 'lastsnd', 0),
    });
  }
  return out;
}

const isLoopback = (addr: string) => addr.startsWith('127.') || addr === '::1';

/** A request received after the last response data went out: the app has not answered it yet. */
const inflight = (c: Conn) => c.lastRcvMs < c.lastSndMs;

/**
 * What the samples say, accumulated. A connection counts as the load balancer's once it is seen in
 * two samples: a load balancer keeps its connections to targets alive, while a health check opens
 * a connection, sends one request and closes it within milliseconds (seen once, if ever). A
 * connection seen once with data is "pending" until the next sample tells which it was.
 */
export class TrafficView {
  private known = new Map<string, { peer: string; persistent: boolean }>();
  private lastRequest = new Map<string, number>();
  private current: Conn[] = [];
  samples = 0;

  /** `at`: when the sample was taken (ms, the engine's clock; the command's return is late, so safe). */
  observe(at: number, conns: Conn[]): void {
    const next = new Map<string, { peer: string; persistent: boolean }>();
    for (const c of conns) {
      if (isLoopback(c.peer)) continue;
      const persistent = this.known.has(c.key);
      next.set(c.key, { peer: c.peer, persistent });
      if (persistent && c.segsIn > 0) {
        const at0 = at - c.lastRcvMs;
        if (at0 > (this.lastRequest.get(c.peer) ?? Number.NEGATIVE_INFINITY))
          this.lastRequest.set(c.peer, at0);
      }
    }
    this.known = next;
    this.current = conns.filter((c) => !isLoopback(c.peer));
    this.samples++;
  }

  /** Peers that kept a connection to the app: the load balancer's nodes (and any other client that does). */
  nodes(): string[] {
    return [...this.lastRequest.keys()].sort();
  }

  /** When a node last sent request data (ms), or undefined if it never did in these samples. */
  lastRequestFrom(peer: string): number | undefined {
    return this.lastRequest.get(peer);
  }

  /** The newest request from any node, or -Infinity if none was seen. */
  lastRequestAt(): number {
    return Math.max(Number.NEGATIVE_INFINITY, ...this.lastRequest.values());
  }

  /** Requests the app has received and not answered yet (kept connections and new ones alike). */
  inflight(): number {
    return this.current.filter(inflight).length;
  }

  /** Connections seen for the first time carrying data: a health check or a new node connection. */
  pending(): number {
    return this.current.filter((c) => !this.known.get(c.key)?.persistent && c.segsIn > 0).length;
  }
}
