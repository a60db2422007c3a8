// The maintenance response (docs/aws.md, "Maintenance response"): with --allow-downtime, while a
// host with no other target to serve is out, a listener rule answers every request with a fixed
// 503 instead of the load balancer's 502s. Its contract: docs/contracts.md, "Maintenance response".
import { z } from 'zod';
import type { Rule } from './rules.ts';

/** What an ALB fixed response may carry (FixedResponseActionConfig); no custom header, so no Retry-After. */
export const FIXED_CONTENT_TYPES = [
  'text/plain',
  'text/css',
  'text/html',
  'application/javascript',
  'application/json',
] as const;

export const DEFAULT_MAINTENANCE_BODY =
  '<!doctype html><title>Back in a minute</title><h1>Back in a minute</h1><p>We are deploying a new version. Please try again shortly.</p>';

export const maintenance = z
  .strictObject({
    listenerArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[^/]+\/[^/]+\/[^/]+$/,
        'an ALB listener ARN looks like arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/LB-ID/LISTENER-ID',
      )
      .describe(
        "The ALB listener in front of loadBalancer.targetGroup (it must be the target group's load balancer's).",
      ),
    priority: z
      .number()
      .int()
      .min(1)
      .max(50000)
      .default(1)
      .describe(
        'Priority of the rule (1 is the top): it must be free on the listener and above every rule that forwards to the app.',
      ),
    contentType: z.enum(FIXED_CONTENT_TYPES).default('text/html').describe("The 503 answer's content type."),
    body: z
      .string()
      .min(1)
      .max(1024)
      .default(DEFAULT_MAINTENANCE_BODY)
      .describe(
        "The 503 answer's body (an ALB fixed response carries at most 1,024 characters and no custom header).",
      ),
  })
  .describe(
    "With --allow-downtime, a host that has no other target to serve is drained behind a listener rule answering 503 with this body; the rule is removed on every way out (docs/aws.md, 'Maintenance response').",
  );

export type MaintenanceConfig = z.output<typeof maintenance>;

/** The rule is read, created and deleted through ELBv2 next to the target group it stands in for. */
export const maintenanceNeedsTargetGroup: Rule = ({ config, errors }) => {
  if (config.maintenance && !config.loadBalancer.targetGroup)
    errors.push({
      path: 'loadBalancer.targetGroup',
      message: 'required with maintenance',
      hint: "the maintenance rule's listener must be checked against the target group's load balancer",
    });
};
