// health: the new JVM answers /health on the host's loopback.
import { defineStep } from '../types.ts';

export const health = defineStep({
  name: 'health',
  order: { 'stop-first': 80, 'build-first': 80, swap: 80, rollback: 80 },
  estimate: (i) => ({ seconds: i.bootSeconds, note: '~estimate: JVM boot until /health answers' }),
  runs: async () => (await import('../../engine/steps/health.ts')).runs,
});
