// The maintenance response (docs/aws.md, "Maintenance response"; issue 14): with --allow-downtime,
// a host that has no other target to serve is drained behind a listener rule that answers every
// request with a fixed 503 and the configured body, instead of the load balancer's 502s and resets.
// The rule is the drain: no node forwards anything while it answers, so the target stays
// registered (taking the only target out as well would leave a gap at the end, when a node that
// has not applied the re-registration yet has no target and answers a bare 503). The rule is
// created by the drain step and removed by admit once the new JVM is healthy, or by the drain's
// undo after the restore: on every way out (src/engine/steps/drain.ts).
import type { MaintenanceConfig } from '../config/schema-maintenance.ts';
import { UsageError } from '../errors.ts';
import type { FixedResponse, ListenerPort, ListenerRule, TargetGroupInfo } from '../ports.ts';
import type { HostCtx } from './context.ts';

export type Maintenance = {
  port: ListenerPort;
  listenerArn: string;
  priority: number;
  fixed: FixedResponse;
};

export const maintenanceOf = (m: MaintenanceConfig, port: ListenerPort): Maintenance => ({
  port,
  listenerArn: m.listenerArn,
  priority: m.priority,
  fixed: { statusCode: '503', contentType: m.contentType, body: m.body },
});

/**
 * handoff's own rule: the configured 503 at the configured priority. ELBv2 rules carry no name,
 * and the priority is reserved for handoff by the config (a run refuses a taken one).
 */
export const isOurs = (rule: ListenerRule, m: Pick<Maintenance, 'priority' | 'fixed'>): boolean =>
  rule.priority === m.priority &&
  rule.fixed?.statusCode === m.fixed.statusCode &&
  rule.fixed.contentType === m.fixed.contentType &&
  rule.fixed.body === m.fixed.body;

/** The rules a killed deploy left on the listener (`status` shows them, `unlock` removes them). */
export async function leftoverRules(m: Maintenance): Promise<ListenerRule[]> {
  return (await m.port.rules(m.listenerArn)).filter((r) => isOurs(r, m));
}

/** Before any host is touched (exit 2): the listener routes to the target group and the priority is free. */
export async function checkMaintenance(m: Maintenance, tg: TargetGroupInfo): Promise<void> {
  const lb = await m.port.listenerLoadBalancer(m.listenerArn);
  if (tg.loadBalancerArns && !tg.loadBalancerArns.includes(lb))
    throw new UsageError(
      `maintenance.listenerArn: ${m.listenerArn} is a listener of ${lb}, which does not route to target group ${tg.name} (its load balancers: ${tg.loadBalancerArns.join(', ') || 'none'}). Name a listener of the load balancer in front of ${tg.name}`,
    );
  const taken = (await m.port.rules(m.listenerArn)).find((r) => r.priority === m.priority);
  if (!taken) return;
  throw new UsageError(
    isOurs(taken, m)
      ? `maintenance: the listener still has the maintenance rule ${taken.arn} from an earlier deploy (killed?): requests get the 503. \`deploy status\` shows it, \`deploy unlock\` removes it`
      : `maintenance.priority: ${m.priority} is taken on ${m.listenerArn} by rule ${taken.arn}. Choose a free priority above every rule that forwards to the app`,
  );
}

/** The drain of a host behind the rule: CreateRule (the target group is left as it is). */
export async function openMaintenance(ctx: HostCtx): Promise<string> {
  const m = ctx.maintenance;
  const st = ctx.state.maintenance;
  if (!m || !st) throw new Error('no maintenance rule is configured for this host');
  // Before the call: a rule whose answer was lost on the way back must still be removed.
  ctx.state.drained = true;
  st.sent = true;
  st.ruleArn = await m.port.createFixedResponseRule(m.listenerArn, m.priority, m.fixed);
  return `CreateRule ${st.ruleArn} at priority ${m.priority}: every request answered ${m.fixed.statusCode} ${m.fixed.contentType} (${m.fixed.body.length} characters) while ${ctx.host.name} is out; the target stays registered`;
}

/** Removes the rule if this host created it (its ARN, or found by its response if the answer was lost). */
export async function closeMaintenance(ctx: HostCtx): Promise<string | undefined> {
  const m = ctx.maintenance;
  const st = ctx.state.maintenance;
  if (!m || !st?.sent || st.removed) return undefined;
  const arns = st.ruleArn ? [st.ruleArn] : (await leftoverRules(m)).map((r) => r.arn);
  for (const arn of arns) await m.port.deleteRule(arn);
  st.removed = true;
  return `DeleteRule ${arns.join(', ') || '(CreateRule had not created one)'}`;
}

/**
 * A failure once admit removed the rule (the new JVM serves; withdraw.ts): the rule goes up again, so
 * the new JVM is taken away and the previous release restored behind it; the drain's undo removes
 * it. False when the rule is still up (nothing routes to the new JVM) or was never used.
 */
export async function reopenMaintenance(ctx: HostCtx): Promise<boolean> {
  if (!ctx.state.maintenance?.removed) return false;
  ctx.state.maintenance = { sent: false };
  await openMaintenance(ctx);
  return true;
}
