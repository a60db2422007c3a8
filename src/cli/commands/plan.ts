// `deploy plan` (and the head of `deploy run`): load, gather, plan, render. No side effects.

import { formatIssue } from '../../config/issues.ts';
import { loadConfig } from '../../config/load.ts';
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import { gatherFacts, resolveHosts } from '../../core/facts.ts';
import { configRedactor } from '../../core/redact.ts';
import { EXIT, ExitError, UsageError } from '../../errors.ts';
import { buildPlan, type Facts, type Plan } from '../../plan/plan.ts';
import { renderPlanText } from '../../render/plan-text.ts';
import { STRATEGIES } from '../../runbook/types.ts';
import type { Io } from '../io.ts';
import { resolveAuto } from './auto.ts';
import { awsPorts, awsUnreachable } from './aws.ts';

export type Planned = {
  plan: Plan;
  config: DeployConfig;
  hosts: StaticHost[];
  /** Every configured host, also those --hosts leaves out (the last-healthy guard asks them all). */
  allHosts: StaticHost[];
  configWarnings: string[];
  /** The `--env` applied, if any. */
  environment?: string;
  /** Set when `app.source` is a commit and tracked files have changes: a real run says it too. */
  uncommitted?: string;
};

/** `offlineFallback`: `plan` may use the config's numbers when AWS cannot be asked; `run` never. */
export async function makePlan(
  values: Record<string, unknown>,
  io: Io,
  opts: { offlineFallback?: boolean; kind?: 'deploy' | 'rollback' } = {},
): Promise<Planned> {
  const waitSeconds = parseSeconds('--wait-lock', values['wait-lock'] as string | undefined);
  const strategy = values.strategy === undefined ? undefined : parseStrategy(values.strategy);
  const loaded = await loadConfig({
    cwd: io.cwd,
    file: values.config as string | undefined,
    environment: values.env as string | undefined,
  });
  let config = strategy ? { ...loaded.config, strategy } : loaded.config;
  if (waitSeconds !== undefined) config = { ...config, lock: { ...config.lock, waitSeconds } };
  // A plan that may fall back retries once, not for the ~30 s a deploy rides out: an unreachable
  // AWS then costs a second or two before the labelled fallback, not half a minute.
  const ports = await awsPorts(config, io, opts.offlineFallback ? { retry: { retries: 1 } } : {});
  const hosts = await resolveHosts(config, { hostsFilter: values.hosts as string | undefined, ...ports });
  const { facts, fallback } = await factsOrFallback(config, hosts, ports, Boolean(opts.offlineFallback));
  const allHosts = values.hosts ? await resolveHosts(config, ports) : hosts;
  // auto looks at the hosts (read-only) and plans the strategy it picks, or refuses here (exit 2).
  const auto =
    config.strategy === 'auto' && opts.kind !== 'rollback'
      ? await resolveAuto({
          config,
          hosts,
          allHosts,
          io,
          reportDir: values['report-dir'] as string | undefined,
        })
      : undefined;
  if (auto) config = { ...config, strategy: auto.strategy };
  // A rollback is the rolling one whatever the strategy (src/runbook/sequence.ts): nothing to pick.
  else if (config.strategy === 'auto') config = { ...config, strategy: 'stop-first' };
  const plan = buildPlan(config, facts, opts.kind ? { kind: opts.kind } : {});
  if (auto) plan.auto = auto;
  if (loaded.environment) plan.environment = loaded.environment;
  if (fallback) {
    plan.awsFallback = fallback;
    plan.warnings.unshift(
      `AWS could not be asked (${fallback.reason}): planned with loadBalancer.healthCheck and deregistrationDelaySeconds from the config, not target group ${fallback.targetGroup}'s`,
    );
  }
  const uncommitted = await uncommittedWarning(config, io.cwd);
  if (uncommitted) plan.warnings.push(uncommitted);
  return {
    plan,
    config,
    hosts,
    allHosts,
    configWarnings: loaded.warnings.map(formatIssue),
    ...(loaded.environment ? { environment: loaded.environment } : {}),
    ...(uncommitted ? { uncommitted } : {}),
  };
}

/**
 * With `app.source: { commit }` the upload is `git archive` of that commit: edits not committed
 * are not deployed, which surprises whoever just made them. Said in the plan (and so in the dry
 * run); nothing when git or a repository is missing (the upload reports that).
 */
async function uncommittedWarning(config: DeployConfig, cwd: string): Promise<string | undefined> {
  const source = config.app.source;
  if (!('commit' in source)) return undefined;
  const { execFile } = await import('node:child_process');
  const changed = await new Promise<string[]>((resolve) =>
    execFile(
      'git',
      ['status', '--porcelain', '--untracked-files=no'],
      { cwd, timeout: 5000 },
      (error, stdout) => resolve(error ? [] : stdout.split('\n').filter(Boolean)),
    ),
  );
  if (changed.length === 0) return undefined;
  const files = changed.map((l) => l.slice(3));
  return `uncommitted changes are not deployed: app.source is commit ${source.commit} (git archive), and ${files.length} tracked file${files.length === 1 ? ' has' : 's have'} changes (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''}); commit them, or deploy a directory with app.source: { dir }`;
}

/**
 * The target group's numbers from AWS; when AWS cannot be asked at all (no credentials, no
 * network) and the config gives its own numbers, those, with the reason (a first plan on a
 * laptop with no AWS set up). An answer from AWS (denied, not found) is never papered over.
 */
async function factsOrFallback(
  config: DeployConfig,
  hosts: StaticHost[],
  ports: Awaited<ReturnType<typeof awsPorts>>,
  allowed: boolean,
): Promise<{ facts: Facts; fallback?: { targetGroup: string; reason: string } }> {
  try {
    return { facts: await gatherFacts(config, hosts, ports) };
  } catch (error) {
    const lb = config.loadBalancer;
    const reason = awsUnreachable(error);
    if (!allowed || !lb.targetGroup || reason === undefined) throw error;
    if (!lb.healthCheck)
      throw new ExitError(
        (error as ExitError).exitCode ?? EXIT.failed,
        `${(error as Error).message}. To plan without AWS, give the target group's numbers in loadBalancer.healthCheck (and deregistrationDelaySeconds): plan falls back to them, labelled`,
      );
    const offline = { ...config, loadBalancer: { ...lb, targetGroup: undefined } };
    return {
      facts: await gatherFacts(offline, hosts, {}),
      fallback: { targetGroup: lb.targetGroup, reason },
    };
  }
}

/** The runbook's strategies (src/runbook/types.ts), and 'auto', which picks one of them. */
const CHOICES = [...STRATEGIES, 'auto'] as const;
function parseStrategy(text: unknown): DeployConfig['strategy'] {
  const found = CHOICES.find((s) => s === text);
  if (!found)
    throw new UsageError(
      `--strategy must be ${CHOICES.slice(0, -1).join(', ')} or ${CHOICES.at(-1)}, got '${String(text)}'`,
    );
  return found;
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
  const { plan, config, configWarnings } = await makePlan(values, io, { offlineFallback: true });
  plan.warnings.unshift(...configWarnings);
  // Commands (build, hooks) are printed as configured, with the one redactor's secrets masked.
  const redact = configRedactor(config);
  if (values.json) io.stdout.write(`${JSON.stringify(redact.deep(plan), null, 2)}\n`);
  else io.stdout.write(redact.text(renderPlanText(plan)));
  return EXIT.deployed;
}
