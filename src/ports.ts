// The ports the core talks to; adapters (aws/, executors/) implement them, tests fake them.
import type { HealthCheck } from './plan/drain.ts';

export type TargetGroupInfo = {
  arn: string;
  name: string;
  port: number;
  healthCheck: HealthCheck;
  healthCheckPath: string;
  deregistrationDelaySeconds: number;
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
