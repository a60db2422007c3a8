// Pure: which release `deploy rollback` goes back to, from what the selected hosts hold: the one
// before the current release in the first host's history, or `--to <release>` (any from `deploy
// history`). Either must be on every selected host, else exit 2 before anything is touched.
import { closeMatches } from '../../config/issues.ts';
import { UsageError } from '../../errors.ts';
import { type HistoryEntry, previousFromHistory } from './hosts-info.ts';

export type HostReleases = {
  name: string;
  current: string | undefined;
  /** The release directories on the host (`releases/<id>`). */
  releases: string[];
  history: HistoryEntry[];
};

export function rollbackTarget(hosts: HostReleases[], to?: string): string {
  const first = hosts[0];
  if (!first) throw new UsageError('no hosts to roll back');
  const target = to ?? previousFromHistory(first.history, first.current);
  if (!target)
    throw new UsageError(
      `${first.name}: no deploy of the current release (${first.current ?? 'none'}) in its history, so there is no previous release to go back to; name one with --to (\`deploy history\` lists them)`,
    );
  const missing = hosts.filter((h) => !h.releases.includes(target)).map((h) => h.name);
  if (missing.length === 0) return target;
  // Suggested only when it is on no host at all: a typo, not a release pruned on some.
  const known = new Set(hosts.flatMap((h) => h.releases));
  const near = known.has(target) ? [] : closeMatches(target, [...known], true);
  throw new UsageError(
    `release ${target} is not on ${missing.join(', ')}${near.length ? ` (did you mean '${near[0]}'?)` : ''}; \`deploy history\` lists the releases`,
  );
}
