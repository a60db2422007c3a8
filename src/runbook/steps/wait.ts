// wait: until no load-balancer node sends the old JVM requests and none is in flight.
import { defineStep } from '../types.ts';

export const wait = defineStep({
  name: 'wait',
  order: { 'stop-first': 40, 'build-first': 40, swap: 140, rollback: 40 },
  estimate: (i) => ({ seconds: i.waitSeconds, note: i.notes.wait }),
  runs: async () => (await import('../../engine/steps/wait.ts')).runs,
});
