// The listener's rules (CreateRule / DeleteRule / DescribeRules): pure, no I/O. The sandbox has one
// listener in front of its one target group; its default rule forwards to the group. The model
// applies what AWS applies for rules that match every request (path-pattern `*` or `/*`): the rule
// with the lowest priority number wins; a fixed-response rule answers instead of the targets. Other
// conditions and actions are refused with a ValidationError (docs/sandbox.md lists the difference).
import { ApiError, validationError } from './model.ts';
import { type QueryObject, str, strList, structList } from './query.ts';
import type { XmlValue } from './xml.ts';

export type FixedResponse = { statusCode: string; contentType: string; body: string };

export type Rule = {
  arn: string;
  priority: number;
  pathPatterns: string[];
  action: { type: 'fixed-response'; fixed: FixedResponse } | { type: 'forward'; targetGroupArn: string };
};

/** The content types an ALB fixed response may carry (FixedResponseActionConfig). */
export const FIXED_CONTENT_TYPES = [
  'text/plain',
  'text/css',
  'text/html',
  'application/javascript',
  'application/json',
] as const;
/** The status codes the sandbox's HAProxy has a `http-request return` line for (haproxy-fixed.ts). */
export const MODELLED_STATUS_CODES = ['200', '403', '404', '500', '502', '503', '504'] as const;
const MATCH_ALL = new Set(['*', '/*']);
export const MAX_RULES = 100;

export const listenerNotFound = () =>
  new ApiError(400, 'ListenerNotFound', 'One or more listeners not found');
export const ruleNotFound = () => new ApiError(400, 'RuleNotFound', 'One or more rules not found');

/** The fixed response in effect: the first rule by priority decides (every modelled rule matches every path). */
export function activeFixedResponse(rules: Rule[]): FixedResponse | undefined {
  const first = [...rules].sort((a, b) => a.priority - b.priority)[0];
  return first?.action.type === 'fixed-response' ? first.action.fixed : undefined;
}

function pathPatterns(params: QueryObject): string[] {
  const conditions = structList(params, 'Conditions') ?? [];
  if (conditions.length === 0) throw validationError('A rule must have at least one condition');
  return conditions.flatMap((c) => {
    if (str(c, 'Field') !== 'path-pattern')
      throw validationError(`emulator: only path-pattern conditions are modelled, not '${str(c, 'Field')}'`);
    const config = c.PathPatternConfig as QueryObject | undefined;
    const values = (config ? strList(config, 'Values') : undefined) ?? strList(c, 'Values') ?? [];
    if (values.length === 0 || values.some((v) => !MATCH_ALL.has(v)))
      throw validationError(`emulator: only the match-all path patterns '*' and '/*' are modelled`);
    return values;
  });
}

function fixedResponse(action: QueryObject): FixedResponse {
  const config = (action.FixedResponseConfig ?? {}) as QueryObject;
  const statusCode = str(config, 'StatusCode') ?? '';
  const contentType = str(config, 'ContentType') ?? 'text/plain';
  const body = str(config, 'MessageBody') ?? '';
  if (!/^[245]\d\d$/.test(statusCode)) throw validationError('StatusCode must be a 2XX, 4XX or 5XX code');
  if (!(FIXED_CONTENT_TYPES as readonly string[]).includes(contentType))
    throw validationError(`ContentType must be one of ${FIXED_CONTENT_TYPES.join(', ')}`);
  if (body.length > 1024) throw validationError('MessageBody must be at most 1024 characters');
  if (!(MODELLED_STATUS_CODES as readonly string[]).includes(statusCode))
    throw validationError(`emulator: fixed responses are modelled for ${MODELLED_STATUS_CODES.join(', ')}`);
  return { statusCode, contentType, body };
}

/** A new rule from CreateRule's parameters (the listener already checked); throws ApiError. */
export function parseRule(params: QueryObject, rules: Rule[], arn: string, groupArn: string): Rule {
  const priority = Number(str(params, 'Priority'));
  if (!Number.isInteger(priority) || priority < 1 || priority > 50000)
    throw validationError('Priority must be an integer in 1..50000');
  if (rules.some((r) => r.priority === priority))
    throw new ApiError(400, 'PriorityInUse', `Priority '${priority}' is currently in use`);
  if (rules.length >= MAX_RULES) throw new ApiError(400, 'TooManyRules', 'You have reached the rule limit');
  const actions = structList(params, 'Actions') ?? [];
  if (actions.length !== 1) throw validationError('emulator: exactly one action per rule is modelled');
  const action = actions[0]!;
  const type = str(action, 'Type');
  const patterns = pathPatterns(params);
  if (type === 'fixed-response')
    return { arn, priority, pathPatterns: patterns, action: { type, fixed: fixedResponse(action) } };
  if (type === 'forward' && str(action, 'TargetGroupArn') === groupArn)
    return { arn, priority, pathPatterns: patterns, action: { type, targetGroupArn: groupArn } };
  throw validationError(`emulator: only fixed-response and forward to ${groupArn} are modelled`);
}

export function ruleXml(rule: Rule): Record<string, XmlValue> {
  const a = rule.action;
  return {
    RuleArn: rule.arn,
    Priority: String(rule.priority),
    Conditions: [
      {
        Field: 'path-pattern',
        Values: rule.pathPatterns,
        PathPatternConfig: { Values: rule.pathPatterns },
      },
    ],
    Actions: [
      a.type === 'fixed-response'
        ? {
            Type: a.type,
            Order: 1,
            FixedResponseConfig: {
              StatusCode: a.fixed.statusCode,
              ContentType: a.fixed.contentType,
              MessageBody: a.fixed.body,
            },
          }
        : { Type: a.type, Order: 1, TargetGroupArn: a.targetGroupArn },
    ],
    IsDefault: false,
  };
}

export function defaultRuleXml(listenerArn: string, groupArn: string): Record<string, XmlValue> {
  return {
    RuleArn: defaultRuleArn(listenerArn),
    Priority: 'default',
    Conditions: [],
    Actions: [{ Type: 'forward', Order: 1, TargetGroupArn: groupArn }],
    IsDefault: true,
  };
}

/** listener/app/<lb>/<lb id>/<listener id> → listener-rule/app/<lb>/<lb id>/<listener id>/<rule id> */
export function ruleArn(listenerArn: string, n: number): string {
  return `${listenerArn.replace(':listener/', ':listener-rule/')}/${n.toString(16).padStart(16, '0')}`;
}
export const defaultRuleArn = (listenerArn: string) => ruleArn(listenerArn, 0);
