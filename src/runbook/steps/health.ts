// health: the new JVM answers /health on the host's loopback. From then on it may serve (the nodes'
// checks may pass; admit follows), so a failure from here on takes it out of service first (a swap:
// its admit's undo drains the new port).
import { defineStep } from '../types.ts';

export const health = defineStep({
  name: 'health',
  order: { 'stop-first': 80, 'build-first': 80, swap: 80, rollback: 80 },
  estimate: (i) => ({ seconds: i.bootSeconds, note: '~estimate: JVM boot until /health answers' }),
  undo: { rolling: 'withdraw-new-jvm' },
  runs: async () => (await import('../../engine/steps/health.ts')).runs,
});
