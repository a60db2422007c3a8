// Hooks wired into the runbook (docs/hooks.md), on recording executors and virtual time: each hook
// point is a step at its place in the plan and the run, with the step context on stdin; a failing
// beforeDrain changes nothing on the host (never drained, the upload removed, the next host not
// touched); a failing after-hook takes the new JVM out of service before its undo stops it (both
// drain modes); onFailure runs after the undo and never masks the error; output is redacted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { Recorded } from '../../src/executors/recording.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { renderPlanText } from '../../src/render/plan-text.ts';
import { sequence } from '../../src/runbook/sequence.ts';
import { baseConfig, deregisterMode, edit } from '../helpers/config.ts';
import { DRAIN_TO_SETTLE, planOf, runEngine } from '../helpers/engine.ts';
import { healthyLb } from '../helpers/lb.ts';

const SECRET = 'hunter2-db-password';
const HOOKS = {
  beforeDrain: { run: './bin/migrate', where: 'host' },
  afterStart: { run: 'echo started', where: 'local' },
  afterHealthy: { run: 'curl -fsS localhost:8080/warm-up' },
  afterDeploy: [{ run: './notify deployed', where: 'local', timeoutSeconds: 30 }, { run: 'smoke' }],
  onFailure: { run: './notify failed', where: 'local' },
};

const withHooks = (hooks: Record<string, unknown>, raw = baseConfig()) =>
  edit(edit(raw, 'hooks', hooks), 'app.start', {
    command: 'java -jar app.jar',
    env: { DB_PASSWORD: SECRET },
  });

