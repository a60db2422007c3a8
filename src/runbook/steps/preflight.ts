// preflight: lock, SSH, the old JVM found, another target healthy, the memory budget. Changes
// nothing it cannot keep: no undo.
import { defineStep } from '../types.ts';

export const preflight = defineStep({
  name: 'preflight',
  order: { 'stop-first': 10, 'build-first': 10, swap: 10, rollback: 10 },
  estimate: () => ({ seconds: 1, note: '~estimate: lock, SSH, another target healthy' }),
  runs: async () => (await import('../../engine/steps/preflight.ts')).runs,
});
