// A Run Command answer as the executor's result (docs/transports.md, "Status → result"): the exit
// code is ResponseCode; stdout and stderr come from the script's trailer (src/executors/ssm-script.ts),
// with the further pages of a long stdout read through the caller; a delivery that timed out and a
// SendCommand that failed are a lost connection (exit 255: the command never ran, or may have; it
// is never sent again). No SDK and no I/O of its own.
import type { Invocation } from './ssm-poll.ts';
import { pageCount, parseRun } from './ssm-script.ts';
import type { CmdResult } from './types.ts';

export type Result = Omit<CmdResult, 'ms'>;
/** Reads page n (1-based after the first) of the run's stdout; `last` also removes its files. */
export type PageReader = (page: number, last: boolean) => Promise<Buffer>;

/** Whether it was accepted is unknown (a network error) or it was refused: never resent. */
export function unsent(host: string, error: string): Result {
  return {
    code: 255,
    stdout: '',
    stderr: `SendCommand to ${host} failed: ${error}\n`,
    connectionLost: true,
  };
}

/** A final invocation on `host` as its result, its stdout's further pages read with `readPage`. */
export async function toResult(host: string, inv: Invocation, readPage: PageReader): Promise<Result> {
  const status = inv.Status ?? '';
  const details = inv.StatusDetails ?? status;
  const code = inv.ResponseCode ?? -1;
  if (status === 'TimedOut' && details === 'DeliveryTimedOut')
    return {
      code: 255,
      stdout: '',
      stderr: `Run Command could not reach ${host}'s agent (DeliveryTimedOut): the command never ran\n`,
      connectionLost: true,
    };
  const trailer = parseRun(inv.StandardOutputContent ?? '', inv.StandardErrorContent ?? '');
  if (!trailer)
    return {
      code: code >= 0 ? code : 255,
      stdout: '',
      stderr: `Run Command on ${host} ended ${status} (${details}) without the command's output\n${inv.StandardErrorContent ?? ''}`,
    };
  let out = trailer.firstPage;
  const pages = pageCount(trailer.outBytes);
  for (let p = 1; p < pages; p++) out = Buffer.concat([out, await readPage(p, p === pages - 1)]);
  const cut =
    trailer.errBytes > trailer.errTail.length
      ? `[first ${trailer.errBytes - trailer.errTail.length} bytes of stderr not shown]\n`
      : '';
  return { code, stdout: out.toString('utf8'), stderr: cut + trailer.errTail.toString('utf8') };
}
