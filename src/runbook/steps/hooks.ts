// The hook points (docs/hooks.md) as steps, each only when the config fills it, never in a
// rollback: beforeDrain right before the first step that changes what serves (the drain; in a swap
// the new JVM's start), afterStart and afterHealthy right after their step, afterDeploy last.
import type { StepHook } from '../../hooks/schema.ts';
import { defineStep, type EstimateInput, type Order } from '../types.ts';

/** A hook step's estimate: a second a hook (their time is the app's), the commands and the bound. */
function hookEstimate(name: StepHook) {
  return (i: EstimateInput) => {
    const list = i.hooks?.[name] ?? [];
    const bound = list.reduce((sum, h) => sum + h.timeoutSeconds, 0);
    const what = list.map((h) => `${h.run} (${h.where})`).join('; ');
    return { seconds: list.length, note: `~estimate; hook ${name}: ${what}; at most ${bound} s` };
  };
}

// afterStart comes before health: the new JVM may already serve, so its undo withdraws it before
// start's undo stops it. After health, health's own undo does (and a swap's admit undo drains the
// new port first).
const hook = <const N extends StepHook>(name: N, order: Partial<Record<Order, number>>, withdraws: boolean) =>
  defineStep({
    name,
    order,
    applies: (i) => i.hooks?.includes(name) ?? false,
    estimate: hookEstimate(name),
    ...(withdraws ? { undo: { rolling: 'withdraw-new-jvm' } } : {}),
    runs: async () => (await import('../../engine/hook-steps.ts')).hookRuns(name, withdraws),
  });

export const beforeDrain = hook('beforeDrain', { 'stop-first': 28, 'build-first': 28, swap: 28 }, false);
export const afterStart = hook('afterStart', { 'stop-first': 75, 'build-first': 75, swap: 75 }, true);
export const afterHealthy = hook('afterHealthy', { 'stop-first': 85, 'build-first': 85, swap: 85 }, false);
export const afterDeploy = hook('afterDeploy', { 'stop-first': 110, 'build-first': 110, swap: 160 }, false);
