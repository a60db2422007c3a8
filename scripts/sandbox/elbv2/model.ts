// Options, errors and the static shapes (TargetGroup, attributes) of the ELBv2 endpoint.
import type { XmlValue } from './xml.ts';

export type HealthCheckOptions = {
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  path: string;
};

export type TargetGroupOptions = {
  name: string;
  arn: string;
  port: number;
  healthCheck: HealthCheckOptions;
  deregistrationDelaySeconds: number;
};

/** One (instance, port) target and the HAProxy server that stands for it; an instance may have several. */
export type TargetOptions = { id: string; server: string; port: number };

export type Elbv2EndpointOptions = {
  port: number;
  host?: string;
  socketPath: string;
  backend: string;
  targetGroup: TargetGroupOptions;
  targets: TargetOptions[];
  /** The ALB model: one HAProxy per node, each with `backend` (socketPath above is then unused). */
  alb?: {
    nodes: { name: string; socketPath: string }[];
    failOpenBackend: string;
    propagation: { minSeconds: number; maxSeconds: number; seed: number };
    eventsFile?: string;
  };
  /** Injected AWS errors for tests, reread on every call (faults.ts). */
  faultsFile?: string;
};

/** An AWS Query error: the wire `Code` (not the SDK's `…Exception` name) and its HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: 'Sender' | 'Receiver';
  constructor(status: number, code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender') {
    super(message);
    this.status = status;
    this.code = code;
    this.type = type;
  }
}

export const targetGroupNotFound = () =>
  new ApiError(400, 'TargetGroupNotFound', 'One or more target groups not found');
export const validationError = (message: string) => new ApiError(400, 'ValidationError', message);
export const invalidTarget = (ids: string[]) =>
  new ApiError(
    400,
    'InvalidTarget',
    `The specified target does not exist or is not in the same VPC as the target group: ${ids.map((id) => `'${id}'`).join(', ')}`,
  );

/** Checks the options the way CreateTargetGroup/ModifyTargetGroup would (ranges from the ELBv2 model). */
export function validateOptions(opts: Elbv2EndpointOptions): void {
  const { targetGroup: tg, targets } = opts;
  const hc = tg.healthCheck;
  const problems: string[] = [];
  const range = (what: string, value: number, min: number, max: number, integer = true) => {
    if (
      typeof value !== 'number' ||
      !(value >= min && value <= max) ||
      (integer && !Number.isInteger(value))
    ) {
      problems.push(`${what} must be ${integer ? 'an integer ' : ''}in ${min}..${max}`);
    }
  };
  // AWS wants whole seconds, interval >= 5 and timeout >= 2; the sandbox runs faster (e.g. inter 1s, timeout 0.5s)
  // and reports the numbers HAProxy really uses (the SDK parses 0.5 fine).
  range('healthCheck.intervalSeconds', hc.intervalSeconds, 0.1, 300, false);
  range('healthCheck.timeoutSeconds', hc.timeoutSeconds, 0.1, 120, false);
  range('healthCheck.healthyThreshold', hc.healthyThreshold, 2, 10);
  range('healthCheck.unhealthyThreshold', hc.unhealthyThreshold, 2, 10);
  range('deregistrationDelaySeconds', tg.deregistrationDelaySeconds, 0, 3600);
  range('targetGroup.port', tg.port, 1, 65535);
  if (hc.timeoutSeconds >= hc.intervalSeconds)
    problems.push('Health check interval must be greater than the timeout.');
  if (!/^arn:aws:elasticloadbalancing:[^:]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/.test(tg.arn)) {
    problems.push(`targetGroup.arn is not a target group ARN: ${tg.arn}`);
  }
  if (!hc.path.startsWith('/')) problems.push('healthCheck.path must start with /');
  const seen = new Set<string>();
  const servers = new Set<string>();
  for (const t of targets) {
    // The same instance may be a target on several ports (one HAProxy server each), as on AWS.
    if (seen.has(`${t.id}:${t.port}`)) problems.push(`target ${t.id} port ${t.port} listed twice`);
    if (servers.has(t.server)) problems.push(`HAProxy server ${t.server} named by two targets`);
    seen.add(`${t.id}:${t.port}`);
    servers.add(t.server);
    range(`target ${t.id} port`, t.port, 1, 65535);
  }
  if (problems.length > 0) throw new Error(`invalid ELBv2 endpoint options: ${problems.join('; ')}`);
}

/** arn:…:targetgroup/<name>/<id> → arn:…:loadbalancer/app/<name>-alb/<id>, the load balancer it is attached to. */
export function loadBalancerArn(tg: TargetGroupOptions): string {
  return tg.arn.replace(/:targetgroup\/([^/]+)\/([0-9a-f]+)$/, ':loadbalancer/app/$1-alb/$2');
}

export function targetGroupXml(tg: TargetGroupOptions): Record<string, XmlValue> {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: 'HTTP',
    Port: tg.port,
    VpcId: 'vpc-0000000000000000a',
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: '200' },
    LoadBalancerArns: [loadBalancerArn(tg)],
    TargetType: 'instance',
    ProtocolVersion: 'HTTP1',
    IpAddressType: 'ipv4',
  };
}

/** What DescribeTargetGroupAttributes returns for an ALB instance target group (AWS defaults otherwise). */
export function targetGroupAttributes(tg: TargetGroupOptions): { Key: string; Value: string }[] {
  const attributes: [string, string][] = [
    ['deregistration_delay.timeout_seconds', String(tg.deregistrationDelaySeconds)],
    ['stickiness.enabled', 'false'],
    ['stickiness.type', 'lb_cookie'],
    ['stickiness.lb_cookie.duration_seconds', '86400'],
    ['stickiness.app_cookie.cookie_name', ''],
    ['stickiness.app_cookie.duration_seconds', '86400'],
    ['slow_start.duration_seconds', '0'],
    ['load_balancing.algorithm.type', 'round_robin'],
    ['load_balancing.algorithm.anomaly_mitigation', 'off'],
    ['load_balancing.cross_zone.enabled', 'use_load_balancer_configuration'],
    ['target_group_health.dns_failover.minimum_healthy_targets.count', '1'],
    ['target_group_health.dns_failover.minimum_healthy_targets.percentage', 'off'],
    ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.count', '1'],
    ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage', 'off'],
  ];
  return attributes.map(([Key, Value]) => ({ Key, Value }));
}
