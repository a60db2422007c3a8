// Pure: every step of the runbook, once (docs/architecture.md, "Steps"). Adding a step is one entry
// here and its two new files: its descriptor under src/runbook/steps/ (its place in each order,
// when it applies, its estimate, its undo per runbook) and its runs under src/engine/steps/. The
// plan's order and timeline, the failure table, the plan schema's step enum and the engine's
// runbook tables all read this list; the engine loads each step's runs through its entry.
import { admit } from './steps/admit.ts';
import { build } from './steps/build.ts';
import { drain } from './steps/drain.ts';
import { health } from './steps/health.ts';
import { afterDeploy, afterHealthy, afterStart, beforeDrain } from './steps/hooks.ts';
import { preflight } from './steps/preflight.ts';
import { settle } from './steps/settle.ts';
import { start } from './steps/start.ts';
import { stop } from './steps/stop.ts';
import { upload } from './steps/upload.ts';
import { wait } from './steps/wait.ts';
import type { StepSpec } from './types.ts';

/** The registry, in the order the failure table lists them (each order sorts by its own ranks). */
export const STEP_REGISTRY = [
  preflight,
  upload,
  drain,
  wait,
  stop,
  build,
  start,
  health,
  admit,
  settle,
  beforeDrain,
  afterStart,
  afterHealthy,
  afterDeploy,
] as const;

export type StepName = (typeof STEP_REGISTRY)[number]['name'];
export const STEP_NAMES: readonly StepName[] = STEP_REGISTRY.map((s) => s.name);

/** A registry: this one, or in a test one with an extra step (test/unit/step-registry.test.ts). */
export type Registry = readonly StepSpec[];

/** A step's descriptor by name (a name the registry does not have is a bug: it throws). */
export function stepSpec(name: string, registry: Registry = STEP_REGISTRY): StepSpec {
  const spec = registry.find((s) => s.name === name);
  if (!spec) throw new RangeError(`no step '${name}' in the runbook's registry`);
  return spec;
}
