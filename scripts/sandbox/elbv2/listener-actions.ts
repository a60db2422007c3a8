// The listener actions of the ELBv2 endpoint: DescribeListeners, CreateRule, DeleteRule, DescribeRules.
// One listener (HTTP :80) forwards to the one target group; rules live in memory (rules.ts) and the
// fixed response in effect is pushed to every HAProxy at once (Runtime.fixedResponse).
import { ApiError, loadBalancerArn, type TargetGroupOptions, validationError } from './model.ts';
import { type QueryObject, str, strList } from './query.ts';
import {
  activeFixedResponse,
  defaultRuleArn,
  defaultRuleXml,
  type FixedResponse,
  listenerNotFound,
  parseRule,
  type Rule,
  ruleArn,
  ruleNotFound,
  ruleXml,
} from './rules.ts';
import type { XmlValue } from './xml.ts';

type Action = (params: QueryObject) => Promise<Record<string, XmlValue>>;

/** arn:…:loadbalancer/app/<name>/<id> → arn:…:listener/app/<name>/<id>/<listener id> */
export function listenerArn(tg: TargetGroupOptions): string {
  return `${loadBalancerArn(tg).replace(':loadbalancer/', ':listener/')}/00000000000000a1`;
}

export function listenerActions(
  tg: TargetGroupOptions,
  apply: (fixed: FixedResponse | undefined) => Promise<void>,
): { actions: Record<string, Action>; rules: () => Rule[] } {
  const listener = listenerArn(tg);
  let rules: Rule[] = [];
  let next = 1;
  const requireListener = (params: QueryObject) => {
    const arn = str(params, 'ListenerArn');
    if (!arn) throw validationError("Value null at 'listenerArn' failed to satisfy constraint");
    if (arn !== listener) throw listenerNotFound();
  };
  const change = async (updated: Rule[]) => {
    await apply(activeFixedResponse(updated)); // HAProxy first: a failure leaves the rules as they were
    rules = updated;
  };

  const actions: Record<string, Action> = {
    async DescribeListeners(params) {
      const lb = str(params, 'LoadBalancerArn');
      const arns = strList(params, 'ListenerArns');
      if (lb !== undefined && lb !== loadBalancerArn(tg))
        throw new ApiError(400, 'LoadBalancerNotFound', 'One or more load balancers not found');
      if (arns?.some((a) => a !== listener)) throw listenerNotFound();
      const defaultActions = [{ Type: 'forward', Order: 1, TargetGroupArn: tg.arn }];
      return {
        Listeners: [
          {
            ListenerArn: listener,
            LoadBalancerArn: loadBalancerArn(tg),
            Port: 80,
            Protocol: 'HTTP',
            DefaultActions: defaultActions,
          },
        ],
      };
    },
    async CreateRule(params) {
      requireListener(params);
      const rule = parseRule(params, rules, ruleArn(listener, next), tg.arn);
      await change([...rules, rule]);
      next++;
      return { Rules: [ruleXml(rule)] };
    },
    async DeleteRule(params) {
      const arn = str(params, 'RuleArn');
      if (arn === defaultRuleArn(listener))
        throw new ApiError(400, 'OperationNotPermitted', 'Default rules cannot be deleted');
      if (!rules.some((r) => r.arn === arn)) throw ruleNotFound();
      await change(rules.filter((r) => r.arn !== arn));
      return {};
    },
    async DescribeRules(params) {
      const arns = strList(params, 'RuleArns');
      if (arns === undefined) requireListener(params);
      const all = [...rules.map(ruleXml), defaultRuleXml(listener, tg.arn)];
      if (arns === undefined) return { Rules: all };
      if (arns.some((a) => !all.some((r) => r.RuleArn === a))) throw ruleNotFound();
      return { Rules: all.filter((r) => arns.includes(r.RuleArn as string)) };
    },
  };
  return { actions, rules: () => rules };
}
