// Side-effect free on purpose: deploy.config.ts imports this, and loading a config must not
// pull in SSH, AWS or zx.
import type { DeployConfigInput } from './schema.ts';

/** Typed identity: gives editors completion and type errors for deploy.config.ts. */
export function defineConfig(config: DeployConfigInput): DeployConfigInput {
  return config;
}
