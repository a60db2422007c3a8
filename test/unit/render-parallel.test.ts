// Hosts side by side (rollout.batchSize > 1): their events interleave, the output must not. CI and
// plain logs keep each host's lines together (one GitHub group per host), one host streaming live;
// a TTY keeps one live line per host at the bottom.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DeployEvent } from '../../src/engine/events.ts';
import { githubRenderer } from '../../src/render/github.ts';
import { plainRenderer } from '../../src/render/plain.ts';
import { ttyRenderer } from '../../src/render/tty.ts';

function sink() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  return { out, text: () => text };
}

const step = (host: string, s: string, ok = true): DeployEvent[] => [
  { at: 0, kind: 'step:start', host, step: s as 'drain' },
  { at: 0, kind: 'step:end', host, step: s as 'drain', ok, detail: `${s} on ${host}`, ms: 100 },
];

/** Three hosts of one batch, their steps interleaved; h2 fails its build and is restored. */
function batch(): DeployEvent[] {
  const start = (host: string, index: number): DeployEvent => ({
    at: 0,
    kind: 'host:start',
    host,
    index,
    total: 3,
  });
  const end = (host: string, result: 'deployed' | 'rolled-back'): DeployEvent => ({
    at: 0,
    kind: 'host:end',
    host,
    result,
  });
  return [
    {
      at: 0,
      kind: 'deploy:start',
      app: 'demo',
      hosts: ['h1', 'h2', 'h3'],
      releaseId: 'r2',
      strategy: 'stop-first',
      mode: 'termination',
      dryRun: false,
    },
    start('h1', 0),
    start('h2', 1),
    start('h3', 2),
    ...step('h1', 'preflight'),
    ...step('h2', 'preflight'),
    ...step('h3', 'preflight'),
    ...step('h2', 'drain'),
    ...step('h1', 'drain'),
    ...step('h3', 'drain'),
    ...step('h2', 'build', false),
    { at: 0, kind: 'rollback:start', host: 'h2', reason: 'build failed' },
    { at: 0, kind: 'wait:tick', host: 'h3', elapsedSeconds: 2, boundSeconds: 9, note: 'quiet 1/3 s' },
    ...step('h1', 'settle'),
    { at: 0, kind: 'rollback:end', host: 'h2', ok: true, detail: 'release r1 serving' },
    end('h1', 'deployed'),
    ...step('h3', 'settle'),
    end('h2', 'rolled-back'),
    end('h3', 'deployed'),
    { at: 0, kind: 'deploy:end', result: 'rolled-back', exitCode: 1 },
  ];
}

/** The host each line is about ([hN] in the line), '-' for none. */
const hostsOf = (lines: string[]) => lines.map((l) => /\[(h\d)\]/.exec(l)?.[1] ?? '-');

/** Runs of the same host, in order: h1 h1 h2 h2 h3 -> h1 h2 h3. */
const runs = (xs: string[]) => xs.filter((x, i) => x !== xs[i - 1]);

describe('plain lines, hosts side by side', () => {
  it("keeps each host's lines together, in the order the hosts started, none lost", () => {
    const s = sink();
    const render = plainRenderer(s.out);
    for (const e of batch()) render(e);
    const lines = s.text().trimEnd().split('\n');
    const hosts = hostsOf(lines).filter((h) => h !== '-');
    expect(runs(hosts)).toEqual(['h1', 'h2', 'h3']);
    // Every line of every host is there: host:start, 3 steps x 2 lines, host:end (+2 rollback lines for h2).
    expect(hosts.filter((h) => h === 'h1')).toHaveLength(8);
    expect(hosts.filter((h) => h === 'h2')).toHaveLength(10);
    expect(hosts.filter((h) => h === 'h3')).toHaveLength(8);
    expect(lines[0]).toMatch(/deploy demo release r2/);
    expect(lines.at(-1)).toMatch(/rolled-back \(exit 1\)/);
  });

  it('streams the first host live, and hands over to a host still running once it ends', () => {
    const s = sink();
    const render = plainRenderer(s.out);
    const events = batch();
    const upTo = (i: number) => {
      for (const e of events.splice(0, i)) render(e);
    };
    upTo(5); // deploy:start, 3 x host:start, h1's preflight start
    expect(s.text()).toMatch(/\[h1\] preflight \.\.\./);
    expect(s.text()).not.toMatch(/\[h2\]/);
    // Through h1's end: h2 (still running at that point, ended later) takes over with what it held.
    upTo(events.findIndex((e) => e.kind === 'host:end' && e.host === 'h1') + 1);
    expect(s.text()).toMatch(/\[h2\] rolling back/);
    expect(s.text()).not.toMatch(/\[h3\]/);
  });

  it('one host at a time streams exactly as before', () => {
    const s = sink();
    const render = plainRenderer(s.out);
    const serial: DeployEvent[] = [
      { at: 0, kind: 'host:start', host: 'h1', index: 0, total: 2 },
      ...step('h1', 'drain'),
      { at: 0, kind: 'host:end', host: 'h1', result: 'deployed' },
      { at: 0, kind: 'host:start', host: 'h2', index: 1, total: 2 },
      ...step('h2', 'drain'),
    ];
    for (const e of serial) render(e);
    expect(hostsOf(s.text().trimEnd().split('\n'))).toEqual(['h1', 'h1', 'h1', 'h1', 'h2', 'h2', 'h2']);
  });

  it('a warning about a host that never started (a peer) is written at once, not held', () => {
    const s = sink();
    const render = plainRenderer(s.out);
    render({ at: 0, kind: 'host:start', host: 'h1', index: 0, total: 1 });
    render({ at: 0, kind: 'log', host: 'h9', level: 'warn', message: 'unreachable' });
    expect(s.text()).toMatch(/\[h9\] warn: unreachable/);
  });
});

