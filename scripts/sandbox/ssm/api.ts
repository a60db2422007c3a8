// The Run Command actions of the AmazonSSM JSON 1.1 API (X-Amz-Target: AmazonSSM.<Action>), on the
// RunCommandModel. Shapes and error codes follow the service model the SDK is generated from.
import { randomUUID } from 'node:crypto';
import { FINAL, type Invocation, pluginOutput, type RunCommandModel } from './model.ts';

export class SsmError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

type Json = Record<string, unknown>;
const PLUGIN = 'aws:runShellScript';
const DOCUMENT = 'AWS-RunShellScript';

const epoch = (ms: number) => ms / 1000;
const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

function strings(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    throw new SsmError('ValidationException', `${what} must be a list of strings`);
  return v as string[];
}

function intParam(raw: string[], what: string, dflt: number, min: number, max: number): number {
  if (raw.length === 0) return dflt;
  const n = Number(raw[0]);
  if (raw.length !== 1 || !Number.isInteger(n) || n < min || n > max)
    throw new SsmError('InvalidParameters', `${what} must be one whole number in ${min}..${max}`);
  return n;
}

const CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;

/**
 * MaxConcurrency / MaxErrors: a number, or a percentage of the targets (the service model's
 * patterns). How AWS rounds a percentage is not documented: concurrency rounds up (at least one
 * target runs), errors round down (10% of 50 allows 5, the sixth stops it, as documented for
 * associations).
 */
function rateControl(v: unknown, what: string, pattern: RegExp, targets: number, dflt: string): number {
  const raw = v ?? dflt;
  if (typeof raw !== 'string' || !pattern.test(raw))
    throw new SsmError('ValidationException', `${what} must be a number or a percentage (${pattern.source})`);
  if (!raw.endsWith('%')) return Number(raw);
  const share = (Number(raw.slice(0, -1)) * targets) / 100;
  return what === 'MaxConcurrency' ? Math.max(1, Math.ceil(share)) : Math.floor(share);
}

function sendCommand(model: RunCommandModel, body: Json): Json {
  if (body.DocumentName !== DOCUMENT)
    throw new SsmError(
      'InvalidDocument',
      `Document ${String(body.DocumentName)} does not exist (the sandbox has ${DOCUMENT})`,
    );
  if (body.Targets !== undefined)
    throw new SsmError(
      'ValidationException',
      'the sandbox endpoint targets InstanceIds only, not Targets (tags)',
    );
  const ids = strings(body.InstanceIds, 'InstanceIds');
  if (ids.length === 0 || ids.length > 50)
    throw new SsmError('ValidationException', 'InstanceIds must hold 1 to 50 IDs');
  if (new Set(ids).size !== ids.length) throw new SsmError('DuplicateInstanceId', 'Duplicate instance IDs');
  for (const id of ids)
    if (!model.knows(id))
      throw new SsmError('InvalidInstanceId', `Instances [[${id}]] not in a valid state for account`);
  const params = (body.Parameters ?? {}) as Record<string, unknown>;
  const commands = strings(params.commands, 'Parameters.commands');
  if (commands.length === 0) throw new SsmError('InvalidParameters', 'Parameters.commands is required');
  const executionTimeoutSeconds = intParam(
    strings(params.executionTimeout, 'executionTimeout'),
    'executionTimeout',
    3600,
    1,
    172_800,
  );
  const workingDirectory = strings(params.workingDirectory, 'workingDirectory')[0] ?? '';
  const timeout = body.TimeoutSeconds ?? 3600;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 30 || timeout > 2_592_000)
    throw new SsmError('ValidationException', 'TimeoutSeconds must be a whole number in 30..2592000');
  const limits = {
    concurrency: rateControl(body.MaxConcurrency, 'MaxConcurrency', CONCURRENCY, ids.length, '50'),
    maxErrors: rateControl(body.MaxErrors, 'MaxErrors', ERRORS, ids.length, '0'),
    errors: 0,
  };
  const commandId = randomUUID();
  const now = Date.now();
  const comment = typeof body.Comment === 'string' ? body.Comment : '';
  for (const instanceId of ids) {
    model.add({
      commandId,
      limits,
      instanceId,
      commands,
      workingDirectory,
      executionTimeoutSeconds,
      comment,
      requestedAt: now,
      deliveryDeadline: now + timeout * 1000,
    });
  }
  return {
    Command: {
      CommandId: commandId,
      DocumentName: DOCUMENT,
      DocumentVersion: '$DEFAULT',
      Comment: comment,
      InstanceIds: ids,
      Targets: [],
      Parameters: params,
      RequestedDateTime: epoch(now),
      Status: 'Pending',
      StatusDetails: 'Pending',
      TimeoutSeconds: timeout,
      MaxConcurrency: body.MaxConcurrency ?? '50',
      MaxErrors: body.MaxErrors ?? '0',
      TargetCount: ids.length,
      CompletedCount: 0,
      ErrorCount: 0,
      DeliveryTimedOutCount: 0,
    },
  };
}

/** The invocation if the API shows it yet (InvocationDoesNotExist right after SendCommand). */
function visible(model: RunCommandModel, commandId: unknown, instanceId: unknown): Invocation {
  const inv =
    typeof commandId === 'string' && typeof instanceId === 'string'
      ? model.get(commandId, instanceId)
      : undefined;
  if (!inv || Date.now() < inv.visibleAt) throw new SsmError('InvocationDoesNotExist', '');
  return inv;
}

