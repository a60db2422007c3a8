import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Many unit files spawn the CLI; beside three sandbox lanes on two cores a spawn can take
        // seconds, so the timeout covers a loaded machine, not an idle one.
        // Git stops at test/.tmp: a temp dir's empty .git is no repository, and git must not find
        // this checkout above it (its uncommitted changes would show in every temp dir's plan).
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
          env: { GIT_CEILING_DIRECTORIES: resolve(import.meta.dirname, 'test', '.tmp') },
        },
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
