// The host-side evidence: `ss -Htni` output as iproute2 6.1 prints it (recorded on a sandbox host
// under load through the ALB model), parsed into connections and folded into a view.
import { describe, expect, it } from 'vitest';
import { parseTraffic, TrafficView, trafficSample } from '../../src/remote/traffic.ts';

// Two kept-alive connections from ALB nodes (one idle, one with a request in flight), a loopback probe.
const RECORDED = `0      0      [::ffff:10.213.23.11]:8080 [::ffff:10.213.23.202]:40346
\t bbr wscale:10,10 rto:204 rtt:0.279/0.261 ato:40 mss:1448 pmtu:1500 rcvmss:536 advmss:1448 cwnd:64 bytes_sent:3807 bytes_acked:3807 bytes_received:1107 segs_out:55 segs_in:83 data_segs_out:54 data_segs_in:27 send 2657261649bps lastsnd:16 lastrcv:16 lastack:16 pacing_rate 15047886960bps delivered:55 app_limited busy:16ms rcv_space:14480 minrtt:0.009 snd_wnd:64512
0      0      [::ffff:10.213.23.11]:8080 [::ffff:10.213.23.201]:45954
\t bbr wscale:10,10 rto:204 rtt:0.313/0.331 ato:40 mss:1448 bytes_sent:3807 bytes_acked:3807 bytes_received:1148 segs_out:55 segs_in:84 data_segs_out:54 data_segs_in:28 lastsnd:2028 lastrcv:1500 lastack:2028 delivered:55
0      0      [::ffff:127.0.0.1]:8080 [::ffff:127.0.0.1]:51234
\t cubic wscale:7,7 rto:204 bytes_received:90 data_segs_in:1 lastsnd:3 lastrcv:3
0      0      10.0.0.5:8080 10.0.0.9:33000
\t cubic data_segs_in:3 lastrcv:40 lastsnd:60`;

describe('parseTraffic', () => {
  it('reads peers, data segments and last receive/send times; IPv4-mapped and plain addresses', () => {
    const conns = parseTraffic(RECORDED);
    expect(conns.map((c) => [c.peer, c.segsIn, c.lastRcvMs, c.lastSndMs])).toEqual([
      ['10.213.23.202', 27, 16, 16],
      ['10.213.23.201', 28, 1500, 2028],
      ['127.0.0.1', 1, 3, 3],
      ['10.0.0.9', 3, 40, 60],
    ]);
    expect(conns[0]!.key).toBe('10.213.23.11:8080 10.213.23.202:40346');
  });
  it('empty output (no connection) is no connection, and a missing counter reads as 0', () => {
    expect(parseTraffic('')).toEqual([]);
    expect(parseTraffic('0 0 10.0.0.5:8080 10.0.0.9:1\n\t cubic')[0]).toMatchObject({
      segsIn: 0,
      lastRcvMs: 0,
    });
  });
  it('the command asks ss for established connections on the port only', () => {
    expect(trafficSample(8080).argv).toEqual([
      'sh',
      '-c',
      'ss -Htni state established "( sport = :$1 )"',
      'handoff',
      '8080',
    ]);
  });
});

describe('TrafficView', () => {
  it('a connection is a node once seen twice; loopback never; in flight when received after the last send', () => {
    const v = new TrafficView();
    v.observe(10_000, parseTraffic(RECORDED));
    expect(v.nodes()).toEqual([]);
    expect(v.pending()).toBe(3); // seen once, with data: not yet told apart from a health check
    v.observe(10_250, parseTraffic(RECORDED));
    expect(v.nodes()).toEqual(['10.0.0.9', '10.213.23.201', '10.213.23.202']);
    expect(v.pending()).toBe(0);
    expect(v.inflight()).toBe(2); // 201: received 1500 ms ago, sent 2028 ms ago; 10.0.0.9 likewise
    expect(v.lastRequestFrom('10.213.23.201')).toBe(10_250 - 1500);
    expect(v.lastRequestAt()).toBe(10_250 - 16);
  });
  it('a connection that is gone keeps its last request time; a new one is pending', () => {
    const v = new TrafficView();
    const [a, b] = parseTraffic(RECORDED);
    v.observe(0, [a!]);
    v.observe(300, [a!]);
    v.observe(600, [b!]);
    expect(v.lastRequestFrom('10.213.23.202')).toBe(300 - 16);
    expect(v.pending()).toBe(1);
    expect(v.lastRequestAt()).toBe(284);
  });
});
