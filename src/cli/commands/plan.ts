// `deploy plan` (and `deploy run --dry-run`'s header): load, gather, plan, render. No side effects.

import { formatIssue } from '../../config/issues.ts';
import { loadConfig } from '../../config/load.ts';
import { gatherFacts, resolveHosts } from '../../core/facts.ts';
import { EXIT } from '../../errors.ts';
import { buildPlan, type Plan } from '../../plan/plan.ts';
import { renderPlanText } from '../../render/plan-text.ts';
import type { Io } from '../io.ts';
import { awsPorts } from './aws.ts';

export async function makePlan(
  values: Record<string, unknown>,
  io: Io,
): Promise<{ plan: Plan; configWarnings: string[] }> {
  const { config, warnings } = await loadConfig({ cwd: io.cwd, file: values.config as string | undefined });
  const ports = await awsPorts(config, io);
  const hosts = await resolveHosts(config, { hostsFilter: values.hosts as string | undefined, ...ports });
  const facts = await gatherFacts(config, hosts, ports);
  return { plan: buildPlan(config, facts), configWarnings: warnings.map(formatIssue) };
}

export async function planCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const { plan, configWarnings } = await makePlan(values, io);
  plan.warnings.unshift(...configWarnings);
  if (values.json) io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else io.stdout.write(renderPlanText(plan));
  return EXIT.deployed;
}
