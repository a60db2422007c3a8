// start: `current` switched, the new JVM started detached (a swap: on the other port).
import { defineStep } from '../types.ts';

export const start = defineStep({
  name: 'start',
  order: { 'stop-first': 70, 'build-first': 70, swap: 70, rollback: 70 },
  estimate: () => ({ seconds: 0.5, note: 'setsid, stdin /dev/null, log file, PID file' }),
  undo: { rolling: 'stop-new-jvm', swap: 'stop-new-jvm' },
  runs: async () => (await import('../../engine/steps/start.ts')).runs,
});
