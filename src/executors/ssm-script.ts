// What the Systems Manager transport sends as AWS-RunShellScript `commands`, and how it reads the
// answer (pure: no SDK, no I/O). Run Command returns only the first 24,000 characters of stdout and
// 8,000 of stderr, so a command's stdout and stderr go to files on the host; the answer carries a
// trailer (exit code and sizes), the first page of stdout and the tail of stderr, both base64 so no
// byte is lost or split; longer stdout is read back in pages. Contract: docs/transports.md.
import { type Cmd, quote, shellJoin } from '../remote/shell.ts';

/** Bytes per page: base64 makes 4/3 of it, 21,336 characters, under the 24,000 the API returns. */
export const PAGE_BYTES = 16_000;
/** Bytes of stderr returned (its end, where errors are): 5,336 characters, under 8,000. */
export const STDERR_TAIL_BYTES = 4_000;
export const OUTPUT_DIR = '/var/tmp/handoff-ssm';
/** Every process a command starts carries this in its environment, so a cancel can be verified. */
export const MARKER = 'HANDOFF_SSM_RUN';
const TRAILER = 'handoff-ssm-result';

/**
 * The files of a run on this host: named by the run ID and the host's own name, worked out on the
 * host. One joint command (docs/transports.md, "Batches") has one run ID on every instance, and
 * instances that share a /var/tmp (the sandbox's hosts do) must not share files.
 */
const files = (runId: string) => `${OUTPUT_DIR}/${runId}.$(uname -n)`;

export function runScript(cmd: Cmd, runId: string): string[] {
  const f = files(runId);
  const feed = cmd.input
    ? `printf %s ${quote(Buffer.from(cmd.input.data).toString('base64'))} | base64 -d | `
    : '';
  return [
    `export ${MARKER}=${runId}`,
    `umask 077 && mkdir -p ${OUTPUT_DIR} || exit 255`,
    // What a killed or timed-out command left (its answer never came back to remove it).
    `find ${OUTPUT_DIR} -type f -mmin +1440 -delete 2>/dev/null`,
    `${feed}${shellJoin(cmd.argv)} >${f}.out 2>${f}.err${cmd.input ? '' : ' </dev/null'}`,
    'c=$?',
    `o=$(wc -c <${f}.out) e=$(wc -c <${f}.err)`,
    `echo "${TRAILER} $c $o $e"`,
    `head -c ${PAGE_BYTES} ${f}.out | base64 -w0`,
    'echo',
    `tail -c ${STDERR_TAIL_BYTES} ${f}.err | base64 -w0 >&2`,
    `[ "$o" -gt ${PAGE_BYTES} ] || rm -f ${f}.out ${f}.err`,
    'exit $c',
  ];
}

/** Page n (1-based after the first) of a long stdout; `last` also removes the files. */
export function pageScript(runId: string, page: number, last: boolean): string[] {
  const f = files(runId);
  return [
    `tail -c +${page * PAGE_BYTES + 1} ${f}.out | head -c ${PAGE_BYTES} | base64 -w0`,
    ...(last ? [`rm -f ${f}.out ${f}.err`] : []),
  ];
}

export type Trailer = {
  code: number;
  outBytes: number;
  errBytes: number;
  firstPage: Buffer;
  errTail: Buffer;
};

/** The trailer and first page, or undefined when the script never got that far (killed, timed out). */
export function parseRun(stdout: string, stderr: string): Trailer | undefined {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${TRAILER} `));
  if (at < 0) return undefined;
  const [code, outBytes, errBytes] = (lines[at] as string).split(' ').slice(1).map(Number);
  if ([code, outBytes, errBytes].some((n) => n === undefined || !Number.isInteger(n))) return undefined;
  return {
    code: code as number,
    outBytes: outBytes as number,
    errBytes: errBytes as number,
    firstPage: Buffer.from(lines[at + 1] ?? '', 'base64'),
    errTail: Buffer.from(stderr.trim(), 'base64'),
  };
}

/** How amazon-ssm-agent joins and cuts a plugin's output for ListCommandInvocations (2,500 characters). */
const ERROR_TITLE = '\n----------ERROR-------\n';
const CUT = ['\n---Output truncated---', '\n---Error truncated----'];

/**
 * The stdout and stderr in a listed invocation's plugin Output, when the run's whole answer is
 * there (its trailer, first page and stderr tail, each as long as the trailer says); undefined when
 * the Output was cut or holds something else: GetCommandInvocation has it then.
 */
export function fromPluginOutput(output: string): { stdout: string; stderr: string } | undefined {
  if (CUT.some((m) => output.includes(m))) return undefined;
  const at = output.indexOf(ERROR_TITLE);
  const stdout = at < 0 ? output : output.slice(0, at);
  const stderr = at < 0 ? '' : output.slice(at + ERROR_TITLE.length);
  const t = parseRun(stdout, stderr);
  const whole =
    t &&
    t.firstPage.length === Math.min(t.outBytes, PAGE_BYTES) &&
    t.errTail.length === Math.min(t.errBytes, STDERR_TAIL_BYTES);
  return whole ? { stdout, stderr } : undefined;
}

export const pageCount = (outBytes: number) => Math.max(1, Math.ceil(outBytes / PAGE_BYTES));

/** Kills whatever the run left (its marker in the environment) and prints how many were left. */
export function sweepScript(runId: string): string[] {
  const find = `grep -lsxz ${MARKER}=${runId} /proc/[0-9]*/environ | cut -d/ -f3`;
  return [
    `for p in $(${find}); do kill -KILL "$p" 2>/dev/null; done`,
    'sleep 0.3',
    `echo "left $(${find} | wc -l)"`,
    `rm -f ${files(runId)}.out ${files(runId)}.err`,
  ];
}

export function parseSweep(stdout: string): number | undefined {
  const m = /^left (\d+)$/m.exec(stdout);
  return m ? Number(m[1]) : undefined;
}
