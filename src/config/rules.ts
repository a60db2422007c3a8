// Cross-field rules the schema cannot express. Each rule is named so a test can target it and the
// message can say which rule fired. Rules see a schema-valid config and only push issues.
import type { ConfigIssue } from './issues.ts';
import type { DeployConfig } from './schema.ts';

export type RuleContext = { config: DeployConfig; errors: ConfigIssue[]; warnings: ConfigIssue[] };
export type Rule = (ctx: RuleContext) => void;

export const healthCheckTimeoutBelowInterval: Rule = ({ config, errors }) => {
  const hc = config.loadBalancer.healthCheck;
  if (hc && hc.timeoutSeconds >= hc.intervalSeconds) {
    errors.push({
      path: 'loadBalancer.healthCheck.timeoutSeconds',
      message: `must be below intervalSeconds (${hc.timeoutSeconds} >= ${hc.intervalSeconds})`,
      hint: 'AWS rejects a timeout that is not below the interval: lower the timeout or raise the interval',
    });
  }
};

export const healthCheckWithinAwsRanges: Rule = ({ config, warnings }) => {
  const hc = config.loadBalancer.healthCheck;
  if (!hc) return;
  if (hc.intervalSeconds < 5 || hc.intervalSeconds > 300)
    warnings.push({
      path: 'loadBalancer.healthCheck.intervalSeconds',
      message: `${hc.intervalSeconds} s is outside AWS's 5-300 s`,
      hint: 'fine for a local load balancer; an ALB cannot be set like this',
    });
  if (hc.timeoutSeconds < 2 || hc.timeoutSeconds > 120)
    warnings.push({
      path: 'loadBalancer.healthCheck.timeoutSeconds',
      message: `${hc.timeoutSeconds} s is outside AWS's 2-120 s`,
      hint: 'fine for a local load balancer; an ALB cannot be set like this',
    });
};

export const oneLoadBalancerSource: Rule = ({ config, errors }) => {
  const lb = config.loadBalancer;
  // Both together is fine: with a targetGroup, healthCheck is what `plan` falls back on when AWS
  // cannot be asked (labelled in the plan); `run` always reads the target group.
  if (!lb.targetGroup && !lb.healthCheck)
    errors.push({
      path: 'loadBalancer.healthCheck',
      message: 'required when loadBalancer.targetGroup is not set',
      hint: 'name the target group, or give { intervalSeconds, timeoutSeconds, unhealthyThreshold, healthyThreshold }',
    });
};

export const deregisterNeedsTargetGroup: Rule = ({ config, errors }) => {
  if (config.drain.mode === 'deregister' && !config.loadBalancer.targetGroup)
    errors.push({
      path: 'drain.mode',
      message: "'deregister' needs loadBalancer.targetGroup",
      hint: "DeregisterTargets needs a target group; use mode 'termination' with an offline load balancer",
    });
  const hosts = config.hosts;
  if (config.drain.mode === 'deregister' && Array.isArray(hosts))
    hosts.forEach((host, i) => {
      if (!host.instanceId)
        errors.push({
          path: `hosts[${i}].instanceId`,
          message: "required with drain.mode 'deregister'",
          hint: 'the instance id is the target Id in the target group, e.g. i-0abc1234def567890',
        });
    });
};

export const healthPollBelowTimeout: Rule = ({ config, errors }) => {
  const h = config.app.health;
  if (h.intervalSeconds >= h.timeoutSeconds)
    errors.push({
      path: 'app.health.timeoutSeconds',
      message: `must be above app.health.intervalSeconds (${h.timeoutSeconds} <= ${h.intervalSeconds})`,
      hint: 'otherwise the new JVM gets a single health poll at most',
    });
};

export const uniqueHosts: Rule = ({ config, errors }) => {
  if (!Array.isArray(config.hosts)) return;
  const seen = new Map<string, number>();
  config.hosts.forEach((host, i) => {
    const first = seen.get(host.name);
    if (first !== undefined)
      errors.push({
        path: `hosts[${i}].name`,
        message: `'${host.name}' is also the name of hosts[${first}]`,
        hint: 'host names must be unique: they key --hosts, the report and the lock',
      });
    else seen.set(host.name, i);
  });
};

export const localBuildNeedsArtifact: Rule = ({ config, errors }) => {
  if (config.app.build.where === 'local' && 'git' in config.app.source)
    errors.push({
      path: 'app.build.where',
      message: "'local' cannot be combined with app.source.git",
      hint: 'a local build needs the source here: use { commit } or { dir }, or build on the host',
    });
};

export const rules: Record<string, Rule> = {
  healthCheckTimeoutBelowInterval,
  healthCheckWithinAwsRanges,
  oneLoadBalancerSource,
  deregisterNeedsTargetGroup,
  healthPollBelowTimeout,
  uniqueHosts,
  localBuildNeedsArtifact,
};
