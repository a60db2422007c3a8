// Transport 'ssm': commands through AWS Systems Manager Run Command, no SSH key and no open port
// (docs/transports.md). `run` only: uploads go through S3 with `ssm.bucket` (the host fetches a
// presigned URL), else in pieces through `run`, or the host fetches git; the sampler writes a file on
// the host that is read back. One client and one pacer for all hosts, so throttling on one slows
// every caller.
import type { ConfigIssue } from '../config/issues.ts';
import type { DeployConfig, StaticHost } from '../config/schema.ts';
import { splitUserinfo } from '../core/redact.ts';
import type { Pacer } from '../executors/pacer.ts';
import type { JointSender } from '../executors/ssm-joint.ts';
import type { Transport } from './types.ts';

let shared: { key: string; client: unknown; pacer: Pacer; joint?: JointSender } | undefined;

export const ssm: Transport = {
  name: 'ssm',
  summary:
    'AWS Systems Manager Run Command (the SSM agent and an instance profile on the host; no SSH, no inbound port)',
  capabilities: { stream: false, put: false },
  async connect(config, host) {
    // Loaded here: the registry is read by the config schema, and only ssm hosts need the SDK.
    const [{ SsmExecutor, ssmClient }, { Pacer }, { JointSender }] = await Promise.all([
      import('../executors/ssm.ts'),
      import('../executors/pacer.ts'),
      import('../executors/ssm-joint.ts'),
    ]);
    const { region, endpoint, joinWindowMs } = config.ssm;
    const key = `${region ?? ''} ${endpoint ?? ''} ${joinWindowMs}`;
    if (shared?.key !== key) {
      const client = ssmClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
      const pacer = new Pacer();
      // Hosts side by side send the same command once (docs/transports.md, "Batches").
      const joint = joinWindowMs > 0 ? new JointSender({ client, pacer, windowMs: joinWindowMs }) : undefined;
      shared = { key, client, pacer, ...(joint ? { joint } : {}) };
    }
    return new SsmExecutor({
      name: host.name,
      instanceId: host.instanceId as string, // ssmRules: required for every ssm host
      client: shared.client as ReturnType<typeof ssmClient>,
      pacer: shared.pacer,
      executionTimeoutSeconds: config.ssm.executionTimeoutSeconds,
      deliveryTimeoutSeconds: config.ssm.deliveryTimeoutSeconds,
      ...(shared.joint ? { joint: shared.joint } : {}),
    });
  },
  rules: ssmRules,
};

/** What a config using 'ssm' must hold: an instance id per host; no secret (env, git credentials): Run Command keeps the text. */
function ssmRules(config: DeployConfig, hosts: { host: StaticHost; index: number }[]): ConfigIssue[] {
  const issues: ConfigIssue[] = hosts
    .filter(({ host }) => !host.instanceId)
    .map(({ index }) => ({
      path: `hosts[${index}].instanceId`,
      message: "required with transport 'ssm'",
      hint: 'Run Command addresses an instance by its id (i-0abc1234def567890)',
    }));
  if (hosts.length && Object.keys(config.app.start.env ?? {}).length)
    issues.push({
      path: 'app.start.env',
      message: "not sent with transport 'ssm'",
      hint: "Run Command keeps every command's text in its history (ssm:ListCommands), so env values would be readable there: keep them in a root-only file on the instance that the start command reads, or use transport 'ssh'",
    });
  const source = config.app.source;
  if (hosts.length && 'git' in source) {
    const { username, password } = splitUserinfo(source.git.url);
    if (username || password)
      issues.push({
        path: 'app.source.git.url',
        message: "credentials in the URL are not sent with transport 'ssm'",
        hint: 'Run Command keeps the command text in its history: give the instances read access of their own (a deploy key on the instance, or an HTTPS token in its git credential store)',
      });
  }
  return issues;
}
