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

export function explainAwsError(error: unknown, ctx: CallContext): Error {
  if (error instanceof ExitError) return error; // already explained (e.g. by the adapter itself)
  const attempts = error instanceof RetriesExhausted ? error.attempts : undefined;
  const raw = (error instanceof RetriesExhausted ? error.cause : error) as Raw;
  const name = raw?.name ?? 'Error';
  const text = raw?.message ?? String(raw);
  const where = ctx.region ? ` in ${ctx.region}` : '';
  const tg = ctx.targetGroup ? `'${ctx.targetGroup}'` : 'the target group';
  const target = ctx.target ? `${ctx.target.id}${ctx.target.port ? ` (port ${ctx.target.port})` : ''}` : '';
  const usage = (message: string) => new AwsUsageError(message, name, ctx.action, raw);
  const failed = (message: string) => new AwsError(message, name, ctx.action, raw);

  switch (name) {
    case 'TargetGroupNotFound':
    case 'TargetGroupNotFoundException':
      return usage(
        `target group ${tg} not found${where} (${ctx.action}). Check loadBalancer.targetGroup and ` +
          `loadBalancer.region (and that the credentials belong to the right account); list the groups with ` +
          `\`aws elbv2 describe-target-groups${ctx.region ? ` --region ${ctx.region}` : ''} --query 'TargetGroups[].[TargetGroupName,TargetGroupArn]'\``,
      );
    case 'InvalidTarget':
    case 'InvalidTargetException':
      return usage(
        `${target || 'a target'} is not a valid target of ${tg} (${ctx.action}: ${text}). ` +
          'The instance id may be wrong (hosts[].instanceId or the discovery tags), the instance may be in ' +
          'another VPC, or it may not be running (RegisterTargets needs a running instance)',
      );
    case 'AccessDenied':
    case 'AccessDeniedException':
    case 'UnauthorizedOperation':
    case 'UnauthorizedAccess': {
      const action = /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(text)?.[1] ?? ctx.action;
      const resource = /on resource:?\s*(\S+)/.exec(text)?.[1];
      const principal = /User:\s*(\S+)/.exec(text)?.[1];
      return usage(
        `AWS denied ${action}${resource ? ` on ${resource}` : ''}${principal ? ` to ${principal}` : ''} ` +
          `(${name}). Allow ${action} in the policy of the role or user this runs as: ${IAM_POINTER}`,
      );
    }
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'RequestExpired':
    case 'TokenRefreshRequired':
      return usage(
        `the AWS credentials have expired (${name}) while calling ${ctx.action}. On a laptop: refresh them ` +
          '(`aws sso login --profile <name>`, or new keys). In GitHub Actions: the session from ' +
          'aws-actions/configure-aws-credentials lasts role-duration-seconds (default 3600): raise it above ' +
          "the whole deploy's length (the role's MaxSessionDuration must allow it). A machine clock far off " +
          'also causes RequestExpired',
      );
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
    case 'AuthFailure':
    case 'SignatureDoesNotMatch':
    case 'IncompleteSignature':
      return usage(
        `AWS rejected the credentials (${name}: ${text}) while calling ${ctx.action}: they are wrong, ` +
          `revoked, or for another partition. ${FIX_CREDENTIALS}`,
      );
    case 'CredentialsProviderError':
    case 'TokenProviderError':
      return usage(
        /expired|refresh/i.test(text)
          ? `the AWS SSO session has expired (${text}): run \`aws sso login --profile <name>\` and retry`
          : `no AWS credentials found for ${ctx.action} (${text}): ${CHAIN}. ${FIX_CREDENTIALS}`,
      );
    case 'ValidationError':
    case 'InvalidParameterValue':
    case 'InvalidParameterCombination':
    case 'InvalidInstanceID.Malformed':
    case 'InvalidInstanceID.NotFound':
    case 'InvalidInstanceType':
      return usage(`AWS rejected ${ctx.action} as invalid: ${text}`);
  }
  if (/Region is missing/i.test(text))
    return usage(
      `no AWS region for ${ctx.action}: set loadBalancer.region in deploy.config.ts, or AWS_REGION ` +
        '(aws-actions/configure-aws-credentials sets it from aws-region)',
    );
  if (isThrottling(raw))
    return failed(
      `AWS kept rate-limiting ${ctx.action} (${name}${attempts ? `, ${attempts} attempts with backoff` : ''}): ` +
        'other tools in the account are calling the same API; retry in a minute, or spread those callers out',
    );
  const status = raw?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500)
    return failed(
      `AWS failed ${ctx.action} with ${name} (HTTP ${status}${attempts ? `, ${attempts} attempts` : ''}): ${text}. ` +
        'This is on the AWS side; retry later',
    );
  if (status === undefined && raw?.code)
    return failed(
      `could not reach ${ctx.endpoint ?? `AWS${where}`} for ${ctx.action} (${raw.code}${attempts ? `, ${attempts} attempts` : ''}): ${text}`,
    );
  return failed(`${ctx.action} failed: ${name}: ${text}`);
}
