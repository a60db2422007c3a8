// The error a promise rejects with, for assertions on its message and exit code; fails the test if it resolves.
export async function failure(p: Promise<unknown>): Promise<Error & { exitCode?: number; code?: string }> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}
