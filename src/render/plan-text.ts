// Pure: the human dry-run. Every formula is printed with its terms filled in, so a reader can
// check it by hand and hold it against the `sleep 25` it replaces.
import type { Plan } from '../plan/plan.ts';

const n = (v: number) => String(Math.round(v * 1000) / 1000);

export function renderPlanText(plan: Plan): string {
  const { drain, healthCheck: hc } = plan;
  const t = drain.terms;
  const lines: string[] = [];
  // Numbers read from AWS name the group they came from, so a reader can check it in the console.
  const fallback = plan.awsFallback;
  const source = (s: string) =>
    s === 'aws' && plan.targetGroup
      ? `source: aws, target group ${plan.targetGroup.name}`
      : s === 'config' && fallback
        ? `source: config, OFFLINE FALLBACK for target group ${fallback.targetGroup}`
        : `source: ${s}`;
  lines.push(
    `handoff plan · app ${plan.app} · ${plan.hosts.length} host${plan.hosts.length === 1 ? '' : 's'} · strategy ${plan.strategy} · drain ${drain.mode}`,
    ...(fallback
      ? [
          '',
          `AWS could not be asked (${fallback.reason}).`,
          `Planned with the config's loadBalancer numbers instead of target group ${fallback.targetGroup}'s; \`deploy run\` reads the group and stops if it cannot.`,
        ]
      : []),
    '',
    `Health check (${source(hc.source)})`,
    `  interval I = ${n(t.I)} s · timeout T = ${n(t.T)} s · unhealthy threshold N = ${t.N} · healthy threshold H = ${t.H}`,
  );
  if (drain.mode === 'termination') {
    const fixedRate = drain.model === 'fixed-rate';
    lines.push(
      `  a failing check is recorded after d = min(r, T) = min(${n(t.r ?? 0)}, ${n(t.T)}) = ${n(t.d ?? 0)} s (r: drain.responseSeconds, source: config)`,
      '',
      fixedRate
        ? 'Unhealthy after (fixed-rate, as AWS documents: a check every I s whatever the response time; each LB node has its own phase in [0, I))'
        : 'Unhealthy after (fixed-delay: the next check starts I s after the previous one ended)',
      `  earliest = ${drain.formula.earliest} = ${fixedRate ? `(${t.N}-1)·${n(t.I)} + ${n(t.d ?? 0)}` : `(${t.N}-1)·${n(t.I)} + ${t.N}·${n(t.d ?? 0)}`} = ${n(drain.unhealthyAfterSeconds.earliest)} s`,
      `  latest   ${fixedRate ? '<' : '='} ${drain.formula.latest} = ${fixedRate ? `${t.N}·${n(t.I)} + ${n(t.d ?? 0)}` : `${t.N}·${n(t.I)} + ${n(t.dOk)} + ${t.N}·${n(t.d ?? 0)}`} = ${n(drain.unhealthyAfterSeconds.latest)} s`,
    );
  } else {
    lines.push(
      '',
      'Deregistration (each load-balancer node stops routing after its own delay; the API says draining for D)',
      `  deregistration delay D = ${n(drain.deregistrationDelaySeconds.value)} s (${source(drain.deregistrationDelaySeconds.source)})`,
      `  expected = ${drain.formula.latest} = ${n(drain.unhealthyAfterSeconds.latest)} s (longest request: drain.maxRequestSeconds, source: config): the timeline's estimate`,
    );
  }
  lines.push(
    `  wait     = latest + margin = ${n(drain.unhealthyAfterSeconds.latest)} + ${n(drain.marginSeconds)} = ${n(drain.waitSeconds)} s (margin: drain.marginSeconds, source: config)`,
    drain.mode === 'termination'
      ? `  evidence: never before the wait; ends there once the host has received no request from the load balancer for Q = ${n(t.Q)} s and none is in flight, else when it has (at most ${n(drain.capSeconds)} s, then a warning)`
      : `  evidence: ends once the API says draining and the host has received no request from the load balancer for Q = ${n(t.Q)} s with none in flight (at most D = ${n(drain.capSeconds)} s)`,
    `  (Q: drain.quietSeconds, source: config; the host's sockets are read with ss -tin)`,
  );
  if (drain.comparison) {
    const c = drain.comparison;
    const verb = c.savedPerHostSeconds >= 0 ? 'shorter' : 'longer';
    lines.push(
      `  vs sleep ${n(c.sleepSeconds)}: ${n(Math.abs(c.savedPerHostSeconds))} s ${verb} per host, ${n(Math.abs(c.savedTotalSeconds))} s over ${plan.hosts.length} host(s); the sleep is ${c.safe ? 'safe but' : 'NOT safe:'} ${c.safe ? 'a guess' : `below the latest bound ${n(drain.unhealthyAfterSeconds.latest)} s`}`,
    );
  }
  lines.push(
    '',
    drain.mode === 'termination'
      ? 'Back in service (health flip: H passing checks)'
      : 'Back in service (new registration: initial, then healthy)',
    `  earliest = ${drain.formula.readmitEarliest} = ${drain.mode === 'termination' ? `(${t.H}-1)·${n(t.I)} + ${n(t.dOk)} = ` : ''}${n(drain.readmitWindowSeconds.earliest)} s`,
    `  latest   = ${drain.formula.readmitLatest} = ${drain.mode === 'termination' ? `${t.H}·${n(t.I)} + ${n(t.dOk)} = ` : ''}${n(drain.readmitWindowSeconds.latest)} s${drain.mode === 'deregister' ? ' (plus registration latency: confirmed through DescribeTargetHealth)' : ''}`,
    '',
    'Timeline (~ marks estimates; stop is the grace bound)',
    ...timelineTable(plan),
    `  total ~${n(plan.totalSeconds)} s`,
  );
  if (plan.warnings.length > 0) lines.push('', 'Warnings', ...plan.warnings.map((w) => `  ! ${w}`));
  return `${lines.join('\n')}\n`;
}

function timelineTable(plan: Plan): string[] {
  const rows = plan.timeline.map((e) => [
    e.host,
    e.step,
    `${n(e.atSeconds)} s`,
    `${e.note.startsWith('~') ? '~' : ''}${n(e.durationSeconds)} s`,
    e.note.replace(/^~/, ''),
  ]);
  const header = ['host', 'step', 'at', 'takes', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`;
  return [fmt(header), ...rows.map(fmt)];
}
