// The `hooks` section: commands run around the runbook's steps, here on this machine or on the
// host (docs/hooks.md). Pure: schema and the table of when each hook runs and what its failure does.
import { z } from 'zod';

export const HOOK_NAMES = ['beforeDrain', 'afterStart', 'afterHealthy', 'afterDeploy', 'onFailure'] as const;
export type HookName = (typeof HOOK_NAMES)[number];
/** The hook points that are steps of the runbook (onFailure runs after the undo, not as a step). */
export const STEP_HOOKS = ['beforeDrain', 'afterStart', 'afterHealthy', 'afterDeploy'] as const;
export type StepHook = (typeof STEP_HOOKS)[number];

/**
 * When each hook runs on a host, and what its failure does. `abort`: nothing has changed on the
 * host yet (the old JVM serves, only the new release's files exist), so the deploy stops there and
 * the upload is undone. `undo`: the host fails like any step after the drain, and its undo runs
 * (the previous release back in service). `report`: onFailure runs after the undo; its own
 * failure is a warning and never replaces the error it reports.
 */
export const HOOK_POINTS: Record<
  HookName,
  { at: 'before' | 'after'; step: string; onFail: 'abort' | 'undo' | 'report' }
> = {
  beforeDrain: { at: 'before', step: 'drain', onFail: 'abort' },
  afterStart: { at: 'after', step: 'start', onFail: 'undo' },
  afterHealthy: { at: 'after', step: 'health', onFail: 'undo' },
  afterDeploy: { at: 'after', step: 'settle', onFail: 'undo' },
  onFailure: { at: 'after', step: 'undo', onFail: 'report' },
};

export const hookSchema = z
  .strictObject({
    run: z
      .string()
      .trim()
      .min(1)
      .describe(
        'The command, run by sh -c: on the host in the new release directory, or here in the config directory.',
      ),
    where: z
      .enum(['local', 'host'])
      .default('host')
      .describe("'host': over the deploy's own connection; 'local': on the machine running handoff."),
    timeoutSeconds: z
      .number()
      .positive()
      .max(3600)
      .default(300)
      .describe(
        'A hook still running after this is stopped (SIGTERM, then SIGKILL 5 s later) and counts as failed.',
      ),
  })
  .describe('One hook: { run, where, timeoutSeconds }.');
export type Hook = z.infer<typeof hookSchema>;

const hookList = z
  .union([hookSchema, z.array(hookSchema).min(1)])
  .transform((h) => (Array.isArray(h) ? h : [h]));

const hooksShape = Object.fromEntries(
  HOOK_NAMES.map((name) => [name, hookList.optional().describe(whenText(name))]),
) as Record<HookName, z.ZodOptional<typeof hookList>>;

export const hooksSchema = z
  .strictObject(hooksShape)
  .default({})
  .describe('Commands around the steps (migrations, cache warm-up, notifications): docs/hooks.md.');
export type Hooks = Partial<Record<HookName, Hook[]>>;

function whenText(name: HookName): string {
  const p = HOOK_POINTS[name];
  if (p.onFail === 'report')
    return 'After a host failed and its undo ran (HANDOFF_FAILED_STEP, HANDOFF_ERROR); its own failure is a warning.';
  const fail =
    p.onFail === 'abort'
      ? 'a failure stops the deploy with nothing changed on the host'
      : 'a failure fails the host and its undo restores the previous release';
  // A swap changes what serves first with its start, and ends with the old JVM's stop.
  const swap =
    name === 'beforeDrain'
      ? ' (a swap: before start)'
      : name === 'afterDeploy'
        ? ' (a swap: after stop)'
        : '';
  return `${p.at === 'before' ? 'Before' : 'After'} the ${p.step} step${swap} on each host; ${fail}.`;
}
