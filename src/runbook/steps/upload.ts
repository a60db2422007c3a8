// upload: the release onto the host (a rollback's release is there already).
import { defineStep } from '../types.ts';

export const upload = defineStep({
  name: 'upload',
  order: { 'stop-first': 20, 'build-first': 20, swap: 20 },
  estimate: (i) => ({
    seconds: 1,
    note:
      i.buildWhere === 'local'
        ? '~estimate; artifact built locally, uploaded before draining'
        : '~estimate; the source into releases/<id> on the host',
  }),
  undo: { rolling: 'remove-release', swap: 'remove-release' },
  runs: async () => (await import('../../engine/steps/upload.ts')).runs,
});
