// Turns what the SDK throws into a message that names the fix. Errors a person must fix (names,
// permissions, credentials, region) become UsageError (exit 2: nothing was touched by the tool
// itself); what may pass on its own (rate limits, AWS outages) stays an exit-1 failure.
import { EXIT, ExitError, UsageError } from '../errors.ts';
import { isThrottling, RetriesExhausted, type RetryOptions, withRetry } from './retry.ts';

/** What was being done when the call failed: enough to name the fix. */
export type CallContext = {
  /** IAM action, e.g. 'elasticloadbalancing:DeregisterTargets'. */
  action: string;
  region?: string;
  endpoint?: string;
  targetGroup?: string;
  target?: { id: string; port?: number };
};

const IAM_POINTER = 'see "IAM policy" in the README (docs/aws.md) for the minimal policy';
const CHAIN =
  'the SDK looked, in order, at: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) in the ' +
  'environment (skipped when AWS_PROFILE is set), SSO and ~/.aws/config / ~/.aws/credentials for ' +
  'AWS_PROFILE (or the default profile), credential_process, web identity (AWS_WEB_IDENTITY_TOKEN_FILE + ' +
  'AWS_ROLE_ARN), then the ECS/EC2 instance role';
const FIX_CREDENTIALS =
  'On a laptop: `aws configure sso` / `aws sso login --profile <name>` and export AWS_PROFILE=<name>. ' +
  'In GitHub Actions: add aws-actions/configure-aws-credentials with role-to-assume (GitHub OIDC) ' +
  'and `permissions: id-token: write` before this step';

/** An AWS failure that is nobody's config mistake: exit 1, with the wire code kept for reports. */
export class AwsError extends ExitError {
  readonly code: string;
  readonly action: string;
  constructor(message: string, code: string, action: string, cause: unknown) {
    super(EXIT.failed, message);
    this.name = 'AwsError';
    this.code = code;
    this.action = action;
    this.cause = cause;
  }
}

/** One the user must fix (exit 2). */
export class AwsUsageError extends UsageError {
  readonly code: string;
  readonly action: string;
  constructor(message: string, code: string, action: string, cause: unknown) {
    super(message);
    this.name = 'AwsUsageError';
    this.code = code;
    this.action = action;
    this.cause = cause;
  }
}

/** One AWS call: bounded retry, then a message that names the fix. */
export async function awsCall<T>(
  ctx: CallContext,
  fn: () => Promise<T>,
  retry: RetryOptions,
  resolveRegion: () => Promise<string>,
): Promise<T> {
  try {
    return await withRetry(fn, retry);
  } catch (error) {
    if (retry.signal?.aborted) throw error; // an interrupt is not an AWS failure
    // The region may come from AWS_REGION or the profile: name the one actually used.
    const region = ctx.region ?? (await resolveRegion().catch(() => undefined));
    throw explainAwsError(error, { ...ctx, ...(region ? { region } : {}) });
  }
}

type Raw = { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };

/** What a message is made of: the error's name and text, the call, and where it went. */
type Facts = { name: string; text: string; ctx: CallContext; where: string; tg: string; target: string };

