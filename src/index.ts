// What deploy.config.ts imports: defineConfig and the config's types, nothing that loads the
// schema. The CLI validates the config with its own (bundled) copy of the schema, so a config that
// pulled the full API in would load zod a second time (docs/cli.md, "Start-up"). The programmatic
// API is `handoff-deploy/api` (src/api.ts).
export { defineConfig } from './config/define.ts';
export type { DeployConfig, DeployConfigInput } from './config/schema.ts';
