// A failed file's vitest failure section, repeated by `npm test` after its summary: CI keeps the
// end of a long log, and the reason must be there, not only 20 minutes up in the file's own output.
import { stripVTControlCharacters } from 'node:util';

export const MAX_FAILURE_LINES = 60;

export function whyFailed(file: string, lane: string, output: string): string {
  const text = stripVTControlCharacters(output);
  const found = text.search(/Failed Tests \d+/);
  const from = found < 0 ? -1 : text.lastIndexOf('\n', found) + 1; // its whole line
  const to = text.search(/^\s*Test Files /m);
  // No failure section (a crash, the whole file timed out): its last lines say why.
  const section = from < 0 ? text : text.slice(from, to > from ? to : undefined);
  const lines = section.trimEnd().split('\n');
  const shown = from < 0 ? lines.slice(-MAX_FAILURE_LINES) : lines.slice(0, MAX_FAILURE_LINES);
  const cut = lines.length - shown.length;
  const head = `===== why ${file} failed (lane ${lane})${cut > 0 ? `, ${cut} lines left out` : ''}`;
  return `\n${head}\n${shown.join('\n')}\n`;
}