/** Errors a person must fix, by the names AWS gives them (SDK v3 and the wire), each with its fix. */
const USAGE: ReadonlyArray<{ names: readonly string[]; message: (f: Facts) => string }> = [
  {
    names: ['TargetGroupNotFound', 'TargetGroupNotFoundException'],
    message: ({ ctx, tg, where }) =>
      `target group ${tg} not found${where} (${ctx.action}). Check loadBalancer.targetGroup and ` +
      `loadBalancer.region (and that the credentials belong to the right account); list the groups with ` +
      `\`aws elbv2 describe-target-groups${ctx.region ? ` --region ${ctx.region}` : ''} --query 'TargetGroups[].[TargetGroupName,TargetGroupArn]'\``,
  },
  {
    names: ['ListenerNotFound', 'ListenerNotFoundException'],
    message: ({ ctx, where }) =>
      `listener not found${where} (${ctx.action}). Check maintenance.listenerArn and loadBalancer.region; list ` +
      `the listeners with \`aws elbv2 describe-listeners --load-balancer-arn <arn>${ctx.region ? ` --region ${ctx.region}` : ''}\``,
  },
  {
    names: ['PriorityInUse', 'PriorityInUseException'],
    message: ({ ctx, text }) =>
      `the listener already has a rule at maintenance.priority (${ctx.action}: ${text}): choose a free priority`,
  },
  {
    names: ['InvalidTarget', 'InvalidTargetException'],
    message: ({ ctx, tg, target, text }) =>
      `${target || 'a target'} is not a valid target of ${tg} (${ctx.action}: ${text}). ` +
      'The instance id may be wrong (hosts[].instanceId or the discovery tags), the instance may be in ' +
      'another VPC, or it may not be running (RegisterTargets needs a running instance)',
  },
  {
    names: ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess'],
    message: ({ ctx, name, text }) => {
      const action = /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(text)?.[1] ?? ctx.action;
      const resource = /on resource:?\s*(\S+)/.exec(text)?.[1];
      const principal = /User:\s*(\S+)/.exec(text)?.[1];
      return (
        `AWS denied ${action}${resource ? ` on ${resource}` : ''}${principal ? ` to ${principal}` : ''} ` +
        `(${name}). Allow ${action} in the policy of the role or user this runs as: ${IAM_POINTER}`
      );
    },
  },
  {
    names: ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired'],
    message: ({ ctx, name }) =>
      `the AWS credentials have expired (${name}) while calling ${ctx.action}. On a laptop: refresh them ` +
      '(`aws sso login --profile <name>`, or new keys). In GitHub Actions: the session from ' +
      'aws-actions/configure-aws-credentials lasts role-duration-seconds (default 3600): raise it above ' +
      "the whole deploy's length (the role's MaxSessionDuration must allow it). A machine clock far off " +
      'also causes RequestExpired',
  },
  {
    names: [
      'InvalidClientTokenId',
      'UnrecognizedClientException',
      'AuthFailure',
      'SignatureDoesNotMatch',
      'IncompleteSignature',
    ],
    message: ({ ctx, name, text }) =>
      `AWS rejected the credentials (${name}: ${text}) while calling ${ctx.action}: they are wrong, ` +
      `revoked, or for another partition. ${FIX_CREDENTIALS}`,
  },
  {
    names: ['CredentialsProviderError', 'TokenProviderError'],
    message: ({ ctx, text }) =>
      /expired|refresh/i.test(text)
        ? `the AWS SSO session has expired (${text}): run \`aws sso login --profile <name>\` and retry`
        : `no AWS credentials found for ${ctx.action} (${text}): ${CHAIN}. ${FIX_CREDENTIALS}`,
  },
  {
    names: [
      'ValidationError',
      'InvalidParameterValue',
      'InvalidParameterCombination',
      'InvalidInstanceID.Malformed',
      'InvalidInstanceID.NotFound',
      'InvalidInstanceType',
    ],
    message: ({ ctx, text }) => `AWS rejected ${ctx.action} as invalid: ${text}`,
  },
];

export function explainAwsError(error: unknown, ctx: CallContext): Error {
  if (error instanceof ExitError) return error; // already explained (e.g. by the adapter itself)
  const attempts = error instanceof RetriesExhausted ? error.attempts : undefined;
  const raw = (error instanceof RetriesExhausted ? error.cause : error) as Raw;
  const name = raw?.name ?? 'Error';
  const text = raw?.message ?? String(raw);
  const facts: Facts = {
    name,
    text,
    ctx,
    where: ctx.region ? ` in ${ctx.region}` : '',
    tg: ctx.targetGroup ? `'${ctx.targetGroup}'` : 'the target group',
    target: ctx.target ? `${ctx.target.id}${ctx.target.port ? ` (port ${ctx.target.port})` : ''}` : '',
  };
  const known = USAGE.find((u) => u.names.includes(name));
  if (known) return new AwsUsageError(known.message(facts), name, ctx.action, raw);
  if (/Region is missing/i.test(text))
    return new AwsUsageError(
      `no AWS region for ${ctx.action}: set loadBalancer.region in deploy.config.ts, or AWS_REGION ` +
        '(aws-actions/configure-aws-credentials sets it from aws-region)',
      name,
      ctx.action,
      raw,
    );
  return new AwsError(failure(raw, facts, attempts), name, ctx.action, raw);
}

/** What may pass on its own: rate limits, AWS's own failures, an endpoint out of reach. */
function failure(raw: Raw, { ctx, name, text, where }: Facts, attempts: number | undefined): string {
  if (isThrottling(raw))
    return (
      `AWS kept rate-limiting ${ctx.action} (${name}${attempts ? `, ${attempts} attempts with backoff` : ''}): ` +
      'other tools in the account are calling the same API; retry in a minute, or spread those callers out'
    );
  const status = raw?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500)
    return (
      `AWS failed ${ctx.action} with ${name} (HTTP ${status}${attempts ? `, ${attempts} attempts` : ''}): ${text}. ` +
      'This is on the AWS side; retry later'
    );
  if (status === undefined && raw?.code)
    return `could not reach ${ctx.endpoint ?? `AWS${where}`} for ${ctx.action} (${raw.code}${attempts ? `, ${attempts} attempts` : ''}): ${text}`;
  return `${ctx.action} failed: ${name}: ${text}`;
}
