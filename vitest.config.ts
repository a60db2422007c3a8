import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Many unit files spawn the CLI; beside three sandbox lanes on two cores a spawn can take
        // seconds, so the timeout covers a loaded machine, not an idle one.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        // Real namespaces, sshd, JVMs and HAProxy: one file at a time per sandbox instance; `npm test`
        // (scripts/test.ts) runs several instances side by side, one vitest process per file.
        test: {
          name: 'sandbox',
          include: ['test/sandbox/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
