// The Node the CLI needs, and what to do about an older one. No imports: bin/deploy.js loads this
// on any Node before anything that needs a newer one.
export const NODE_NEEDED = '22.18';

/** Undefined when `version` (process.versions.node) is new enough, else the message with the fix. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 18)) return undefined;
  return [
    `handoff needs Node >= ${NODE_NEEDED}; this is Node ${version}. It loads deploy.config.ts with Node's own TypeScript support.`,
    'Fix, any one of:',
    '  npm i -D node@24                 Node 24 for this project only: npm scripts and npx then run it',
    '  nvm install 24 && nvm use 24     with nvm (https://github.com/nvm-sh/nvm)',
    '  install Node 22.18 or newer      https://nodejs.org/en/download',
    '(--help and --version work on any Node.)',
  ].join('\n');
}
