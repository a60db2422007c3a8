// Loads deploy.config.ts with Node's own TypeScript support (type stripping, Node >= 22.18):
// no bundler, no loader hook. Every way a file can be wrong becomes a ConfigError naming the file.
import './zod-jitless.ts'; // first: before any schema is built
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.ts';
import { applyEnvironment, ENV_NAME } from './environments.ts';
import type { ConfigIssue } from './issues.ts';
import type { DeployConfig } from './schema.ts';
import { validateConfig } from './validate.ts';

export const CONFIG_NAMES = [
  'deploy.config.ts',
  'deploy.config.mts',
  'deploy.config.js',
  'deploy.config.mjs',
];

export type LoadedConfig = {
  file: string;
  config: DeployConfig;
  warnings: ConfigIssue[];
  /** The `--env` applied (config/environments.ts); absent: the base config. */
  environment?: string;
};

export function findConfigFile(cwd: string, explicit?: string): string {
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file))
      throw new ConfigError(explicit, [
        {
          path: '(file)',
          message: `config file not found at ${file}`,
          hint: 'check --config, or run `deploy init` to write one',
        },
      ]);
    return file;
  }
  const found = discoverConfig(cwd);
  if (found) return found;
  const top = searchedDirs(cwd).at(-1);
  throw new ConfigError('deploy.config.ts', [
    {
      path: '(file)',
      message: `no ${CONFIG_NAMES.join(', ')} in ${cwd}${top === cwd ? '' : ` or a parent up to ${top}`}`,
      hint: 'run `deploy init`, or pass --config FILE',
    },
  ]);
}

/**
 * The config a command run in `cwd` uses: the first directory, from `cwd` upwards, that has one
 * (as git and eslint look for theirs), so `deploy plan` works from any subdirectory of the app.
 */
export function discoverConfig(cwd: string): string | undefined {
  for (const dir of searchedDirs(cwd))
    for (const name of CONFIG_NAMES) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
  return undefined;
}

/**
 * `cwd` and its parents, up to the repository root (the first directory holding `.git`, a
 * directory or, in worktrees and submodules, a file) or else the filesystem root. The search stops
 * at the repository root because a config above it belongs to no file of this repository: a
 * deploy.config.ts in a home directory must not deploy whatever repository one happens to be in.
 */
function searchedDirs(cwd: string): string[] {
  const dirs: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return dirs;
  }
}

export async function loadConfig(options: {
  cwd: string;
  file?: string;
  environment?: string | undefined;
}): Promise<LoadedConfig> {
  const file = findConfigFile(options.cwd, options.file);
  const exported = (await importConfig(file)) as Record<string, unknown>;
  const name = options.environment;
  const siblingFile =
    name !== undefined && ENV_NAME.test(name)
      ? CONFIG_NAMES.map((n) => join(dirname(file), n.replace('deploy.', `deploy.${name}.`))).find(existsSync)
      : undefined;
  const sibling = siblingFile ? await importConfig(siblingFile) : undefined;
  // Untouched without environments: validation reads it (and reports a getter that throws).
  const applied =
    name === undefined && !Object.hasOwn(exported, 'environments')
      ? { value: exported }
      : applyEnvironment(exported, name, sibling);
  if ('issue' in applied) throw new ConfigError(file, [applied.issue]);
  const result = validateConfig(applied.value);
  if (!result.ok) throw new ConfigError(file, result.errors);
  return { file, config: result.config, warnings: result.warnings, ...(name ? { environment: name } : {}) };
}

async function importConfig(file: string): Promise<unknown> {
  let mod: { default?: unknown };
  try {
    // The query changes with the file, so a long-lived process (the tests) sees edits, while an
    // unchanged file keeps its URL and Node's compile cache (enabled by bin/deploy.js) keeps its
    // type-stripped code between runs: the TypeScript transform is most of a cold start.
    const { mtimeMs, size } = statSync(file);
    mod = await import(`${pathToFileURL(file).href}?v=${mtimeMs}-${size}`);
  } catch (error) {
    throw new ConfigError(file, [describeImportError(error)]);
  }
  const value = mod.default;
  if (value === undefined)
    throw new ConfigError(file, [
      {
        path: '(file)',
        message: 'has no default export',
        hint: 'end it with `export default defineConfig({ ... })`',
      },
    ]);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(file, [
      {
        path: '(file)',
        message: `default export is ${Array.isArray(value) ? 'an array' : typeof value}, not a config object`,
        hint: 'export default defineConfig({ app, hosts, loadBalancer, ... })',
      },
    ]);
  return value;
}

function describeImportError(error: unknown): ConfigIssue {
  const err = error as { name?: string; code?: string; message?: string };
  const first = String(err.message ?? error).split('\n')[0];
  if (err.name === 'SyntaxError' || err.code === 'ERR_INVALID_TYPESCRIPT_SYNTAX')
    return { path: '(file)', message: `syntax error: ${first}`, hint: 'fix the file so Node can parse it' };
  if (err.code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX')
    return {
      path: '(file)',
      message: `unsupported TypeScript: ${first}`,
      hint: 'Node strips types only: avoid enums and namespaces in the config',
    };
  if (err.code === 'ERR_MODULE_NOT_FOUND')
    return {
      path: '(file)',
      message: `an import could not be resolved: ${first}`,
      hint: 'is handoff installed in this project (npm i -D handoff-deploy)?',
    };
  return {
    path: '(file)',
    message: `threw while loading: ${err.name ?? 'Error'}: ${first}`,
    hint: 'the config file runs as code; fix what it throws',
  };
}
