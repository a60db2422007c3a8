// Hosts of a batch run side by side (docs/rollout.md), and their lines would interleave. For logs
// that are read after the fact (CI, a file, GitHub's groups) each host's lines stay together: one
// host streams live; the lines of the others are held and written as a block when that host is
// done, then the next host still running takes over the live stream. One host at a time (the
// default rollout) streams exactly as before.

export type Section = {
  /** Before a host's first line, and after its last (GitHub: ::group:: and ::endgroup::). */
  open?: (host: string) => string[];
  close?: (host: string) => string[];
};

export type PerHost = {
  /** A line of `host`; `last` for its final one (host:end). */
  line(host: string, text: string, last?: boolean): void;
  /** Everything held, in the order the hosts started (the deploy's end). */
  flush(): void;
};

export function perHost(write: (text: string) => void, section: Section = {}): PerHost {
  let live: string | undefined;
  const held = new Map<string, { lines: string[]; ended: boolean }>();
  const open = (host: string) => {
    for (const l of section.open?.(host) ?? []) write(l);
  };
  const close = (host: string) => {
    for (const l of section.close?.(host) ?? []) write(l);
  };

  // The live host is done: write every finished host's block, then let the first one still running
  // stream (its held lines first).
  const handOver = () => {
    live = undefined;
    for (const [host, h] of held) {
      if (!h.ended) continue;
      open(host);
      for (const l of h.lines) write(l);
      close(host);
      held.delete(host);
    }
    const next = held.keys().next();
    if (next.done) return;
    live = next.value;
    const h = held.get(live)!;
    held.delete(live);
    open(live);
    for (const l of h.lines) write(l);
  };

  return {
    line(host, text, last = false) {
      if (live === undefined && !held.has(host)) {
        live = host;
        open(host);
      }
      if (live === host) {
        write(text);
        if (last) {
          close(host);
          handOver();
        }
        return;
      }
      const h = held.get(host) ?? { lines: [], ended: false };
      h.lines.push(text);
      h.ended ||= last;
      held.set(host, h);
    },
    flush() {
      if (live !== undefined) close(live);
      for (const h of held.values()) h.ended = true;
      handOver();
    },
  };
}

/**
 * A renderer's text for event `e` through `hosts`: a host's lines from its host:start to its
 * host:end are kept together; anything else (the deploy's own lines, a peer's warning before any
 * host started) is written at once. The deploy's end writes whatever is still held first.
 */
export function byHost(write: (text: string) => void, section: Section = {}) {
  const hosts = perHost(write, section);
  const started = new Set<string>();
  return (e: { kind: string; host?: string }, text: string) => {
    if (e.kind === 'deploy:end') hosts.flush();
    if (e.kind === 'host:start' && e.host !== undefined) started.add(e.host);
    if (e.host === undefined || !started.has(e.host)) return write(text);
    const last = e.kind === 'host:end';
    if (last) started.delete(e.host);
    hosts.line(e.host, text, last);
  };
}
