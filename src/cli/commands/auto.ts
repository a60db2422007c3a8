// `strategy: 'auto'` (or --strategy auto): before anything is planned or locked, look at every
// selected host (read-only: src/strategy/auto-look.ts), decide one strategy for the deploy
// (src/strategy/auto.ts), or refuse with the numbers and the remedies (exit 2) having changed
// nothing. Contract: docs/contracts.md, "auto".
import { resolve } from 'node:path';
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import { EXIT, ExitError } from '../../errors.ts';
import type { Executor } from '../../executors/types.ts';
import { describeBudget, predictBudget } from '../../memory/budget.ts';
import { type AutoDecision, decideAuto } from '../../strategy/auto.ts';
import { lookAtHost } from '../../strategy/auto-look.ts';
import type { Io } from '../io.ts';
import { loadBalancerFor } from './aws.ts';
import { connectHost } from './connect.ts';
import { declaredGradleBuild } from './gradle-files.ts';
import { previousSamples } from './sampling.ts';

export async function resolveAuto(opts: {
  config: DeployConfig;
  hosts: StaticHost[];
  allHosts: StaticHost[];
  io: Io;
  reportDir?: string;
}): Promise<AutoDecision & { strategy: 'swap' | 'stop-first' }> {
  const { config, io } = opts;
  const lb = await loadBalancerFor(config);
  const previous = previousSamples(resolve(io.cwd, opts.reportDir ?? config.report.dir));
  // The same build figure the deploy's budget will use: auto decides on what the run will check.
  const gradle = await declaredGradleBuild(config.app.source, io.cwd);
  const execs = new Map<string, Executor>();
  try {
    // Without a target group the other hosts' own /health says whether another target serves.
    const wanted = lb ? opts.hosts : opts.allHosts;
    for (const host of wanted) execs.set(host.name, await connectHost(config, host, io.cwd));
    const looks = [];
    for (const host of opts.hosts) {
      const exec = execs.get(host.name)!;
      const others = [...execs.entries()].filter(([n]) => n !== host.name).map(([, e]) => e);
      const look = await lookAtHost({ config, host, exec, others, previous, gradle, ...(lb ? { lb } : {}) });
      const budget = predictBudget(look.input);
      looks.push({
        host: host.name,
        terms: describeBudget(host.name, budget, look.input, 'swap').slice(host.name.length + 2),
        input: {
          budget,
          warnPercent: config.memory.warnPercent,
          otherHealthyTarget: look.otherHealthyTarget,
          swapConfigured: Boolean(config.app.ports),
        },
      });
    }
    const decision = decideAuto(looks, config.memory.warnPercent);
    if (!decision.strategy)
      throw new ExitError(
        EXIT.usage,
        `strategy auto: ${decision.why}; nothing was changed on any host. Remedies: ${decision.remedies?.join('; ')}`,
      );
    return { ...decision, strategy: decision.strategy };
  } finally {
    await Promise.all([...execs.values()].map((e) => e.close().catch(() => undefined)));
  }
}
