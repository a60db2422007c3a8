// SIGINT and SIGTERM during `run` and `rollback`: the first aborts the engine (it finishes the
// step, restores service and releases the lock); later ones are acknowledged and never kill the
// process halfway through an undo. Only SIGKILL does that (then `deploy status` / `deploy unlock`).
export type Interrupt = { signal: AbortSignal; dispose(): void };

export function interruptOnSignals(say: (text: string) => void): Interrupt {
  const controller = new AbortController();
  const on = (sig: string) => {
    if (controller.signal.aborted) {
      say(`\n${sig} again: still restoring service; the lock is released at the end\n`);
      return;
    }
    say(`\n${sig}: finishing the current step and restoring service (the lock is released at the end)\n`);
    controller.abort(new Error(sig));
  };
  const sigint = () => on('SIGINT');
  const sigterm = () => on('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', sigint);
      process.off('SIGTERM', sigterm);
    },
  };
}
