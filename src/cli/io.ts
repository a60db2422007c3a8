// Injected streams and environment so commands are testable in-process.

import { Writable } from 'node:stream';
import { programName } from './program-name.ts';

export type Io = {
  /** Only read to ask for confirmation, and only when it is a TTY. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The name the CLI was invoked by (`handoff` or `deploy`): help and usage errors use it. */
  bin?: string;
};

export function processIo(): Io {
  const stderr = bestEffort(process.stderr);
  const stdout = bestEffort(process.stdout, (error) =>
    stderr.write(
      `handoff: stdout failed (${errorCode(error)}); the command goes on, its events and report are in the report directory\n`,
    ),
  );
  return {
    stdin: process.stdin,
    stdout,
    stderr,
    cwd: process.cwd(),
    env: process.env,
    bin: programName(process.argv[1]),
  };
}

/**
 * Output is best-effort: a closed pipe (`deploy run | head -3`), a `tee` that died or a full disk
 * must never stop a deploy or its undo. The first error is reported once to `onError`; every
 * write after it is dropped. The wrapper never throws and never emits 'error'.
 */
export function bestEffort(
  out: NodeJS.WritableStream & { isTTY?: boolean },
  onError?: (error: Error) => void,
): Writable & { isTTY?: boolean } {
  let failed = false;
  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    try {
      onError?.(error);
    } catch {}
  };
  out.on('error', fail);
  const wrapper = new Writable({
    write(chunk, _encoding, done) {
      if (!failed)
        try {
          out.write(chunk, (error) => error && fail(error));
        } catch (error) {
          fail(error as Error);
        }
      done(); // never wait on a stuck reader: the deploy does not stop for its output
    },
  });
  wrapper.on('error', () => undefined);
  return Object.assign(wrapper, { isTTY: out.isTTY });
}

export const errorCode = (error: Error) => (error as NodeJS.ErrnoException).code ?? error.message;
