// Loads deploy.config.ts with Node's own TypeScript support (type stripping, Node >= 22.18):
// no bundler, no loader hook. Every way a file can be wrong becomes a ConfigError naming the file.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.ts';
import type { ConfigIssue } from './issues.ts';
import type { DeployConfig } from './schema.ts';
import { validateConfig } from './validate.ts';

export const CONFIG_NAMES = [
  'deploy.config.ts',
  'deploy.config.mts',
  'deploy.config.js',
  'deploy.config.mjs',
];

export type LoadedConfig = { file: string; config: DeployConfig; warnings: ConfigIssue[] };

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
  for (const name of CONFIG_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigError('deploy.config.ts', [
    {
      path: '(file)',
      message: `no ${CONFIG_NAMES.join(', ')} in ${cwd}`,
      hint: 'run `deploy init`, or pass --config FILE',
    },
  ]);
}

export async function loadConfig(options: { cwd: string; file?: string }): Promise<LoadedConfig> {
  const file = findConfigFile(options.cwd, options.file);
  const exported = await importConfig(file);
  const result = validateConfig(exported);
  if (!result.ok) throw new ConfigError(file, result.errors);
  return { file, config: result.config, warnings: result.warnings };
}

async function importConfig(file: string): Promise<unknown> {
  let mod: { default?: unknown };
  try {
    // A query string defeats the module cache, so a long-lived process sees edits.
    mod = await import(`${pathToFileURL(file).href}?t=${Date.now()}`);
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
