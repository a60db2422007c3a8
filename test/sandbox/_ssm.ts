// Shared by the ssm deploy tests: the sandbox's deploy config on transport 'ssm' (no SSH key, a
// known_hosts that does not exist) and the AWS environment the CLI gets.

import { afterAll, beforeAll } from 'vitest';
import { SSM } from '../../scripts/sandbox/contract.ts';
import { type SsmSandbox, startSsmSandbox } from '../../scripts/sandbox/ssm/sandbox.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { sandboxConfig } from '../helpers/deploy-sandbox.ts';
import { sandboxForSuite } from './_env.ts';

export const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIASANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_REGION: SSM.region,
};

export function ssmConfig(state: SandboxState, ssm: SsmSandbox, source?: string): string {
  return sandboxConfig(state, {
    knownHosts: '/nonexistent/known_hosts',
    app: { start: { command: 'java -Xms64m -Xmx320m -jar build/app.jar', bootSeconds: 3 } },
    extra: { transport: 'ssm', ssm: { endpoint: ssm.endpoint.url, region: SSM.region } },
    ...(source ? { source } : {}),
  }).dir;
}

/** A two-host sandbox with an SSM agent in each host for one suite, and its config on transport 'ssm'. */
export function ssmSuite() {
  const sandbox = sandboxForSuite({ hosts: 2 });
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
    config: (source?: string) => ssmConfig(state, ssm, source),
  };
}
