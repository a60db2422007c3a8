// drain: traffic away from the old JVM (a swap: from the old port, once the new one serves). Its
// undo is the restore: the previous release serving and re-admitted.
import { defineStep } from '../types.ts';

export const drain = defineStep({
  name: 'drain',
  order: { 'stop-first': 30, 'build-first': 30, swap: 130, rollback: 30 },
  estimate: (i) => ({ seconds: 0.2, note: i.notes.drain }),
  undo: { rolling: 'restore', swap: 'restore-old-port' },
  runs: async () => (await import('../../engine/steps/drain.ts')).runs,
});
