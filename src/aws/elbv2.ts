// The load-balancer port over ELBv2 (SDK v3). Every call goes through one bounded retry (retry.ts)
// and one error translation (errors.ts); the SDK waiters are not used (an InvalidTarget counts as
// "deregistered", every other error is retried silently, polls are 15-120 s apart).
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type TargetDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerPort, TargetGroupInfo, TargetState } from '../ports.ts';
import { AwsUsageError, awsCall, type CallContext, explainAwsError } from './errors.ts';
import type { RetryOptions } from './retry.ts';

export type AwsClientOptions = {
  region?: string;
  endpoint?: string;
  retry?: Omit<RetryOptions, 'signal'>;
  signal?: AbortSignal;
};

type Target = { id: string; port?: number };

const STATES: ReadonlySet<string> = new Set<TargetState['state']>([
  'initial',
  'healthy',
  'unhealthy',
  'unused',
  'draining',
  'unavailable',
  'unhealthy.draining',
]);

export class Elbv2LoadBalancer implements LoadBalancerPort {
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly retry: RetryOptions;
  private readonly names = new Map<string, string>(); // ARN -> name, for messages

  constructor(opts: AwsClientOptions = {}) {
    this.region = opts.region;
    this.endpoint = opts.endpoint;
    // Credentials: the SDK's default chain (env, SSO/profile, web identity, instance role).
    this.client = new ElasticLoadBalancingV2Client({
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      maxAttempts: 1, // retry.ts is the only retry layer
    });
    this.retry = { ...opts.retry, ...(opts.signal ? { signal: opts.signal } : {}) };
  }

