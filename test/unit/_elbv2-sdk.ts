// The real ELBv2 SDK client wired straight to the emulator's request path (no socket, no HAProxy).
import { Readable } from 'node:stream';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Emulator } from '../../scripts/sandbox/elbv2/actions.ts';
import type { Elbv2EndpointOptions, TargetOptions } from '../../scripts/sandbox/elbv2/model.ts';
import { respond } from '../../scripts/sandbox/elbv2/server.ts';

export function sdkOver(emulator: Emulator): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { method: string; body?: string }) => {
        const answer = await respond(emulator, request.method, '/', String(request.body ?? ''));
        const headers = { 'content-type': 'text/xml', 'x-amzn-requestid': answer.requestId };
        const body = Readable.from([Buffer.from(answer.body)]);
        return { response: { statusCode: answer.status, headers, body } };
      },
    } as never,
  });
}

export const SANDBOX_TG_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/sandbox-tg/0123456789abcdef';

/** Endpoint options for the emulator alone: the sandbox's group (I=2, T=1, H=2, N=3) and these targets. */
export function emulatorOptions(
  targets: TargetOptions[],
  deregistrationDelaySeconds: number,
): Elbv2EndpointOptions {
  return {
    port: 0,
    socketPath: '/nonexistent',
    backend: 'app',
    targetGroup: {
      name: 'sandbox-tg',
      arn: SANDBOX_TG_ARN,
      port: 8080,
      healthCheck: {
        intervalSeconds: 2,
        timeoutSeconds: 1,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
        path: '/health',
      },
      deregistrationDelaySeconds,
    },
    targets,
  };
}
