// Pure: `--env NAME` applied to the exported config. The overlay comes from the config file's own
// `environments: { NAME: {...} }` or from a sibling file `deploy.NAME.config.ts` (its default
// export); objects merge key by key, anything else (arrays included: a host list) replaces.
// docs/cli.md, "Environments".
import { type ConfigIssue, closeMatches } from './issues.ts';

export const ENV_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/i;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergeOverlay(base: Obj, overlay: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(overlay))
    out[k] = isObj(v) && isObj(base[k]) ? mergeOverlay(base[k], v) : v;
  return out;
}

/** The config for `name` (the base without `environments` when no name), or the issue that stops it. */
export function applyEnvironment(
  exported: Obj,
  name: string | undefined,
  sibling: unknown,
): { value: Obj } | { issue: ConfigIssue } {
  const { environments, ...base } = exported;
  if (name === undefined) return { value: base };
  const inFile = isObj(environments) ? environments : {};
  const known = Object.keys(inFile);
  if (!ENV_NAME.test(name))
    return {
      issue: {
        path: '(--env)',
        message: `'${name}' is not an environment name`,
        hint: 'letters, digits, - and _',
      },
    };
  const own = inFile[name];
  if (own !== undefined && sibling !== undefined)
    return {
      issue: {
        path: `environments.${name}`,
        message: `environment '${name}' is defined twice: here and in deploy.${name}.config.ts`,
        hint: 'keep one of the two',
      },
    };
  const overlay = own ?? sibling;
  if (overlay === undefined) {
    const close = closeMatches(name, known, true);
    return {
      issue: {
        path: '(--env)',
        message: `no environment '${name}'${close.length ? ` (did you mean '${close[0]}'?)` : ''}`,
        hint: known.length
          ? `environments in the config: ${known.join(', ')}; or add a file deploy.${name}.config.ts`
          : `add environments: { ${name}: { ... } } to the config, or a file deploy.${name}.config.ts`,
      },
    };
  }
  if (!isObj(overlay))
    return {
      issue: {
        path: `environments.${name}`,
        message: 'is not an object',
        hint: 'an overlay: { app: { ... }, hosts: [...] }',
      },
    };
  return { value: mergeOverlay(base, overlay) };
}
