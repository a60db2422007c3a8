// Pure: the human dry-run. Every formula is printed with its terms filled in, so a reader can
// check it by hand and hold it against the `sleep 25` it replaces.
import { drainMode } from '../drain/registry.ts';
import type { Plan, Source } from '../plan/plan.ts';

const n = (v: number) => String(Math.round(v * 1000) / 1000);

export function renderPlanText(plan: Plan): string {
  const { drain, healthCheck: hc } = plan;
  const t = drain.terms;
  const mode = drainMode(drain.mode);
  const lines: string[] = [];
  // Numbers read from AWS name the group they came from, so a reader can check it in the console.
  const fallback = plan.awsFallback;
  const source = (s: Source) =>
    s === 'aws' && plan.targetGroup
      ? `source: aws, target group ${plan.targetGroup.name}`
      : s === 'config' && fallback
        ? `source: config, OFFLINE FALLBACK for target group ${fallback.targetGroup}`
        : `source: ${s}`;
  lines.push(
    `handoff plan · app ${plan.app}${plan.environment ? ` · env ${plan.environment}` : ''} · ${plan.hosts.length} host${plan.hosts.length === 1 ? '' : 's'} · strategy ${plan.strategy} · drain ${drain.mode}`,
    ...(fallback
      ? [
          '',
          `AWS could not be asked (${fallback.reason}).`,
          `Planned with the config's loadBalancer numbers instead of target group ${fallback.targetGroup}'s; \`deploy run\` reads the group and stops if it cannot.`,
        ]
      : []),
    ...(plan.auto ? ['', `strategy auto picked ${plan.strategy}: ${plan.auto.why}`] : []),
    '',
    `Health check (${source(hc.source)})`,
    `  interval I = ${n(t.I)} s · timeout T = ${n(t.T)} s · unhealthy threshold N = ${t.N} · healthy threshold H = ${t.H}`,
  );
  lines.push(...mode.text.window(plan, source));
  lines.push(
    `  wait     = latest + margin = ${n(drain.unhealthyAfterSeconds.latest)} + ${n(drain.marginSeconds)} = ${n(drain.waitSeconds)} s (margin: drain.marginSeconds, source: config)`,
    mode.text.evidence(plan),
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
    ...mode.text.readmit(plan),
    '',
    'Timeline (~ marks estimates; stop is the grace bound)',
    ...timelineTable(plan),
    ...rolloutLines(plan),
    `  total ~${n(plan.totalSeconds)} s`,
    ...hookLines(plan),
    ...maintenanceLines(plan),
  );
  if (plan.warnings.length > 0) lines.push('', 'Warnings', ...plan.warnings.map((w) => `  ! ${w}`));
  return `${lines.join('\n')}\n`;
}

function maintenanceLines({ maintenance: m }: Plan): string[] {
  if (!m) return [];
  return [
    '',
    'Maintenance response (config maintenance): with --allow-downtime, for a host with no other target to serve',
    `  a rule at priority ${m.priority} on ${m.listenerArn} answers every path ${m.statusCode} ${m.contentType} (${m.bodyCharacters} characters; no Retry-After: an ALB fixed response carries no custom header)`,
    '  created by drain instead of taking the target out, removed by admit once the new JVM is healthy, or by the undo on any failure or interrupt',
  ];
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

/** Every configured hook, onFailure too (it is no step of the timeline). */
function hookLines(plan: Plan): string[] {
  if (!plan.hooks?.length) return [];
  const width = Math.max(...plan.hooks.map((h) => h.hook.length));
  return [
    '',
    'Hooks (docs/hooks.md: beforeDrain fails with nothing changed; an after-hook fails the host and its undo runs)',
    ...plan.hooks.map(
      (h) => `  ${h.hook.padEnd(width)}  ${h.run}  (${h.where}, at most ${n(h.timeoutSeconds)} s)`,
    ),
  ];
}

/** Batches side by side: only when the rollout is more than one host at a time or keeps a floor. */
function rolloutLines(plan: Plan): string[] {
  const r = plan.rollout;
  if (r.batchSize === 1 && r.minHealthy <= 1) return [];
  const serial = n(r.perHostSeconds * plan.hosts.length);
  return [
    `  batches of ${r.batchSize}, side by side: ${r.batches.map((b) => b.join(' ')).join(' | ')}`,
    `  at least ${r.minHealthy} targets stay healthy (checked before every drain); on failure: ${r.onFailure}`,
    `  ~${n(r.perHostSeconds)} s per host, ${r.batches.length} batches (one at a time: ~${serial} s)`,
  ];
}
