// Plain lines for logs and CI (not a TTY): one line per meaningful event, no ANSI.
import type { DeployEvent } from '../engine/events.ts';
import { byHost } from './per-host.ts';

const time = (at: number) => new Date(at).toISOString().slice(11, 19);

/**
 * The time a line starts with: the time of day, or in a dry run the offset from its start, marked
 * `+`: a dry run's clock is virtual (no wait really waits), and a time of day there would pass a
 * 58 s "deploy" done in a second off as real.
 */
export function lineClock(): (e: DeployEvent) => string {
  let virtualStart: number | undefined;
  return (e) => {
    if (e.kind === 'deploy:start') virtualStart = e.dryRun ? e.at : undefined;
    return virtualStart === undefined ? time(e.at) : `+${((e.at - virtualStart) / 1000).toFixed(1)}s`;
  };
}

export function plainLine(e: DeployEvent, t = time(e.at)): string | undefined {
  switch (e.kind) {
    case 'deploy:start':
      return `${t} deploy ${e.app} release ${e.releaseId} to ${e.hosts.join(', ')} (${e.strategy}, drain ${e.mode}${e.dryRun ? '; DRY RUN: virtual time, +seconds from the start, nothing waits' : ''})`;
    case 'host:start':
      return `${t} [${e.host}] host ${e.index + 1}/${e.total}`;
    case 'step:start':
      return `${t} [${e.host}] ${e.step} ...`;
    case 'step:end':
      return `${t} [${e.host}] ${e.step} ${e.ok ? 'ok' : 'FAILED'} (${(e.ms / 1000).toFixed(1)} s) ${e.detail}`;
    case 'rollback:start':
      return `${t} [${e.host}] rolling back: ${e.reason.split('\n')[0]}`;
    case 'rollback:end':
      return `${t} [${e.host}] rollback ${e.ok ? 'done' : 'FAILED'}: ${e.detail}`;
    case 'log':
      return `${t} ${e.host ? `[${e.host}] ` : ''}${e.level === 'info' ? '' : `${e.level}: `}${e.message}`;
    case 'host:end':
      return `${t} [${e.host}] ${e.result}`;
    case 'deploy:end':
      return `${t} ${e.result} (exit ${e.exitCode})${e.reportDir ? `; report: ${e.reportDir}/report.json` : ''}`;
    case 'health:poll':
    case 'wait:tick':
    case 'command':
      return undefined;
  }
}

/** Plain lines, each host's kept together when hosts run side by side (per-host.ts). */
export function plainRenderer(out: NodeJS.WritableStream): (e: DeployEvent) => void {
  const clock = lineClock();
  const route = byHost((text) => out.write(text));
  return (e) => {
    const line = plainLine(e, clock(e));
    if (line !== undefined) route(e as { kind: string; host?: string }, `${line}\n`);
  };
}
