// The sandbox's deploy config on transport 'ssm' (no SSH key: a known_hosts that does not exist)
// and the AWS environment the CLI gets, for the ssm tests and bench/transport.ts.
import { SSM } from '../../scripts/sandbox/contract.ts';
import type { SsmSandbox } from '../../scripts/sandbox/ssm/sandbox.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { type Overrides, sandboxConfig } from './deploy-sandbox.ts';

export const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIASANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_REGION: SSM.region,
};

/** `app.start` without env: the ssm transport refuses env values (docs/transports.md). */
export const SSM_START = { command: 'java -Xms64m -Xmx320m -jar build/app.jar', bootSeconds: 3 };

export function ssmConfig(
  state: SandboxState,
  ssm: SsmSandbox,
  source?: string,
  more: Overrides = {},
): string {
  return sandboxConfig(state, {
    knownHosts: '/nonexistent/known_hosts',
    ...more,
    app: { start: SSM_START, ...more.app },
    extra: { transport: 'ssm', ssm: { endpoint: ssm.endpoint.url, region: SSM.region }, ...more.extra },
    ...(source ? { source } : {}),
  }).dir;
}
