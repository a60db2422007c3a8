// The one question the CLI asks: before changing hosts from an interactive terminal. Scripts and
// CI never see it (stdin is not a TTY there), and --yes skips it, as `terraform apply
// -auto-approve` or `apt-get -y` do.
import { createInterface } from 'node:readline/promises';
import { EXIT, ExitError } from '../errors.ts';
import type { Io } from './io.ts';

export async function confirmOrCancel(io: Io, yes: boolean, question: string): Promise<void> {
  if (yes || !io.stdin?.isTTY) return;
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  // Ctrl-C or Ctrl-D at the question is a no, not an error.
  const ac = new AbortController();
  rl.on('SIGINT', () => ac.abort());
  rl.on('close', () => ac.abort());
  try {
    const answer = (await rl.question(`${question} [y/N] `, { signal: ac.signal })).trim().toLowerCase();
    if (answer === 'y' || answer === 'yes') return;
  } catch {
    io.stderr.write('\n');
  } finally {
    rl.close();
  }
  throw new ExitError(EXIT.usage, 'cancelled: no host was touched (pass --yes to skip this question)');
}

/** What `deploy run` is about to do, in one line per fact that matters before saying yes. */
export function runQuestion(p: {
  app: string;
  releaseId: string;
  hosts: string[];
  strategy: string;
  mode: string;
  waitSeconds: number;
  allowDowntime: boolean;
  warnings?: string[];
}): string {
  const risk =
    (p.allowDowntime ? '\n  --allow-downtime: the last healthy target may be drained (an outage)' : '') +
    (p.warnings ?? []).map((w) => `\n  ! ${w}`).join('');
  return `Deploy ${p.app} release ${p.releaseId} to ${p.hosts.join(', ')}, one host at a time\n  ${p.strategy}, drain by ${p.mode}, about ${p.waitSeconds} s drained wait per host${risk}\nContinue?`;
}
