// The listener port over ELBv2 (SDK v3): fixed-response rules for the maintenance answer of a
// deploy with --allow-downtime (docs/aws.md, "Maintenance response"). Same retry and error
// translation as the target-group adapter (elbv2.ts).
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { FixedResponse, ListenerPort, ListenerRule } from '../ports.ts';
import type { AwsClientOptions } from './elbv2.ts';
import { awsCall, type CallContext } from './errors.ts';
import type { RetryOptions } from './retry.ts';

export class Elbv2Listener implements ListenerPort {
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly retry: RetryOptions;
  private readonly opts: AwsClientOptions;

  constructor(opts: AwsClientOptions = {}) {
    this.opts = opts;
    this.client = new ElasticLoadBalancingV2Client({
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      maxAttempts: 1, // retry.ts is the only retry layer
    });
    this.retry = { ...opts.retry, ...(opts.signal ? { signal: opts.signal } : {}) };
  }

  async createFixedResponseRule(listenerArn: string, priority: number, f: FixedResponse): Promise<string> {
    const out = await this.call('CreateRule', () =>
      this.client.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: priority,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
          Actions: [
            {
              Type: 'fixed-response',
              FixedResponseConfig: {
                StatusCode: f.statusCode,
                ContentType: f.contentType,
                MessageBody: f.body,
              },
            },
          ],
        }),
      ),
    );
    const arn = out.Rules?.[0]?.RuleArn;
    if (!arn) throw new Error(`CreateRule on ${listenerArn} answered without a rule ARN`);
    return arn;
  }

  async deleteRule(ruleArn: string): Promise<void> {
    try {
      await this.call('DeleteRule', () => this.client.send(new DeleteRuleCommand({ RuleArn: ruleArn })));
    } catch (error) {
      // Already gone (an earlier path out, or by hand): what the caller wanted.
      if (/^RuleNotFound(Exception)?$/.test((error as { code?: string }).code ?? '')) return;
      throw error;
    }
  }

  async rules(listenerArn: string): Promise<ListenerRule[]> {
    const out = await this.call('DescribeRules', () =>
      this.client.send(new DescribeRulesCommand({ ListenerArn: listenerArn })),
    );
    return (out.Rules ?? []).flatMap(toRule);
  }

  async listenerLoadBalancer(listenerArn: string): Promise<string> {
    const out = await this.call('DescribeListeners', () =>
      this.client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
    );
    const lb = out.Listeners?.[0]?.LoadBalancerArn;
    if (!lb) throw new Error(`DescribeListeners ${listenerArn} answered without a load balancer`);
    return lb;
  }

  private call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const ctx: CallContext = {
      action: `elasticloadbalancing:${op}`,
      ...(this.opts.region ? { region: this.opts.region } : {}),
      ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
    };
    return awsCall(ctx, fn, this.retry, () => this.client.config.region());
  }
}

function toRule(rule: Rule): ListenerRule[] {
  if (rule.IsDefault || !rule.RuleArn) return [];
  const f = rule.Actions?.find((a) => a.Type === 'fixed-response')?.FixedResponseConfig;
  const fixed = f?.StatusCode
    ? { statusCode: f.StatusCode, contentType: f.ContentType ?? 'text/plain', body: f.MessageBody ?? '' }
    : undefined;
  return [{ arn: rule.RuleArn, priority: Number(rule.Priority), ...(fixed ? { fixed } : {}) }];
}
