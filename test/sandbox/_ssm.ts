// Shared by the ssm deploy tests: a two-host sandbox with an agent in each host for one suite, and
// its config on transport 'ssm' (test/helpers/ssm.ts).

import { afterAll, beforeAll } from 'vitest';
import { type SsmSandbox, startSsmSandbox } from '../../scripts/sandbox/ssm/sandbox.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import type { Overrides } from '../helpers/deploy-sandbox.ts';
import { ssmConfig } from '../helpers/ssm.ts';
import { sandboxForSuite } from './_env.ts';

export { AWS_ENV, ssmConfig } from '../helpers/ssm.ts';
/** A sandbox (two hosts unless told) with an SSM agent in each host for one suite, and its config on transport 'ssm'. */
export function ssmSuite(hosts = 2) {
  const sandbox = sandboxForSuite({ hosts });
  let state: SandboxState;
  let ssm: SsmSandbox;
  beforeAll(async () => {
    state = sandbox();
    ssm = await startSsmSandbox(state);
  }, 60_000);
  afterAll(async () => {
    await ssm?.stop();
  });
  return {
    state: () => state,
    ssm: () => ssm,
    config: (source?: string, more?: Overrides) => ssmConfig(state, ssm, source, more),
  };
}
