// Decides whether the sandbox suites run here. On a developer's machine without root or a tool they
// skip with the reason printed; with CI set they never skip: a missing tool is a failure.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { sandboxDown } from '../../scripts/sandbox/down.ts';
import { acquireLock, type Release } from '../../scripts/sandbox/lock.ts';
import { missingRequirements } from '../../scripts/sandbox/preflight.ts';
import { readState, type SandboxState } from '../../scripts/sandbox/state.ts';
import { isUp, sandboxUp, type UpOptions } from '../../scripts/sandbox/up.ts';

export function sandboxDescribe(name: string, fn: () => void, extraProblems: string[] = []): void {
  const problems = [...missingRequirements(), ...extraProblems];
  if (problems.length === 0) {
    describe(name, fn);
    return;
  }
  const reason = problems.join('; ');
  if (process.env.CI) {
    describe(name, () => {
      it('has what the sandbox needs (CI never skips)', () => {
        throw new Error(`cannot run the sandbox suite in CI: ${reason}`);
      });
    });
    return;
  }
  console.warn(`[sandbox tests] skipping "${name}": ${reason}`);
  describe.skip(name, fn);
}

/** True when a sandbox was already running before the tests (a developer's own): reuse, never tear down. */
export const sandboxWasUp = (): boolean => isUp(readState());

/**
 * One test file at a time on the machine's sandbox, even across separate vitest runs (people share
 * the machine): waits for the holder, within the hook timeout.
 */
export function lockSandboxForTests(): Promise<Release> {
  return acquireLock('tests', 270_000, (by) =>
    console.warn(`[sandbox tests] waiting for pid ${by.pid}, which is using the sandbox`),
  );
}

/**
 * Brings the sandbox up for one test file. `release()` tears it down only if this file started it,
 * so a developer's running sandbox survives the suite.
 */
export async function useSandbox(
  opts: UpOptions = {},
): Promise<{ state: SandboxState; reused: boolean; release(): Promise<void> }> {
  const unlock = await lockSandboxForTests();
  try {
    const wasUp = sandboxWasUp();
    const state = await sandboxUp(opts);
    return {
      state,
      reused: wasUp,
      release: async () => {
        try {
          if (wasUp) return;
          const problems = await sandboxDown();
          if (problems.length) throw new Error(`sandbox:down left things behind: ${problems.join('; ')}`);
        } finally {
          unlock();
        }
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}

/**
 * useSandbox for a whole describe block: up in beforeAll, released in afterAll. Returns a getter,
 * since the state exists only once beforeAll has run.
 */
export function sandboxForSuite(opts: UpOptions = {}): () => SandboxState {
  let sandbox: Awaited<ReturnType<typeof useSandbox>> | undefined;
  beforeAll(async () => {
    sandbox = await useSandbox(opts);
  });
  afterAll(async () => {
    await sandbox?.release();
  });
  return () => {
    if (!sandbox) throw new Error('the sandbox is not up (beforeAll failed)');
    return sandbox.state;
  };
}
