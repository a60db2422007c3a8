// Pure: unknown input -> schema -> named rules -> { config, warnings, errors }. Never throws.
import { type ConfigIssue, fromZod } from './issues.ts';
import { rules } from './rules.ts';
import { configSchema, type DeployConfig } from './schema.ts';

export type ValidationResult =
  | { ok: true; config: DeployConfig; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

export function validateConfig(input: unknown): ValidationResult {
  try {
    return validate(input);
  } catch (error) {
    // The config is code: a getter or a Proxy can throw while the schema reads it.
    const e = error as { name?: string; message?: string };
    const issue = {
      path: '(file)',
      message: `threw while being read: ${e?.name ?? 'Error'}: ${String(e?.message ?? error).split('\n')[0]}`,
      hint: 'the config file runs as code; make every value a plain value',
    };
    return { ok: false, errors: [issue], warnings: [] };
  }
}

function validate(input: unknown): ValidationResult {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fromZod(parsed.error, input, configSchema), warnings: [] };
  const ctx = { config: parsed.data, errors: [] as ConfigIssue[], warnings: [] as ConfigIssue[] };
  for (const rule of Object.values(rules)) rule(ctx);
  if (ctx.errors.length > 0) return { ok: false, errors: ctx.errors, warnings: ctx.warnings };
  return { ok: true, config: parsed.data, warnings: ctx.warnings };
}
