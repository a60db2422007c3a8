// `deploy plan` (and the head of `deploy run`): load, gather, plan, render. No side effects.
import { formatIssue } from '../../config/issues.ts';
import { loadConfig } from '../../config/load.ts';
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import { gatherFacts, resolveHosts } from '../../core/facts.ts';
import { EXIT, UsageError } from '../../errors.ts';
import { buildPlan, type Plan } from '../../plan/plan.ts';
import { renderPlanText } from '../../render/plan-text.ts';
import type { Io } from '../io.ts';
import { awsPorts } from './aws.ts';

export type Planned = { plan: Plan; config: DeployConfig; hosts: StaticHost[]; configWarnings: string[] };

export async function makePlan(values: Record<string, unknown>, io: Io): Promise<Planned> {
  const waitSeconds = parseSeconds('--wait-lock', values['wait-lock'] as string | undefined);
  const loaded = await loadConfig({ cwd: io.cwd, file: values.config as string | undefined });
  let config = values.strategy
    ? { ...loaded.config, strategy: values.strategy as DeployConfig['strategy'] }
    : loaded.config;
  if (waitSeconds !== undefined) config = { ...config, lock: { ...config.lock, waitSeconds } };
  const ports = await awsPorts(config, io);
  const hosts = await resolveHosts(config, { hostsFilter: values.hosts as string | undefined, ...ports });
  const facts = await gatherFacts(config, hosts, ports);
  return { plan: buildPlan(config, facts), config, hosts, configWarnings: loaded.warnings.map(formatIssue) };
}

// Usage errors come before the config is read: they are about the command line.
function parseSeconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0)
    throw new UsageError(`${flag} takes a number of seconds >= 0, got '${text}'`);
  return seconds;
}

export async function planCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const { plan, configWarnings } = await makePlan(values, io);
  plan.warnings.unshift(...configWarnings);
  if (values.json) io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else io.stdout.write(renderPlanText(plan));
  return EXIT.deployed;
}
