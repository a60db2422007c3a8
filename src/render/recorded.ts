// Pure: the commands a dry run would have sent, one line each: the host, the command's kind and
// its arguments; with `verbose`, the exact shell text that would go over SSH (sh -c SCRIPT handoff
// ARGS..., and what it reads on stdin). A command repeated back to back (the 1-Hz traffic samples
// of a wait) is one line with a count. The caller redacts (src/core/redact.ts).
import type { Recorded } from '../executors/recording.ts';

// `sh -c '<script>' handoff ` in front of the arguments: the script is constant text per kind.
const SCRIPT_PREFIX = /^sh -c '(?:[^']|'\\'')*' handoff ?/;

export function renderRecorded(recorded: readonly Recorded[], opts: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const run of repeats(recorded)) {
    const count = run.times > 1 ? ` (x${run.times})` : '';
    const head = `  ${run.r.host.padEnd(6)} ${run.r.kind.padEnd(16)}`;
    if (opts.verbose) lines.push(`${head}${count}`.trimEnd(), indent(run.r.command));
    else lines.push(`${head} ${run.r.command.replace(SCRIPT_PREFIX, '')}${count}`);
  }
  const how = opts.verbose
    ? 'each as the exact shell text, indented 4 spaces'
    : 'arguments only; -v shows the shell text';
  return `\nCommands the run would send (dry run: none was sent; a target group is only read; ${how})\n${lines.join('\n')}\n`;
}

function repeats(recorded: readonly Recorded[]): { r: Recorded; times: number }[] {
  const out: { r: Recorded; times: number }[] = [];
  for (const r of recorded) {
    const last = out.at(-1);
    if (last && last.r.host === r.host && last.r.kind === r.kind && last.r.command === r.command)
      last.times++;
    else out.push({ r, times: 1 });
  }
  return out;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
