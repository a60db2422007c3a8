// Step deadlines (src/engine/deadlines.ts): which steps have one, and that every command of such a
// step carries it while other steps' commands carry none.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { stepDeadlineSeconds, withDeadline } from '../../src/engine/deadlines.ts';
import { RecordingExecutor } from '../../src/executors/recording.ts';
import { capabilitiesOf, type RunOptions } from '../../src/executors/types.ts';
import { baseConfig, edit } from '../helpers/config.ts';
import { runEngine } from '../helpers/engine.ts';

const config = (c = baseConfig()) => {
  const v = validateConfig(c);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.config;
};

describe('step deadlines', () => {
  it('build: app.build.timeoutSeconds (an hour unless set); stop: the grace + 15 s; the waits have their own bounds', () => {
    expect(stepDeadlineSeconds('build', config())).toBe(3600);
    expect(
      stepDeadlineSeconds('build', config(edit(baseConfig(), 'app.build', { timeoutSeconds: 90 }))),
    ).toBe(90);
    expect(stepDeadlineSeconds('stop', config(edit(baseConfig(), 'app.stop', { graceSeconds: 20 })))).toBe(
      35,
    );
    for (const s of ['preflight', 'upload', 'drain', 'wait', 'health', 'settle'] as const)
      expect(stepDeadlineSeconds(s, config())).toBeUndefined();
  });

  it('withDeadline adds the deadline to each command, keeps one already given, and the capabilities', async () => {
    const seen: (number | undefined)[] = [];
    const inner = new RecordingExecutor('h');
    const spy = Object.assign(Object.create(inner) as RecordingExecutor, {
      run: (cmd: never, o: RunOptions = {}) => {
        seen.push(o.deadline);
        return inner.run(cmd, o);
      },
    });
    const exec = withDeadline(spy, 1234);
    await exec.run({ kind: 'build.run', argv: ['true'] });
    await exec.run({ kind: 'build.run', argv: ['true'] }, { deadline: 99 });
    expect(seen).toEqual([1234, 99]);
    expect(capabilitiesOf(exec)).toEqual(capabilitiesOf(inner));
  });

  it('the engine sends the build with its deadline, timed from the step start, and nothing else with one', async () => {
    const seen: { kind: string; deadline?: number }[] = [];
    const r = await runEngine({
      config: edit(baseConfig(), 'app.build', { timeoutSeconds: 90 }),
      observe: (_host, cmd, opts) =>
        seen.push({ kind: cmd.kind, ...(opts.deadline ? { deadline: opts.deadline } : {}) }),
    });
    expect(r.run.exitCode).toBe(0);
    const build = r.run.hosts[0]!.outcome.steps.find((s) => s.name === 'build')!;
    const builds = seen.filter((s) => s.kind === 'build.run');
    expect(builds).toHaveLength(2);
    expect(builds[0]!.deadline).toBe(Date.parse(build.startedAt) + 90_000);
    const stops = seen.filter((s) => s.kind === 'jvm.stop');
    expect(stops.every((s) => s.deadline !== undefined)).toBe(true);
    const others = seen.filter((s) => !['build.run', 'jvm.stop', 'mark'].includes(s.kind));
    expect(others.length).toBeGreaterThan(10);
    expect(others.filter((s) => s.deadline !== undefined)).toEqual([]);
  });
});
