// The ports the core talks to; adapters (aws/, executors/) implement them, tests fake them.
import type { HealthCheck } from './plan/drain.ts';

export type TargetGroupInfo = {
  arn: string;
  name: string;
  port: number;
  healthCheck: HealthCheck;
  healthCheckPath: string;
  deregistrationDelaySeconds: number;
  /** 'instance', 'ip', 'lambda' or 'alb': a port swap needs 'instance'. */
  targetType?: string;
  /** 'traffic-port' or a fixed port: a port swap needs each instance:port checked on its own port. */
  healthCheckPort?: string;
  /** The load balancers that route to the group (a maintenance rule's listener must be on one). */
  loadBalancerArns?: string[];
};

export type TargetState = {
  id: string;
  port?: number;
  state: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable' | 'unhealthy.draining';
  reason?: string;
  description?: string;
};

export interface TargetGroupReader {
  describeTargetGroup(nameOrArn: string): Promise<TargetGroupInfo>;
}

export interface LoadBalancerPort extends TargetGroupReader {
  targetHealth(arn: string, targets?: { id: string; port?: number }[]): Promise<TargetState[]>;
  deregister(arn: string, target: { id: string; port?: number }): Promise<void>;
  register(arn: string, target: { id: string; port?: number }): Promise<void>;
}

/**
 * Where a release's tar goes for hosts that fetch it themselves (transport 'ssm' with `ssm.bucket`:
 * docs/transports.md, "Uploads through S3").
 */
export interface ReleaseStore {
  /** Where objects go, in words (`s3://bucket/prefix`). */
  readonly where: string;
  /** Stores the bytes under `key`, once per deploy (the same key again does nothing). */
  put(key: string, body: Buffer, sha256: string, signal?: AbortSignal): Promise<void>;
  /** A URL that fetches `key` without credentials until it expires. A credential: never show it. */
  presign(key: string): Promise<string>;
}

/** A listener rule's fixed response (ALB: no custom headers, so no Retry-After). */
export type FixedResponse = { statusCode: string; contentType: string; body: string };
/** A listener rule other than the default one; `fixed` when it answers with a fixed response. */
export type ListenerRule = { arn: string; priority: number; fixed?: FixedResponse };

/** The listener's rules, for the maintenance response of a deploy with --allow-downtime. */
export interface ListenerPort {
  /** Answers every path with `fixed` at `priority`; returns the rule's ARN. */
  createFixedResponseRule(listenerArn: string, priority: number, fixed: FixedResponse): Promise<string>;
  /** Idempotent: a rule that is already gone is fine (every path out deletes it). */
  deleteRule(ruleArn: string): Promise<void>;
  /** Every rule but the default one (their priorities are taken). */
  rules(listenerArn: string): Promise<ListenerRule[]>;
  /** The listener's load balancer (DescribeListeners). */
  listenerLoadBalancer(listenerArn: string): Promise<string>;
}
