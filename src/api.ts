// The programmatic API (`handoff-deploy/api`): validate a config, the drain math, the planner.
export { defineConfig } from './config/define.ts';
export type { DeployConfig, DeployConfigInput } from './config/schema.ts';
export { validateConfig } from './config/validate.ts';
export { deregistrationWindow, readmitWindow, recommendedWait, unhealthyWindow } from './plan/drain.ts';
export { buildPlan, type Facts, type Plan } from './plan/plan.ts';