/** The hook commands recorded, each with the env lines it got on stdin. */
function hookRuns(log: Recorded[]) {
  return log
    .filter((r) => r.kind === 'hook')
    .map((r) => {
      const stdin = r.command.split("<<'STDIN'\n")[1] ?? '';
      const env = Object.fromEntries(
        stdin
          .split('\n')
          .filter((l) => l.startsWith('HANDOFF_'))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      return { host: r.host, command: r.command, env };
    });
}

const stepsOf = (events: { kind: string; host?: string; step?: string }[], host: string) =>
  events.flatMap((e) => (e.kind === 'step:start' && e.host === host ? [e.step] : []));

/** A host that answers as a real one would: /health fails once drained or stopped, passes once started. */
function liveHost(fail: (host: string, cmd: Cmd) => boolean = () => false) {
  const healthy = new Map<string, boolean>();
  return (host: string, cmd: Cmd) => {
    if (fail(host, cmd)) return { code: 1, stdout: `migration failed; password ${SECRET}\n` };
    if (cmd.kind === 'drain.post' || cmd.kind === 'jvm.stop') healthy.set(host, false);
    if (cmd.kind === 'jvm.start') healthy.set(host, true);
    if (cmd.kind === 'health.probe') return { stdout: healthy.get(host) === false ? '502' : '200' };
    if (cmd.kind === 'jvm.alive') return { stdout: healthy.get(host) === false ? 'dead\n' : 'alive\n' };
    return undefined;
  };
}

describe('hooks in the runbook', () => {
  it('each hook point is a step at its place, in the plan and in the run, with the step context', async () => {
    const { run, events, plan, log } = await runEngine({ config: withHooks(HOOKS), respond: liveHost() });
    expect(run.exitCode, run.error).toBe(0);
    expect(plan.steps).toEqual([
      'preflight',
      'upload',
      'beforeDrain',
      'drain',
      'wait',
      'stop',
      'build',
      'start',
      'afterStart',
      'health',
      'afterHealthy',
      'admit',
      'settle',
      'afterDeploy',
    ]);
    for (const host of ['a', 'b']) expect(stepsOf(events, host)).toEqual(plan.steps);
    const runs = hookRuns(log);
    // Per host: beforeDrain, afterStart, afterHealthy, afterDeploy x2, on the host or here.
    expect(runs.map((r) => `${r.host}:${r.env.HANDOFF_HOST}:${r.env.HANDOFF_HOOK}`)).toEqual([
      'a:a:beforeDrain',
      'local:a:afterStart',
      'a:a:afterHealthy',
      'local:a:afterDeploy',
      'a:a:afterDeploy',
      'b:b:beforeDrain',
      'local:b:afterStart',
      'b:b:afterHealthy',
      'local:b:afterDeploy',
      'b:b:afterDeploy',
    ]);
    expect(runs[0]!.env).toEqual({
      HANDOFF_HOOK: 'beforeDrain',
      HANDOFF_APP: 'demo',
      HANDOFF_HOST: 'a',
      HANDOFF_HOST_ADDRESS: '10.0.0.1',
      HANDOFF_RELEASE: 'r2',
      HANDOFF_RELEASE_DIR: '/srv/demo/releases/r2',
      HANDOFF_PREVIOUS_RELEASE: 'previous',
      HANDOFF_STEP: 'drain',
    });
    const perHost = ['drain', 'start', 'health', 'settle', 'settle'];
    expect(runs.map((r) => r.env.HANDOFF_STEP)).toEqual([...perHost, ...perHost]);
    // Host hooks run in the new release, local ones in the config's directory.
    expect(runs[0]!.command).toContain(' handoff /srv/demo/releases/r2 300 ./bin/migrate ');
    expect(runs[1]!.command).toContain(" handoff /work/app 300 'echo started' ");
    // Hooks get no app.start.env: the secret is nowhere in what they were sent.
    expect(runs.map((r) => r.command).join('\n')).not.toContain(SECRET);
    expect(run.hosts[0]!.outcome.state?.hookRuns?.map((h) => `${h.hook}#${h.index}:${h.code}`)).toEqual([
      'beforeDrain#1:0',
      'afterStart#1:0',
      'afterHealthy#1:0',
      'afterDeploy#1:0',
      'afterDeploy#2:0',
    ]);
  });

  it('a failing beforeDrain changes nothing: never drained, the upload removed, the next host untouched; onFailure reports', async () => {
    const { run, log, events } = await runEngine({
      config: withHooks(HOOKS),
      respond: liveHost(
        (host, cmd) => host === 'a' && cmd.kind === 'hook' && cmd.argv.includes('./bin/migrate'),
      ),
    });
    expect(run.exitCode).toBe(1);
    expect(run.result).toBe('rolled-back');
    expect(run.error).toContain('hook beforeDrain (host) failed on a (exit 1)');
    // The hook's output tail is in the error, redacted.
    expect(run.error).toContain('password ***');
    expect(JSON.stringify({ run: run.hosts.map((h) => h.outcome.state), events })).not.toContain(SECRET);
    const onA = log.filter((r) => r.host === 'a').map((r) => r.kind);
    for (const kind of ['drain.post', 'jvm.stop', 'jvm.start', 'release.switch', 'build.run'])
      expect(onA, kind).not.toContain(kind);
    expect(onA).toContain('release.remove');
    expect(run.hosts.map((h) => h.result)).toEqual(['rolled-back', 'skipped']);
    expect(log.filter((r) => r.host === 'b').map((r) => r.kind)).not.toContain('hook');
    expect(stepsOf(events, 'b')).toEqual([]);
    // onFailure ran here once, after the undo, with the failed step and the error (redacted).
    const failure = hookRuns(log).filter((r) => r.env.HANDOFF_HOOK === 'onFailure');
    expect(failure.map((r) => r.host)).toEqual(['local']);
    expect(failure[0]!.env.HANDOFF_FAILED_STEP).toBe('beforeDrain');
    expect(failure[0]!.env.HANDOFF_ERROR).toContain('hook beforeDrain (host) failed on a');
    expect(failure[0]!.env.HANDOFF_ERROR).not.toContain(SECRET);
    expect(log.findIndex((r) => r.kind === 'release.remove')).toBeLessThan(
      log.findIndex((r) => r.command.includes('./notify failed')),
    );
  });

  it('in deregister mode a failing beforeDrain makes no load-balancer call', async () => {
    const calls: string[] = [];
    const raw = deregisterMode(withHooks({ beforeDrain: { run: 'false' } }));
    const { run } = await runEngine({
      config: raw,
      lb: { port: healthyLb({ calls }), arn: 'arn:tg' },
      respond: liveHost((_h, cmd) => cmd.kind === 'hook'),
    });
    expect(run.exitCode).toBe(1);
    expect(calls).toEqual([]);
  });

  it('a failing afterHealthy (termination): the new JVM is flipped and drained before it is stopped, the old release back', async () => {
    const { run, log } = await runEngine({
      config: withHooks({ afterHealthy: { run: 'warm-up' } }),
      respond: liveHost((host, cmd) => host === 'a' && cmd.kind === 'hook'),
    });
    expect(run.exitCode).toBe(1);
    expect(run.hosts[0]!.result).toBe('rolled-back');
    const onA = log.filter((r) => r.host === 'a');
    const posts = onA.flatMap((r, i) => (r.kind === 'drain.post' ? [i] : []));
    expect(posts).toHaveLength(2); // the old JVM's drain, then the new one's withdrawal
    const stopNew = onA.findIndex((r) => r.kind === 'jvm.stop' && r.command.includes('4343'));
    expect(stopNew).toBeGreaterThan(posts[1]!);
    // The drain was waited out between the flip and the stop.
    expect(onA.slice(posts[1]!, stopNew).some((r) => r.kind === 'traffic.sample')).toBe(true);
    expect(onA.slice(stopNew).some((r) => r.kind === 'jvm.start')).toBe(true); // the previous release
    // health's undo withdraws it: the hook has no undo of its own (its step came after health).
    expect(run.hosts[0]!.outcome.steps.map((s) => s.name)).toContain('undo:health');
    expect(run.hosts[0]!.outcome.steps.map((s) => s.name)).not.toContain('undo:afterHealthy');
  });

  it('a failing afterDeploy (deregister): deregistered and drained before the stop, registered again after the restore', async () => {
    const calls: string[] = [];
    const raw = deregisterMode(withHooks({ afterDeploy: { run: 'smoke-test', where: 'local' } }));
    const { run, log } = await runEngine({
      config: raw,
      lb: { port: healthyLb({ calls }), arn: 'arn:tg' },
      respond: liveHost((host, cmd) => host === 'local' && cmd.kind === 'hook'),
    });
    expect(run.exitCode).toBe(1);
    expect(calls).toEqual([
      'deregister i-0a:8080',
      'register i-0a:8080',
      'deregister i-0a:8080', // the new JVM withdrawn
      'register i-0a:8080', // the previous release re-admitted
    ]);
    const stopNew = log.findIndex(
      (r) => r.host === 'a' && r.kind === 'jvm.stop' && r.command.includes('4343'),
    );
    expect(stopNew).toBeGreaterThan(0);
    expect(run.hosts[1]!.result).toBe('skipped');
  });

  it('a failing onFailure is a warning: the original error and exit code stand', async () => {
    const { run, events } = await runEngine({
      config: withHooks({ onFailure: { run: './notify failed', where: 'local' } }),
      respond: (host, cmd) =>
        (host === 'a' && cmd.kind === 'build.run') || cmd.kind === 'hook' ? { code: 1 } : undefined,
    });
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(/^a: /);
    expect(run.error).not.toContain('hook');
    const warnings = events.flatMap((e) => (e.kind === 'log' && e.level === 'warn' ? [e.message] : []));
    expect(
      warnings.some(
        (w) => w.includes('hook onFailure (local) failed on a') && w.includes("deploy's own error stands"),
      ),
    ).toBe(true);
  });
});

describe('hooks in the plan', () => {
  const plan = (raw: Record<string, unknown>, kind: 'deploy' | 'rollback' = 'deploy') =>
    planOf(raw, { hosts: ['a', 'b'], deregistrationDelaySeconds: 30, kind });

  it('lists every hook, onFailure included, and the timeline shows the hook steps', () => {
    const p = plan(withHooks(HOOKS));
    expect(p.hooks?.map((h) => `${h.hook}:${h.run}:${h.where}`)).toEqual([
      'beforeDrain:./bin/migrate:host',
      'afterStart:echo started:local',
      'afterHealthy:curl -fsS localhost:8080/warm-up:host',
      'afterDeploy:./notify deployed:local',
      'afterDeploy:smoke:host',
      'onFailure:./notify failed:local',
    ]);
    const text = renderPlanText(p);
    expect(text).toContain('Hooks (');
    expect(text).toMatch(/onFailure\s+\.\/notify failed {2}\(local, at most 300 s\)/);
    const row = p.timeline.find((e) => e.host === 'a' && e.step === 'afterDeploy');
    expect(row?.note).toContain('./notify deployed (local); smoke (host); at most 330 s');
    expect(row?.durationSeconds).toBe(2);
  });

  it('the plan schema holds the hook steps and hooks[], and refuses a hook it does not know', () => {
    const schema = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../schema/plan.schema.json'), 'utf8'),
    );
    const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);
    const p = plan(withHooks(HOOKS));
    expect(validate(p), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...p, hooks: [{ ...p.hooks![0]!, hook: 'beforeBuild' }] })).toBe(false);
    expect(validate({ ...p, steps: [...p.steps, 'beforeBuild'] })).toBe(false);
  });

  it('no hooks: no hook steps and no hooks field; a rollback runs none', () => {
    expect(plan(baseConfig()).steps).not.toContain('beforeDrain');
    expect(plan(baseConfig())).not.toHaveProperty('hooks');
    const rb = plan(withHooks(HOOKS), 'rollback');
    expect(rb.steps.some((s) => /^(before|after)/.test(s))).toBe(false);
    expect(rb).not.toHaveProperty('hooks');
  });

  it("a swap's beforeDrain comes before the new JVM starts (the first step that changes what serves)", () => {
    const all = ['beforeDrain', 'afterStart', 'afterHealthy', 'afterDeploy'] as const;
    expect(sequence({ strategy: 'swap', buildWhere: 'host', kind: 'deploy', hooks: all })).toEqual([
      'preflight',
      'upload',
      'build',
      'beforeDrain',
      'start',
      'afterStart',
      'health',
      'afterHealthy',
      'admit',
      'settle',
      'drain',
      'wait',
      'stop',
      'afterDeploy',
    ]);
    expect(
      sequence({ strategy: 'build-first', buildWhere: 'host', kind: 'deploy', hooks: ['beforeDrain'] }),
    ).toEqual(['preflight', 'upload', 'build', 'beforeDrain', ...DRAIN_TO_SETTLE]);
  });
});
