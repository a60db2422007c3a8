// Wires the AWS adapters in only when the config names a target group or EC2 discovery, so an
// offline plan never loads the SDK (dynamic imports below).
import type { AwsClientOptions, Elbv2LoadBalancer } from '../../aws/elbv2.ts';
import type { DeployConfig } from '../../config/schema.ts';
import type { GatherOptions } from '../../core/facts.ts';
import { checkMaintenance, type Maintenance, maintenanceOf } from '../../engine/maintenance.ts';
import type { LoadBalancerPort, ReleaseStore, TargetGroupInfo } from '../../ports.ts';
import type { Io } from '../io.ts';

export type AwsOptions = { signal?: AbortSignal; retry?: AwsClientOptions['retry'] };

// The target group `plan` read, per loadBalancer section: `run` then acts on the ARN the plan's
// numbers came from, without reading it twice.
const readGroups = new WeakMap<object, TargetGroupInfo>();

async function elbv2For(config: DeployConfig, opts: AwsOptions): Promise<Elbv2LoadBalancer> {
  const lb = config.loadBalancer;
  const { Elbv2LoadBalancer } = await import('../../aws/elbv2.ts');
  return new Elbv2LoadBalancer({
    ...(lb.region ? { region: lb.region } : {}),
    ...(lb.endpoint ? { endpoint: lb.endpoint } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
}

export async function awsPorts(
  config: DeployConfig,
  _io: Io,
  opts: AwsOptions = {},
): Promise<Pick<GatherOptions, 'targetGroups' | 'discover'>> {
  const ports: Pick<GatherOptions, 'targetGroups' | 'discover'> = {};
  if (config.loadBalancer.targetGroup) {
    const elbv2 = await elbv2For(config, opts);
    ports.targetGroups = {
      describeTargetGroup: async (nameOrArn) => {
        const info = await elbv2.describeTargetGroup(nameOrArn);
        readGroups.set(config.loadBalancer, info);
        return info;
      },
    };
  }
  if (!Array.isArray(config.hosts)) {
    const { address, user, privateKeyPath } = config.hosts.discover;
    const region = config.loadBalancer.region;
    ports.discover = async (tags) => {
      const { Ec2Inventory } = await import('../../aws/ec2.ts');
      const ec2 = new Ec2Inventory({
        ...(region ? { region } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return ec2.discoverHosts(tags, { address, user, ...(privateKeyPath ? { privateKeyPath } : {}) });
    };
  }
  return ports;
}

// What says "AWS could not be asked" rather than "AWS said no": no credentials anywhere in the
// chain, or no connection (DNS, refused, unreachable, timed out). Errors from src/aws/errors.ts
// carry the SDK's error name as `code` and the SDK error as `cause`.
const UNREACHABLE = new Set([
  'CredentialsProviderError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
]);

/** Why AWS could not be asked, in a few words, or undefined when it was asked and answered. */
export function awsUnreachable(error: unknown): string | undefined {
  const e = error as { code?: string; cause?: { code?: string; name?: string } } | undefined;
  const code = [e?.code, e?.cause?.code, e?.cause?.name].find((c) => c !== undefined && UNREACHABLE.has(c));
  if (code === undefined) return undefined;
  return code === 'CredentialsProviderError'
    ? 'no AWS credentials in the environment, profiles, SSO or an instance role'
    : `AWS not reachable: ${code}`;
}

/**
 * The full load-balancer port and the target group's ARN for `deploy run` (deregister mode, live
 * target health in preflight), or undefined when the config reads no target group.
 */
export async function loadBalancerFor(
  config: DeployConfig,
  opts: AwsOptions = {},
): Promise<{ port: LoadBalancerPort; arn: string } | undefined> {
  const name = config.loadBalancer.targetGroup;
  if (!name) return undefined;
  const port = await elbv2For(config, opts);
  const arn = readGroups.get(config.loadBalancer)?.arn ?? (await port.describeTargetGroup(name)).arn;
  return { port, arn };
}

/** The S3 release store when `ssm.bucket` is set (hosts without stdin upload fetch from it), else none. */
export async function releaseStoreFor(config: DeployConfig): Promise<ReleaseStore | undefined> {
  const { bucket, bucketPrefix, s3Endpoint, presignSeconds, region } = config.ssm;
  if (!bucket) return undefined;
  const { s3ReleaseStore } = await import('../../aws/s3.ts');
  return s3ReleaseStore({
    bucket,
    prefix: bucketPrefix,
    presignSeconds,
    ...(region ? { region } : {}),
    ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
  });
}

/** The maintenance listener (config `maintenance`), or undefined when none is configured. */
export async function maintenanceListener(config: DeployConfig): Promise<Maintenance | undefined> {
  if (!config.maintenance) return undefined;
  const { Elbv2Listener } = await import('../../aws/listener.ts');
  const { region, endpoint } = config.loadBalancer;
  // No abort signal: after SIGINT the rule's removal must still be sent.
  const port = new Elbv2Listener({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
  return maintenanceOf(config.maintenance, port);
}

/**
 * For `deploy run --allow-downtime`, before any host is touched: the listener is the target
 * group's load balancer's and the rule's priority is free (else exit 2).
 */
export async function maintenanceFor(
  config: DeployConfig,
  lb: { port: LoadBalancerPort; arn: string },
): Promise<Maintenance | undefined> {
  const m = await maintenanceListener(config);
  if (!m) return undefined;
  const tg = readGroups.get(config.loadBalancer) ?? (await lb.port.describeTargetGroup(lb.arn));
  await checkMaintenance(m, tg);
  return m;
}
