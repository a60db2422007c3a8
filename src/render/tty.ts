// A TTY: the plain lines that matter, plus one live line per host in progress (its step, what it
// waits for), redrawn in place at the bottom. With hosts side by side (docs/rollout.md) each keeps
// its own line, and a step that ends well updates that line instead of scrolling; with one host
// the step lines scroll as plain lines do. Colour only when NO_COLOR is unset. TERM=dumb (Emacs
// shells, some CI consoles) cannot move the cursor or paint, so it gets the plain lines only.
import pc from 'picocolors';
import type { DeployEvent } from '../engine/events.ts';
import { lineClock, plainLine, plainRenderer } from './plain.ts';

/** What a host's live line says after event `e`, or undefined when `e` does not change it. */
function status(e: DeployEvent): string | undefined {
  switch (e.kind) {
    case 'host:start':
      return 'starting';
    case 'step:start':
      return `${e.step} ...`;
    case 'step:end':
      return `${e.step} ${e.ok ? 'ok' : 'FAILED'} (${(e.ms / 1000).toFixed(1)} s)`;
    case 'wait:tick':
      return `waiting ${e.elapsedSeconds}/${e.boundSeconds} s (${e.note})`;
    case 'health:poll':
      return `health poll ${e.attempt}: ${e.status}`;
    case 'rollback:start':
      return 'rolling back ...';
    default:
      return undefined;
  }
}

export function ttyRenderer(
  out: NodeJS.WritableStream & { columns?: number },
  env: NodeJS.ProcessEnv,
): (e: DeployEvent) => void {
  if (env.TERM === 'dumb') return plainRenderer(out);
  const color = !env.NO_COLOR;
  const paint = (ok: boolean | undefined, s: string) =>
    !color ? s : ok === false ? pc.red(s) : ok ? pc.green(s) : s;
  const clock = lineClock();
  const live = new Map<string, string>();
  let drawn = 0;
  // A line longer than the terminal wraps, and the cursor would no longer go back to its start.
  const clip = (s: string) => s.slice(0, Math.max(20, (out.columns ?? 100) - 1));
  const clear = () => {
    if (drawn > 0) out.write(`\r\x1b[K${'\x1b[1A\x1b[K'.repeat(drawn - 1)}`);
    drawn = 0;
  };
  const draw = () => {
    const lines = [...live].map(([host, s]) => clip(`  [${host}] ${s}`));
    if (lines.length === 0) return;
    out.write(color ? pc.dim(lines.join('\n')) : lines.join('\n'));
    drawn = lines.length;
  };
  return (e) => {
    const host = 'host' in e ? e.host : undefined;
    const now = host !== undefined ? status(e) : undefined;
    if (host !== undefined && now !== undefined) live.set(host, now);
    if (e.kind === 'host:end' && host !== undefined) live.delete(host);
    const line = plainLine(e, clock(e));
    // Side by side, a step that went well is news for the host's own line only.
    const quiet = e.kind === 'step:start' || (e.kind === 'step:end' && e.ok && live.size > 1);
    clear();
    if (line !== undefined && !quiet) {
      const ok =
        e.kind === 'step:end' || e.kind === 'rollback:end'
          ? e.ok
          : e.kind === 'deploy:end'
            ? e.exitCode === 0
            : undefined;
      out.write(`${paint(ok, line)}\n`);
    }
    draw();
  };
}
