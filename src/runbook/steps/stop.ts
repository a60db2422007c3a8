// stop: the old JVM, SIGTERM then SIGKILL (the drain's undo restarts it if a later step fails).
import { defineStep } from '../types.ts';

export const stop = defineStep({
  name: 'stop',
  order: { 'stop-first': 50, 'build-first': 50, swap: 150, rollback: 50 },
  estimate: (i) => ({
    seconds: i.graceSeconds,
    note: `bound: SIGTERM, up to ${i.graceSeconds} s grace, then SIGKILL`,
  }),
  runs: async () => (await import('../../engine/steps/stop.ts')).runs,
});
