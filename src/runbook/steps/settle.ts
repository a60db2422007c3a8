// settle: until every load-balancer node seen during the drain routes to the new JVM.
import { defineStep } from '../types.ts';

export const settle = defineStep({
  name: 'settle',
  order: { 'stop-first': 100, 'build-first': 100, swap: 100, rollback: 100 },
  estimate: (i) => ({
    seconds: i.settleSeconds,
    note: 'until every load-balancer node routes to the host; bound: the re-admission window',
  }),
  runs: async () => (await import('../../engine/steps/settle.ts')).runs,
});
