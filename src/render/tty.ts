// A TTY: the plain lines, plus one live status line (step, elapsed, what it waits for) redrawn
// in place. Colour only when NO_COLOR is unset. TERM=dumb (Emacs shells, some CI consoles) cannot
// move the cursor or paint, so it gets the plain lines and nothing else.
import pc from 'picocolors';
import type { DeployEvent } from '../engine/events.ts';
import { lineClock, plainLine, plainRenderer } from './plain.ts';

export function ttyRenderer(out: NodeJS.WritableStream, env: NodeJS.ProcessEnv): (e: DeployEvent) => void {
  if (env.TERM === 'dumb') return plainRenderer(out);
  const color = !env.NO_COLOR;
  const paint = (ok: boolean | undefined, s: string) =>
    !color ? s : ok === false ? pc.red(s) : ok ? pc.green(s) : s;
  const clock = lineClock();
  let live = '';
  const clear = () => {
    if (live) out.write('\r\x1b[K');
    live = '';
  };
  return (e) => {
    if (e.kind === 'wait:tick' || e.kind === 'health:poll') {
      clear();
      live =
        e.kind === 'wait:tick'
          ? `  [${e.host}] waiting ${e.elapsedSeconds}/${e.boundSeconds} s (${e.note})`
          : `  [${e.host}] health poll ${e.attempt}: ${e.status}`;
      out.write(color ? pc.dim(live) : live);
      return;
    }
    const line = plainLine(e, clock(e));
    if (line === undefined) return;
    clear();
    const ok =
      e.kind === 'step:end' || e.kind === 'rollback:end'
        ? e.ok
        : e.kind === 'deploy:end'
          ? e.exitCode === 0
          : undefined;
    out.write(`${paint(ok, line)}\n`);
  };
}