describe('GitHub Actions, hosts side by side', () => {
  it('one group per host, never interleaved, its annotations inside it', () => {
    const s = sink();
    const render = githubRenderer(s.out);
    for (const e of batch()) render(e);
    const lines = s.text().trimEnd().split('\n');
    const groups: { host: string; lines: string[] }[] = [];
    let open: { host: string; lines: string[] } | undefined;
    for (const l of lines) {
      if (l.startsWith('::group::')) {
        expect(open, `group ${l} opened inside ${open?.host}`).toBeUndefined();
        open = { host: l.slice('::group::'.length), lines: [] };
      } else if (l === '::endgroup::') {
        groups.push(open!);
        open = undefined;
      } else if (open) open.lines.push(l);
    }
    expect(open).toBeUndefined();
    expect(groups.map((g) => g.host)).toEqual(['h1', 'h2', 'h3']);
    for (const g of groups)
      for (const l of g.lines.filter((x) => /\[h\d\]/.test(x))) expect(l).toContain(`[${g.host}]`);
    const h2 = groups[1]!.lines.join('\n');
    expect(h2).toContain('::error title=build failed on h2::build on h2');
    expect(h2).toContain('::warning title=rolling back h2::');
  });
});

/** What a terminal shows after `text`: \r, \n, ESC[K (clear to the end) and ESC[1A (up one line). */
function screen(text: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (text.startsWith('\x1b[K', i)) {
      rows[row] = rows[row]!.slice(0, col);
      i += 2;
    } else if (text.startsWith('\x1b[1A', i)) {
      row = Math.max(0, row - 1);
      i += 3;
    } else if (c === '\r') col = 0;
    else if (c === '\n') {
      row++;
      col = 0;
      rows[row] ??= '';
    } else {
      rows[row] = rows[row]!.slice(0, col) + c + rows[row]!.slice(col + 1);
      col++;
    }
  }
  return rows.filter((r, i) => r !== '' || i < rows.length - 1);
}

describe('a TTY, hosts side by side', () => {
  it('one live line per host in progress at the bottom; steps that went well do not scroll', () => {
    const s = sink();
    const render = ttyRenderer(Object.assign(s.out, { columns: 120 }), { TERM: 'xterm', NO_COLOR: '1' });
    const events = batch();
    const h1End = events.findIndex((e) => e.kind === 'host:end' && e.host === 'h1');
    for (const e of events.slice(0, h1End)) render(e);
    const shown = screen(s.text());
    expect(shown.slice(-3)).toEqual([
      '  [h1] settle ok (0.1 s)',
      '  [h2] rolling back ...',
      '  [h3] waiting 2/9 s (quiet 1/3 s)',
    ]);
    // Above them: the deploy's start, the failure and the rollback, but no step that went well.
    const above = shown.slice(0, -3).join('\n');
    expect(above).toMatch(/\[h2\] build FAILED/);
    expect(above).toMatch(/\[h2\] rolling back: build failed/);
    expect(above).not.toMatch(/drain ok/);
    for (const e of events.slice(h1End)) render(e);
    const last = screen(s.text());
    expect(last.filter((l) => l.startsWith('  ['))).toEqual([]); // no live line left behind
    expect(last.at(-1)).toMatch(/rolled-back \(exit 1\)/);
    expect(last.filter((l) => /\] (deployed|rolled-back)$/.test(l))).toHaveLength(3);
  });
});
