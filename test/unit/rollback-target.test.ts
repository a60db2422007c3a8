// Which release `deploy rollback` goes back to: the previous one from the first host's history, or
// `--to`; a release missing on any selected host is a usage error (exit 2) naming those hosts and
// the nearest release names, before anything is touched.
import { describe, expect, it } from 'vitest';
import { rollbackTarget } from '../../src/cli/commands/rollback-target.ts';
import { EXIT } from '../../src/errors.ts';
import { historyEntry } from '../helpers/config.ts';

const [R1, R2, R3] = ['20260101T100000Z', '20260102T100000Z', '20260103T100000Z'];
const entry = historyEntry;
const host = (name: string, releases: string[]) => ({
  name,
  current: R3,
  releases,
  history: [entry(R1, null), entry(R2, R1), entry(R3, R2)],
});

const refusal = (fn: () => unknown): { code: number; message: string } => {
  try {
    fn();
  } catch (error) {
    return { code: (error as { exitCode: number }).exitCode, message: (error as Error).message };
  }
  throw new Error('no refusal');
};

describe('rollbackTarget', () => {
  it('without --to: the release before the current one', () => {
    expect(rollbackTarget([host('a', [R1, R2, R3]), host('b', [R1, R2, R3])])).toBe(R2);
  });

  it('--to: a release from history, two back', () => {
    expect(rollbackTarget([host('a', [R1, R2, R3]), host('b', [R1, R2, R3])], R1)).toBe(R1);
  });

  it('--to a release that is nowhere: exit 2 with the nearest name', () => {
    const r = refusal(() => rollbackTarget([host('a', [R1, R2, R3])], '20260101T100001Z'));
    expect(r.code).toBe(EXIT.usage);
    expect(r.message).toBe(
      "release 20260101T100001Z is not on a (did you mean '20260101T100000Z'?); `deploy history` lists the releases",
    );
  });

  it('a release pruned on one host: exit 2 naming that host', () => {
    const r = refusal(() => rollbackTarget([host('a', [R1, R2, R3]), host('b', [R2, R3])], R1));
    expect(r.code).toBe(EXIT.usage);
    expect(r.message).toBe(`release ${R1} is not on b; \`deploy history\` lists the releases`);
  });

  it('the previous release, pruned on a later host, is refused too (it used to fail mid-rollout)', () => {
    const r = refusal(() => rollbackTarget([host('a', [R1, R2, R3]), host('b', [R3])]));
    expect(r.message).toBe(`release ${R2} is not on b; \`deploy history\` lists the releases`);
  });

  it('no previous release in the history: exit 2, pointing at --to', () => {
    const r = refusal(() => rollbackTarget([{ ...host('a', [R3]), history: [entry(R3, null)] }]));
    expect(r.code).toBe(EXIT.usage);
    expect(r.message).toMatch(/^a: no deploy of the current release .* in its history/);
  });
});
