// The ELBv2 adapter against aws-sdk-client-mock: what it sends, what it reads, which errors it
// retries (throttling, 5xx) and which it turns straight into a message that names the fix.
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  HealthUnavailableException,
  InvalidTargetException,
  PriorRequestNotCompleteException,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Elbv2LoadBalancer } from '../../src/aws/elbv2.ts';
import { AwsError } from '../../src/aws/errors.ts';
import { isRetryable } from '../../src/aws/retry.ts';
import { UsageError } from '../../src/errors.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-tg/73e2d6bc24d8a067';
const I1 = 'i-0abc1234def567890';
const I2 = 'i-0def5678abc123456';
const elb = mockClient(ElasticLoadBalancingV2Client);
const RETRIES = 3;
const adapter = () =>
  new Elbv2LoadBalancer({
    region: 'eu-west-1',
    retry: { retries: RETRIES, minTimeoutMs: 1, maxTimeoutMs: 2 },
  });

const sdkError = (name: string, status: number, message: string) =>
  new ElasticLoadBalancingV2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
const throttling = () => sdkError('Throttling', 400, 'Rate exceeded');
const group = {
  TargetGroupArn: ARN,
  TargetGroupName: 'app-tg',
  Port: 8080,
  HealthCheckIntervalSeconds: 5,
  HealthCheckTimeoutSeconds: 2,
  UnhealthyThresholdCount: 3,
  HealthyThresholdCount: 2,
  HealthCheckPath: '/actuator/health/readiness',
};
const attrs = {
  Attributes: [
    { Key: 'stickiness.enabled', Value: 'false' },
    { Key: 'deregistration_delay.timeout_seconds', Value: '45' },
  ],
};

/** Awaits a rejection and returns it, failing the test if the promise resolves. */
async function failure(p: Promise<unknown>): Promise<Error & { exitCode?: number; code?: string }> {
  const outcome = await p.then(
    () => undefined,
    (e: Error) => e,
  );
  if (!outcome) throw new Error('expected a rejection');
  return outcome;
}

beforeEach(() => elb.reset());
afterEach(() => elb.reset());

describe('describeTargetGroup', () => {
  it('asks by name, reads the health check and the delay attribute (a string) into numbers', async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group] });
    elb.on(DescribeTargetGroupAttributesCommand).resolves(attrs);
    expect(await adapter().describeTargetGroup('app-tg')).toEqual({
      arn: ARN,
      name: 'app-tg',
      port: 8080,
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 },
      healthCheckPath: '/actuator/health/readiness',
      deregistrationDelaySeconds: 45,
    });
    expect(elb.commandCalls(DescribeTargetGroupsCommand)[0]!.args[0].input).toEqual({ Names: ['app-tg'] });
    expect(elb.commandCalls(DescribeTargetGroupAttributesCommand)[0]!.args[0].input).toEqual({
      TargetGroupArn: ARN,
    });
  });

  it('asks by ARN when given one', async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group] });
    elb.on(DescribeTargetGroupAttributesCommand).resolves(attrs);
    await adapter().describeTargetGroup(ARN);
    expect(elb.commandCalls(DescribeTargetGroupsCommand)[0]!.args[0].input).toEqual({
      TargetGroupArns: [ARN],
    });
  });

  it('TargetGroupNotFound: exit 2, names the group and region, suggests describe-target-groups, no retry', async () => {
    elb.on(DescribeTargetGroupsCommand).rejects(
      new TargetGroupNotFoundException({
        $metadata: { httpStatusCode: 400 },
        message: 'One or more target groups not found',
      }),
    );
    const e = await failure(adapter().describeTargetGroup('app-tgg'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain("target group 'app-tgg' not found in eu-west-1");
    expect(e.message).toContain('aws elbv2 describe-target-groups --region eu-west-1');
    expect(elb.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(1);
  });

  it('a missing delay attribute is an error, not a silent default', async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ ...group, TargetType: 'lambda' }] });
    elb.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [] });
    const e = await failure(adapter().describeTargetGroup('app-tg'));
    expect(e.message).toContain('deregistration_delay.timeout_seconds');
    expect(e.message).toContain('lambda');
  });
});

