// GitHub Actions (GITHUB_ACTIONS=true): the plain lines, one collapsible group per host (hosts side
// by side are written one block each), and
// annotations for failures and rollbacks so they show on the run page without opening the log.
// Workflow commands are formatted here (no @actions/core): the format is a few escaping rules.
import { randomUUID } from 'node:crypto';
import { relative, resolve } from 'node:path';
import { type ConfigIssue, issueText } from '../config/issues.ts';
import type { DeployEvent } from '../engine/events.ts';
import { byHost } from './per-host.ts';
import { lineClock, plainLine } from './plain.ts';

/** Message part of a workflow command: only % CR LF are special. */
export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Property values (title=...): also : and , which delimit properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

export function workflowCommand(name: string, props: Record<string, string>, message: string): string {
  const p = Object.entries(props)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${name}${p ? ` ${p}` : ''}::${escapeData(message)}`;
}

// A line of ours starts with a timestamp, so it cannot start a `::` command; text from the host
// (build output, the app log tail), a host name or a CLI argument can, on a line of its own, and
// `##[` is parsed anywhere in a line. Such text is fenced with stop-commands and a token nobody can
// guess (GitHub's own way to print untrusted text).
const unsafe = (text: string) =>
  text.includes('##[') || text.split(/\r?\n|\r/).some((line) => line.trimStart().startsWith('::'));

/** Free text for an Actions log: as is when no line of it could be read as a workflow command. */
export function fenceCommands(text: string, token: string = randomUUID()): string {
  if (!unsafe(text)) return text;
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `::stop-commands::${token}\n${body}::${token}::\n`;
}

export function githubRenderer(out: NodeJS.WritableStream): (e: DeployEvent) => void {
  const token = randomUUID();
  const clock = lineClock();
  let failed = false;
  // One group per host, never interleaved (groups do not nest): hosts side by side are written
  // one block each (per-host.ts), their annotations with them.
  const route = byHost((text) => out.write(text), {
    open: (host) => [`::group::${escapeData(host)}\n`],
    close: () => ['::endgroup::\n'],
  });
  const annotation = (level: 'error' | 'warning', title: string, message: string) => {
    if (level === 'error') failed = true;
    return `${workflowCommand(level, { title }, message)}\n`;
  };

  return (e) => {
    const at = e as { kind: string; host?: string };
    // A warn or error log is its own line in the log: the annotation shows there, no plain twin.
    if (e.kind === 'log' && e.level !== 'info') {
      const title = e.host ? `handoff: ${e.host}` : 'handoff';
      return route(at, annotation(e.level === 'error' ? 'error' : 'warning', title, e.message));
    }
    const line = plainLine(e, clock(e));
    if (line !== undefined) route(at, fenceCommands(`${line}\n`, token));
    const note = annotationOf(e, failed);
    if (note) route(at, annotation(...note));
  };
}

/** The annotation an event deserves, if any: failures, rollbacks, and an exit that is not 0. */
function annotationOf(
  e: DeployEvent,
  failedBefore: boolean,
): ['error' | 'warning', string, string] | undefined {
  switch (e.kind) {
    case 'step:end':
      return e.ok ? undefined : ['error', `${e.step} failed on ${e.host}`, e.detail];
    case 'rollback:start':
      return ['warning', `rolling back ${e.host}`, `restoring the previous release: ${e.reason}`];
    case 'rollback:end':
      return e.ok
        ? undefined
        : [
            'error',
            `rollback failed on ${e.host}`,
            `${e.detail}\nThe host may not be serving: a person is needed (deploy status, deploy rollback).`,
          ];
    case 'deploy:end':
      // An interrupt, or a failure outside any step, still deserves one annotation.
      return e.exitCode !== 0 && !failedBefore
        ? ['error', `deploy ${e.result}`, `exit ${e.exitCode}; see the log and the report`]
        : undefined;
    default:
      return undefined;
  }
}

const FAILURE_TITLES: Record<number, string> = {
  1: 'deploy failed',
  2: 'deploy refused: nothing was changed',
  3: 'deploy refused: the hosts are locked',
};

export const failureTitle = (exitCode: number) =>
  FAILURE_TITLES[exitCode] ?? `handoff failed (exit ${exitCode})`;

/**
 * A failure that ends the command before the engine reports one (bad config, a refused host key,
 * a held lock, a local build): annotations too, or the run page shows only "exit code 2". Config
 * issues are filed on the config file, one each, so they show beside it in a pull request.
 */
export function failureAnnotations(
  error: { message: string; exitCode: number; file?: string; issues?: ConfigIssue[] },
  where: { cwd: string; workspace: string },
): string[] {
  const title = failureTitle(error.exitCode);
  if (!error.file || !error.issues?.length) return [workflowCommand('error', { title }, error.message)];
  const file = relative(where.workspace, resolve(where.cwd, error.file));
  return error.issues.map((issue) =>
    workflowCommand('error', { file, title: 'invalid deploy config' }, issueText(issue)),
  );
}
