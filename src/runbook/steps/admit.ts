// admit: traffic to the new JVM (a swap: its port registered; undone by deregistering it).
import { defineStep } from '../types.ts';

export const admit = defineStep({
  name: 'admit',
  order: { 'stop-first': 90, 'build-first': 90, swap: 90, rollback: 90 },
  estimate: (i) => ({ seconds: 0.2, note: i.notes.admit }),
  undo: { swap: 'deregister-new-port' },
  runs: async () => (await import('../../engine/steps/admit.ts')).runs,
});