describe('retries', () => {
  it('retries Throttling, then succeeds', async () => {
    elb
      .on(DescribeTargetHealthCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .resolves({ TargetHealthDescriptions: [] });
    expect(await adapter().targetHealth(ARN)).toEqual([]);
    expect(elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(3);
  });

  it('retries PriorRequestNotComplete (429) and HealthUnavailable (500)', async () => {
    elb
      .on(RegisterTargetsCommand)
      .rejectsOnce(
        new PriorRequestNotCompleteException({ $metadata: { httpStatusCode: 429 }, message: 'busy' }),
      )
      .rejectsOnce(new HealthUnavailableException({ $metadata: { httpStatusCode: 500 }, message: 'x' }))
      .resolves({});
    await adapter().register(ARN, { id: I1, port: 8080 });
    expect(elb.commandCalls(RegisterTargetsCommand)).toHaveLength(3);
  });

  it('throttling that outlasts the retries: a clear exit-1 error after retries + 1 attempts', async () => {
    elb.on(DescribeTargetHealthCommand).rejects(throttling());
    const e = await failure(adapter().targetHealth(ARN));
    expect(e).toBeInstanceOf(AwsError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('rate-limiting elasticloadbalancing:DescribeTargetHealth');
    expect(e.message).toContain(`${RETRIES + 1} attempts`);
    expect(elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(RETRIES + 1);
  });

  it('stops retrying when the signal aborts', async () => {
    const controller = new AbortController();
    elb.on(DescribeTargetHealthCommand).callsFake(() => {
      controller.abort(new Error('SIGINT'));
      throw throttling();
    });
    const lb = new Elbv2LoadBalancer({
      region: 'eu-west-1',
      signal: controller.signal,
      retry: { retries: 5, minTimeoutMs: 50, maxTimeoutMs: 50 },
    });
    await failure(lb.targetHealth(ARN));
    expect(elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(1);
  });

  it('classifies: 4xx never, throttling / 5xx / dropped connections yes', () => {
    expect(isRetryable(sdkError('AccessDenied', 403, 'x'))).toBe(false);
    expect(isRetryable(sdkError('ValidationError', 400, 'x'))).toBe(false);
    expect(isRetryable(throttling())).toBe(true);
    expect(isRetryable(sdkError('RequestLimitExceeded', 503, 'x'))).toBe(true);
    expect(isRetryable(sdkError('InternalFailure', 500, 'x'))).toBe(true);
    expect(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' }))).toBe(
      false,
    );
  });
});

describe('errors that name the fix (never retried)', () => {
  it('AccessDenied: the action parsed from the message, the README policy, one attempt', async () => {
    elb
      .on(DeregisterTargetsCommand)
      .rejects(
        sdkError(
          'AccessDenied',
          403,
          `User: arn:aws:sts::123456789012:assumed-role/deployer/gh is not authorized to perform: elasticloadbalancing:DeregisterTargets on resource: ${ARN} because no identity-based policy allows the elasticloadbalancing:DeregisterTargets action`,
        ),
      );
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: I1, Port: 8080 }, TargetHealth: { State: 'healthy' } }],
    });
    const e = await failure(adapter().deregister(ARN, { id: I1, port: 8080 }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain(`AWS denied elasticloadbalancing:DeregisterTargets on ${ARN}`);
    expect(e.message).toContain('assumed-role/deployer/gh');
    expect(e.message).toContain('IAM policy');
    expect(elb.commandCalls(DeregisterTargetsCommand)).toHaveLength(1);
  });

  it('AccessDenied without details: names the action being called', async () => {
    elb.on(DescribeTargetHealthCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'));
    const e = await failure(adapter().targetHealth(ARN));
    expect(e.message).toContain('AWS denied elasticloadbalancing:DescribeTargetHealth');
    expect(elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(1);
  });

  it('InvalidTarget on RegisterTargets: names the instance and the likely causes', async () => {
    elb.on(RegisterTargetsCommand).rejects(
      new InvalidTargetException({
        $metadata: { httpStatusCode: 400 },
        message: `The following targets are not in a running state and cannot be registered: '${I1}'`,
      }),
    );
    const e = await failure(adapter().register(ARN, { id: I1, port: 8080 }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain(`${I1} (port 8080) is not a valid target of 'app-tg'`);
    expect(e.message).toContain('not be running');
    expect(elb.commandCalls(RegisterTargetsCommand)).toHaveLength(1);
  });

  it('expired credentials: says so and how to get a longer session in CI', async () => {
    for (const name of ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']) {
      elb.reset();
      elb
        .on(DescribeTargetHealthCommand)
        .rejects(sdkError(name, 403, 'The security token included in the request is expired'));
      const e = await failure(adapter().targetHealth(ARN));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toContain(`have expired (${name})`);
      expect(e.message).toContain('role-duration-seconds');
      expect(elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(1);
    }
  });

  it('missing credentials: names the chain and the GitHub OIDC setup', async () => {
    elb.on(DescribeTargetGroupsCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const e = await failure(adapter().describeTargetGroup('app-tg'));
    expect(e).toBeInstanceOf(UsageError);
    for (const part of [
      'AWS_ACCESS_KEY_ID',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'aws-actions/configure-aws-credentials',
      'id-token: write',
    ])
      expect(e.message).toContain(part);
    expect(elb.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(1);
  });
});

describe('targets', () => {
  it('targetHealth sends Id and Port and maps states; an unknown state reads neither healthy nor drained', async () => {
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        {
          Target: { Id: I1, Port: 8080 },
          TargetHealth: {
            State: 'draining',
            Reason: 'Target.DeregistrationInProgress',
            Description: 'Target deregistration is in progress',
          },
        },
        { Target: { Id: I2, Port: 8080 }, TargetHealth: { State: 'something-new' as never } },
      ],
    });
    expect(await adapter().targetHealth(ARN, [{ id: I1, port: 8080 }])).toEqual([
      {
        id: I1,
        port: 8080,
        state: 'draining',
        reason: 'Target.DeregistrationInProgress',
        description: 'Target deregistration is in progress',
      },
      { id: I2, port: 8080, state: 'initial', reason: "unknown state 'something-new'" },
    ]);
    expect(elb.commandCalls(DescribeTargetHealthCommand)[0]!.args[0].input).toEqual({
      TargetGroupArn: ARN,
      Targets: [{ Id: I1, Port: 8080 }],
    });
  });

  it('deregister sends Id and Port of a registered target', async () => {
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: I1, Port: 8080 }, TargetHealth: { State: 'healthy' } }],
    });
    elb.on(DeregisterTargetsCommand).resolves({});
    await adapter().deregister(ARN, { id: I1, port: 8080 });
    expect(elb.commandCalls(DeregisterTargetsCommand)[0]!.args[0].input).toEqual({
      TargetGroupArn: ARN,
      Targets: [{ Id: I1, Port: 8080 }],
    });
  });

  it('an instance registered on another port: refuses (AWS would answer 200 and drain nothing)', async () => {
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: I1, Port: 80 }, TargetHealth: { State: 'healthy' } }],
    });
    const e = await failure(adapter().deregister(ARN, { id: I1, port: 8080 }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain(`${I1}:8080 is not registered in target group 'app-tg'`);
    expect(e.message).toContain(`registered as ${I1}:80: set app.port`);
    expect(elb.commandCalls(DeregisterTargetsCommand)).toHaveLength(0);
  });

  it('an instance not in the group at all: lists what is, and how to register it again', async () => {
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: I2, Port: 8080 }, TargetHealth: { State: 'healthy' } }],
    });
    const e = await failure(adapter().deregister(ARN, { id: I1, port: 8080 }));
    expect(e.message).toContain(`registered: ${I2}:8080 (healthy)`);
    expect(e.message).toContain('hosts[].instanceId');
    expect(e.message).toContain(
      `aws elbv2 register-targets --target-group-arn ${ARN} --targets Id=${I1},Port=8080`,
    );
    expect(elb.commandCalls(DeregisterTargetsCommand)).toHaveLength(0);
  });
});
