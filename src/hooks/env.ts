// The step context a hook sees, as environment variables (docs/hooks.md). Pure. Values are one
// line each (they travel as KEY=VALUE lines on the hook's stdin); the caller redacts the error.
import type { HookName } from './schema.ts';

export type HookContext = {
  hook: HookName;
  app: string;
  host: string;
  address: string;
  release: string;
  releaseDir: string;
  previousRelease?: string | undefined;
  commit?: { sha: string; subject?: string } | undefined;
  environment?: string | undefined;
  /** The step the hook runs next to (before drain: 'drain'). */
  step: string;
  failedStep?: string | undefined;
  error?: string | undefined;
  dryRun?: boolean;
};

const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export function hookEnv(ctx: HookContext): Record<string, string> {
  const env: Record<string, string | undefined> = {
    HANDOFF_HOOK: ctx.hook,
    HANDOFF_APP: ctx.app,
    HANDOFF_HOST: ctx.host,
    HANDOFF_HOST_ADDRESS: ctx.address,
    HANDOFF_RELEASE: ctx.release,
    HANDOFF_RELEASE_DIR: ctx.releaseDir,
    HANDOFF_PREVIOUS_RELEASE: ctx.previousRelease,
    HANDOFF_COMMIT: ctx.commit?.sha,
    HANDOFF_COMMIT_SUBJECT: ctx.commit?.subject,
    HANDOFF_ENVIRONMENT: ctx.environment,
    HANDOFF_STEP: ctx.step,
    HANDOFF_FAILED_STEP: ctx.failedStep,
    HANDOFF_ERROR: ctx.error,
    HANDOFF_DRY_RUN: ctx.dryRun ? '1' : undefined,
  };
  return Object.fromEntries(
    Object.entries(env).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, oneLine(v)]])),
  );
}
