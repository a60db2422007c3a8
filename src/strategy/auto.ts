// Pure: what `strategy: 'auto'` picks for one host, and why (docs/contracts.md, "auto"). The port
// swap keeps the only target serving, so it comes first when both JVMs fit; stop-first needs another
// healthy target to carry the traffic while this host is drained; otherwise nothing is safe.
import { type Budget, SINGLE_INSTANCE_REMEDIES } from '../memory/budget.ts';

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
