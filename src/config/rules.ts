// Cross-field rules the schema cannot express. Each rule is named so a test can target it and the
// message can say which rule fired. Rules see a schema-valid config and only push issues.
import { drainMode } from '../drain/registry.ts';
import { swapNeedsPortsAndRegistration } from '../strategy/swap-config.ts';
import { TRANSPORTS, transportFor } from '../transports/registry.ts';
import type { ConfigIssue } from './issues.ts';
import type { DeployConfig } from './schema.ts';
import { maintenanceNeedsTargetGroup } from './schema-maintenance.ts';

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

/** The rules of the chosen drain mode (each mode's module lists its own). */
export const drainModeRules: Rule = (ctx) => {
  const mode = drainMode(ctx.config.drain);
  for (const rule of mode.rules) rule(ctx, ctx.config.drain);
};

/** Each transport's own rules, over the hosts that use it (e.g. ssm: an instance id on each). */
export const transportRules: Rule = ({ config, errors }) => {
  if (!Array.isArray(config.hosts)) return;
  const hosts = config.hosts.map((host, index) => ({ host, index }));
  for (const t of Object.values(TRANSPORTS)) {
    const mine = hosts.filter(({ host }) => transportFor(config, host) === t);
    if (mine.length && t.rules) errors.push(...t.rules(config, mine));
  }
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

// Trees the system owns: releases/, current and the lock inside them would mix with its files, and
// a release id colliding with one of them would be removed by `rm -rf`.
const SYSTEM_TREES = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var/lib',
  '/var/run',
];

/** app.dir holds releases that the tool creates and removes (`rm -rf`): it must be the app's own. */
export const appDirIsItsOwn: Rule = ({ config, errors }) => {
  const dir = config.app.dir;
  const refuse = (message: string, hint: string) =>
    errors.push({ path: 'app.dir', message: `'${dir}' ${message}`, hint });
  const parts = dir.split('/').slice(1);
  if (dir === '/')
    return refuse(
      'is the root directory',
      'releases are created and removed under app.dir: give the app a directory of its own, e.g. /srv/app',
    );
  if (parts.some((p) => p === '' || p === '.' || p === '..'))
    return refuse(
      'is not a plain path',
      `write it without '.', '..', '//' or a trailing '/', e.g. /${parts.filter((p) => p && p !== '.' && p !== '..').join('/')}`,
    );
  if (parts.length === 1)
    return refuse(
      'is a top-level directory',
      `other software keeps files there; use a directory of its own, e.g. ${dir}/${config.app.name}`,
    );
  if (parts.length === 2 && parts[0] === 'home')
    return refuse(
      'is a home directory',
      `its owner keeps other files there; use e.g. ${dir}/${config.app.name}`,
    );
  const tree = SYSTEM_TREES.find((t) => dir.startsWith(`${t}/`) && !dir.startsWith('/usr/local/'));
  if (tree)
    refuse(
      `is inside ${tree}`,
      'the system owns that tree (packages, configuration, kernel state); use e.g. /srv/APP or /opt/APP',
    );
};

export const rules: Record<string, Rule> = {
  appDirIsItsOwn,
  healthCheckTimeoutBelowInterval,
  healthCheckWithinAwsRanges,
  oneLoadBalancerSource,
  drainModeRules,
  transportRules,
  healthPollBelowTimeout,
  uniqueHosts,
  localBuildNeedsArtifact,
  swapNeedsPortsAndRegistration,
  maintenanceNeedsTargetGroup,
};
