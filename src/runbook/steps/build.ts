// build: on the host only (a local build ran once before the first host). The memory-safe order
// builds once the old JVM is gone; build-first and a swap build before anything changes.
import { defineStep } from '../types.ts';

export const build = defineStep({
  name: 'build',
  order: { 'stop-first': 60, 'build-first': 25, swap: 25 },
  applies: (i) => i.buildWhere === 'host',
  estimate: (i) => ({ seconds: i.buildSeconds, note: '~estimate; in releases/<id> on the host' }),
  undo: { rolling: 'kill-build', swap: 'kill-build' },
  runs: async () => (await import('../../engine/steps/build.ts')).runs,
});