function getCommandInvocation(model: RunCommandModel, body: Json): Json {
  if (body.PluginName !== undefined && body.PluginName !== PLUGIN)
    throw new SsmError('InvalidPluginName', '');
  const inv = visible(model, body.CommandId, body.InstanceId);
  // The service fills stdout only for Success/Failed, stderr once the command is final.
  const hasOut = inv.status === 'Success' || inv.status === 'Failed';
  return {
    CommandId: inv.commandId,
    InstanceId: inv.instanceId,
    Comment: inv.comment,
    DocumentName: DOCUMENT,
    DocumentVersion: '$DEFAULT',
    PluginName: PLUGIN,
    ResponseCode: inv.responseCode,
    ExecutionStartDateTime: iso(inv.startedAt),
    ExecutionElapsedTime: inv.startedAt
      ? `PT${(((inv.endedAt ?? Date.now()) - inv.startedAt) / 1000).toFixed(3)}S`
      : '',
    ExecutionEndDateTime: iso(inv.endedAt),
    Status: inv.status,
    StatusDetails: inv.details,
    StandardOutputContent: hasOut ? inv.stdout : '',
    StandardOutputUrl: '',
    StandardErrorContent: FINAL.has(inv.status) ? inv.stderr : '',
    StandardErrorUrl: '',
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

/** ListCommandInvocations pages: MaxResults 1..50 (the service's CommandMaxResults), 50 by default. */
const MAX_RESULTS = 50;

/** An opaque NextToken: where the next page starts, valid only for the same query. */
const pageToken = (query: string, at: number) =>
  Buffer.from(JSON.stringify({ query, at })).toString('base64');

function pageStart(token: unknown, query: string): number {
  if (token === undefined) return 0;
  try {
    const t = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as {
      query?: string;
      at?: number;
    };
    if (t.query === query && Number.isInteger(t.at) && (t.at as number) > 0) return t.at as number;
  } catch {}
  throw new SsmError('InvalidNextToken', 'The specified token is not valid.');
}

function listCommandInvocations(model: RunCommandModel, body: Json): Json {
  if (body.Filters !== undefined)
    throw new SsmError('ValidationException', 'the sandbox endpoint does not filter ListCommandInvocations');
  const max = body.MaxResults ?? MAX_RESULTS;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_RESULTS)
    throw new SsmError('ValidationException', `MaxResults must be a whole number in 1..${MAX_RESULTS}`);
  const now = Date.now();
  const list = [...model.invocations.values()].filter(
    (i) =>
      now >= i.visibleAt &&
      (body.CommandId === undefined || i.commandId === body.CommandId) &&
      (body.InstanceId === undefined || i.instanceId === body.InstanceId),
  );
  const query = JSON.stringify([body.CommandId, body.InstanceId, body.Details]);
  const at = pageStart(body.NextToken, query);
  const page = list.slice(at, at + max);
  return {
    CommandInvocations: page.map((i) => ({
      CommandId: i.commandId,
      InstanceId: i.instanceId,
      InstanceName: '',
      Comment: i.comment,
      DocumentName: DOCUMENT,
      DocumentVersion: '$DEFAULT',
      RequestedDateTime: epoch(i.requestedAt),
      Status: i.status,
      StatusDetails: i.details,
      TraceOutput: '',
      StandardOutputUrl: '',
      StandardErrorUrl: '',
      CommandPlugins: body.Details ? [plugin(i)] : [],
    })),
    ...(at + max < list.length ? { NextToken: pageToken(query, at + max) } : {}),
  };
}

/**
 * The invocation's one plugin. Its Output: stdout and stderr as GetCommandInvocation shows them
 * (stdout for Success/Failed, stderr once final), in the agent's combined and cut form.
 */
function plugin(i: Invocation): Json {
  const final = FINAL.has(i.status);
  const hasOut = i.status === 'Success' || i.status === 'Failed';
  return {
    Name: PLUGIN,
    Status: i.status,
    StatusDetails: i.details,
    ResponseCode: i.responseCode,
    ...(i.startedAt ? { ResponseStartDateTime: epoch(i.startedAt) } : {}),
    ...(i.endedAt ? { ResponseFinishDateTime: epoch(i.endedAt) } : {}),
    Output: final ? pluginOutput(hasOut ? i.stdout : '', i.stderr) : '',
    StandardOutputUrl: '',
    StandardErrorUrl: '',
  };
}

function cancelCommand(model: RunCommandModel, body: Json): Json {
  const all = model.ofCommand(String(body.CommandId));
  if (all.length === 0) throw new SsmError('InvalidCommandId', '');
  const ids = strings(body.InstanceIds, 'InstanceIds');
  for (const inv of all) if (ids.length === 0 || ids.includes(inv.instanceId)) model.cancel(inv);
  return {};
}

function describeInstanceInformation(model: RunCommandModel, body: Json): Json {
  const filters = (body.Filters ?? []) as { Key?: string; Values?: string[] }[];
  const wanted = filters.find((f) => f.Key === 'InstanceIds')?.Values;
  const ids = [
    ...new Set([...model.invocations.values()].map((i) => i.instanceId).concat(model.instances())),
  ];
  return {
    InstanceInformationList: ids
      .filter((id) => !wanted || wanted.includes(id))
      .map((id) => ({
        InstanceId: id,
        PingStatus: model.online(id) ? 'Online' : 'ConnectionLost',
        AgentVersion: 'sandbox',
        PlatformType: 'Linux',
        ResourceType: 'EC2Instance',
      })),
  };
}

export const ACTIONS: Record<string, (model: RunCommandModel, body: Json) => Json> = {
  SendCommand: sendCommand,
  GetCommandInvocation: getCommandInvocation,
  ListCommandInvocations: listCommandInvocations,
  CancelCommand: cancelCommand,
  DescribeInstanceInformation: describeInstanceInformation,
};