  async describeTargetGroup(nameOrArn: string): Promise<TargetGroupInfo> {
    const byArn = nameOrArn.startsWith('arn:');
    const ctx = this.ctx('DescribeTargetGroups', nameOrArn);
    const out = await this.call(ctx, () =>
      this.client.send(
        new DescribeTargetGroupsCommand(byArn ? { TargetGroupArns: [nameOrArn] } : { Names: [nameOrArn] }),
      ),
    );
    const tg = out.TargetGroups?.[0];
    if (!tg?.TargetGroupArn)
      throw explainAwsError({ name: 'TargetGroupNotFound', message: 'empty answer' }, ctx);
    const name = tg.TargetGroupName ?? nameOrArn;
    this.names.set(tg.TargetGroupArn, name);
    const attrs = await this.call(this.ctx('DescribeTargetGroupAttributes', name), () =>
      this.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn })),
    );
    const delay = attrs.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    const need = (value: number | undefined, field: string): number => {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw new AwsUsageError(
        `target group '${name}' has no ${field} (target type ${tg.TargetType ?? 'unknown'}): handoff deploys ` +
          'to instance or ip target groups of an Application or Network Load Balancer',
        'MissingField',
        ctx.action,
        undefined,
      );
    };
    return {
      arn: tg.TargetGroupArn,
      name,
      port: need(tg.Port, 'Port'),
      healthCheck: {
        intervalSeconds: need(tg.HealthCheckIntervalSeconds, 'HealthCheckIntervalSeconds'),
        timeoutSeconds: need(tg.HealthCheckTimeoutSeconds, 'HealthCheckTimeoutSeconds'),
        unhealthyThreshold: need(tg.UnhealthyThresholdCount, 'UnhealthyThresholdCount'),
        healthyThreshold: need(tg.HealthyThresholdCount, 'HealthyThresholdCount'),
      },
      healthCheckPath: tg.HealthCheckPath ?? '/',
      ...(tg.TargetType ? { targetType: tg.TargetType } : {}),
      ...(tg.HealthCheckPort ? { healthCheckPort: tg.HealthCheckPort } : {}),
      ...(tg.LoadBalancerArns ? { loadBalancerArns: tg.LoadBalancerArns } : {}),
      // Attribute values are strings ("300").
      deregistrationDelaySeconds: need(
        delay === undefined ? undefined : Number(delay),
        'deregistration_delay.timeout_seconds attribute',
      ),
    };
  }

  async targetHealth(arn: string, targets?: Target[]): Promise<TargetState[]> {
    const out = await this.call(this.ctx('DescribeTargetHealth', arn, targets?.[0]), () =>
      this.client.send(
        new DescribeTargetHealthCommand({
          TargetGroupArn: arn,
          ...(targets && targets.length > 0 ? { Targets: targets.map(toSdk) } : {}),
        }),
      ),
    );
    return (out.TargetHealthDescriptions ?? []).flatMap((d): TargetState[] => {
      const id = d.Target?.Id;
      if (!id) return [];
      const h = d.TargetHealth;
      const known = h?.State !== undefined && STATES.has(h.State);
      return [
        {
          id,
          ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
          // A state this code does not know must read neither as healthy nor as drained: 'initial'
          // keeps a drain waiting (still routed) and a settle waiting (not healthy yet).
          state: known ? (h.State as TargetState['state']) : 'initial',
          ...(h?.Reason || !known ? { reason: h?.Reason ?? `unknown state '${h?.State ?? ''}'` } : {}),
          ...(h?.Description ? { description: h.Description } : {}),
        },
      ];
    });
  }

  /**
   * DeregisterTargets "returns successfully" for a target that is not registered (a wrong id or
   * port): nothing would drain while the deploy believes it did. So check the registration first.
   */
  async deregister(arn: string, target: Target): Promise<void> {
    const registered = await this.targetHealth(arn);
    const match = registered.find(
      (t) => t.id === target.id && (target.port === undefined || t.port === target.port),
    );
    if (!match) throw this.notInGroup(arn, target, registered);
    await this.call(this.ctx('DeregisterTargets', arn, target), () =>
      this.client.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [toSdk(target)] })),
    );
  }

  async register(arn: string, target: Target): Promise<void> {
    await this.call(this.ctx('RegisterTargets', arn, target), () =>
      this.client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [toSdk(target)] })),
    );
  }

  private notInGroup(arn: string, target: Target, registered: TargetState[]): AwsUsageError {
    const group = this.names.get(arn) ?? nameFromArn(arn) ?? arn;
    const same = registered.filter((t) => t.id === target.id);
    const label = (t: Target) => `${t.id}${t.port !== undefined ? `:${t.port}` : ''}`;
    const hint =
      same.length > 0
        ? `it is registered as ${same.map(label).join(', ')}: set app.port to the registered port`
        : `registered: ${registered.map((t) => `${label(t)} (${t.state})`).join(', ') || 'none'}. Fix hosts[].instanceId ` +
          '(or the discovery tags), or, if an earlier deploy left it deregistered, register it again: ' +
          `aws elbv2 register-targets --target-group-arn ${arn} --targets Id=${target.id}${target.port ? `,Port=${target.port}` : ''}`;
    return new AwsUsageError(
      `${label(target)} is not registered in target group '${group}', so deregistering it would not drain anything; ${hint}`,
      'TargetNotRegistered',
      'elasticloadbalancing:DeregisterTargets',
      undefined,
    );
  }

  private ctx(op: string, group: string, target?: Target): CallContext {
    return {
      action: `elasticloadbalancing:${op}`,
      targetGroup: this.names.get(group) ?? nameFromArn(group) ?? group,
      ...(this.region ? { region: this.region } : {}),
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
      ...(target ? { target } : {}),
    };
  }

  private call<T>(ctx: CallContext, fn: () => Promise<T>): Promise<T> {
    return awsCall(ctx, fn, this.retry, () => this.client.config.region());
  }
}

function toSdk(t: Target): TargetDescription {
  return { Id: t.id, ...(t.port !== undefined ? { Port: t.port } : {}) };
}

/** arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id> -> <name> */
function nameFromArn(arn: string): string | undefined {
  return /:targetgroup\/([^/]+)\//.exec(arn)?.[1];
}
