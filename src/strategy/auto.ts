// Pure: what `strategy: 'auto'` picks for one host and for the deploy, and why (docs/contracts.md,
// "auto"). The port swap keeps the only target serving, so it comes first when both JVMs fit;
// stop-first needs another healthy target to carry the traffic while this host is drained;
// otherwise nothing is safe.
import { type Budget, SINGLE_INSTANCE_REMEDIES } from '../memory/budget.ts';
import type { Strategy } from '../runbook/types.ts';

export type AutoInput = {
  budget: Budget;
  warnPercent: number;
  /** Another target of the group is healthy (stop-first drains this one while it serves). */
  otherHealthyTarget: boolean;
  /** app.ports is set: the host can run a second JVM on the other port of the pair. */
  swapConfigured: boolean;
};

export type AutoChoice = {
  /** undefined: refuse (exit 2) before touching the host. */
  strategy?: 'swap' | 'stop-first';
  reasons: string[];
  remedies?: string[];
};

export function chooseStrategy(i: AutoInput): AutoChoice {
  const b = i.budget;
  const overlap = `old + new JVM ${b.percent.swap} % (${b.peaks.swap} MB)`;
  const reasons: string[] = [];
  if (!i.swapConfigured) reasons.push('swap not possible: app.ports is not set');
  else if (!b.over.swap) {
    reasons.push(`swap: ${overlap} <= ${i.warnPercent} %, and the host keeps serving throughout`);
    return { strategy: 'swap', reasons };
  } else reasons.push(`swap would not fit: ${overlap} > ${i.warnPercent} %`);
  if (i.otherHealthyTarget) {
    reasons.push(
      `stop-first: another healthy target serves while this host is drained (peak ${b.percent['stop-first']} %)`,
    );
    return { strategy: 'stop-first', reasons };
  }
  reasons.push('stop-first not possible: no other healthy target (draining the only one takes the app down)');
  return { reasons, remedies: SINGLE_INSTANCE_REMEDIES };
}

/** What auto decided for the whole deploy: one strategy for every host, each host's numbers and why. */
export type AutoDecision = {
  strategy?: 'swap' | 'stop-first';
  hosts: {
    host: string;
    choice: AutoChoice['strategy'] | null;
    swapPercent: number;
    stopFirstPercent: number;
    reasons: string[];
    /** The budget's terms (base, old JVM, build, new JVM), when the caller has them. */
    terms?: string;
  }[];
  /** One line: the strategy and the numbers that decided it. */
  why: string;
  remedies?: string[];
};

/**
 * Every host runs the same steps, so the deploy takes the swap only when it fits on every host,
 * else stop-first when every host has another healthy target; otherwise it refuses, naming the
 * hosts on which neither is safe.
 */
export function decideAuto(
  inputs: { host: string; input: AutoInput; terms?: string }[],
  warnPercent: number,
): AutoDecision {
  const each = inputs.map(({ host, input, terms }) => ({
    host,
    input,
    terms,
    choice: chooseStrategy(input),
  }));
  const hosts = each.map(({ host, input, choice, terms }) => ({
    host,
    choice: choice.strategy ?? null,
    swapPercent: input.budget.percent.swap,
    stopFirstPercent: input.budget.percent['stop-first'],
    reasons: choice.reasons,
    ...(terms ? { terms } : {}),
  }));
  const line = (h: (typeof hosts)[number]) =>
    `${h.host}: ${h.reasons.join('; ')}${h.terms ? ` (${h.terms})` : ''}`;
  if (each.length > 0 && each.every((e) => e.choice.strategy === 'swap'))
    return { strategy: 'swap', hosts, why: `swap on every host (${hosts.map(line).join(' | ')})` };
  if (each.length > 0 && each.every((e) => e.input.otherHealthyTarget)) {
    const swapOnly = hosts.filter((h) => h.choice !== 'swap').map(line);
    return { strategy: 'stop-first', hosts, why: `stop-first (${swapOnly.join(' | ')})` };
  }
  const stuck = hosts.filter((h) => h.choice === null);
  const named = (stuck.length ? stuck : hosts).map(line).join(' | ');
  return {
    hosts,
    why: `no strategy is safe above ${warnPercent} % or without another healthy target (${named})`,
    remedies: SINGLE_INSTANCE_REMEDIES,
  };
}

/** A strategy with a runbook of its own order (src/runbook/types.ts); 'auto' picks one. */
export type ConcreteStrategy = Strategy;

/** 'auto' is resolved into one of the others before anything is planned (src/cli/commands/auto.ts). */
export function concrete(strategy: ConcreteStrategy | 'auto'): ConcreteStrategy {
  if (strategy === 'auto')
    throw new Error("internal: strategy 'auto' reached the plan or the engine unresolved");
  return strategy;
}
