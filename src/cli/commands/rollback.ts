// `deploy rollback`: the same engine and steps, without upload and build, targeting the release
// that ran before the current one (from the first host's own history).
import { randomUUID } from 'node:crypto';
import { configRedactor } from '../../core/redact.ts';
import { realClock } from '../../engine/clock.ts';
import { deploy } from '../../engine/deploy.ts';
import { currentUser, lockOwner } from '../../engine/locks.ts';
import { UsageError } from '../../errors.ts';
import * as c from '../../remote/commands.ts';
import { layout } from '../../remote/layout.ts';
import { confirmOrCancel } from '../confirm.ts';
import type { Io } from '../io.ts';
import { interruptOnSignals } from '../signals.ts';
import { connectHost } from './connect.ts';
import { parseHistory, previousFromHistory } from './hosts-info.ts';
import { makePlan } from './plan.ts';
import { openRunOutput } from './run-output.ts';

export async function rollbackCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const { plan, config, hosts, allHosts } = await makePlan(values, io, { kind: 'rollback' });
  const first = hosts[0];
  if (!first) throw new UsageError('no hosts to roll back');
  const probe = await connectHost(config, first, io.cwd);
  let target: string | undefined;
  try {
    const l = layout(config.app.dir);
    const state = (await probe.run(c.readState(l))).stdout;
    const current = /^current=(.*)$/m.exec(state)?.[1];
    const history = parseHistory((await probe.run(c.readHistory(l))).stdout, first.name, (m) =>
      io.stderr.write(`warning: ${m}\n`),
    );
    target = previousFromHistory(history, current);
    if (!target)
      throw new UsageError(
        `${first.name}: no deploy of the current release (${current ?? 'none'}) in its history, so there is no previous release to go back to`,
      );
  } finally {
    await probe.close();
  }
  await confirmOrCancel(
    io,
    Boolean(values.yes),
    `Roll ${config.app.name} back to release ${target} on ${hosts.map((h) => h.name).join(', ')}, one host at a time?`,
  );
  const human = values.json ? io.stderr : io.stdout;
  const output = openRunOutput({ human, env: io.env, clock: realClock, redact: configRedactor(config) });
  // The same handling as `run`: a second Ctrl-C mid-step must not kill the undo.
  const interrupt = interruptOnSignals((text) => output.say(text));
  try {
    const run = await deploy({
      config,
      plan,
      hosts,
      clock: realClock,
      signal: interrupt.signal,
      emit: output.emit,
      releaseId: target,
      dryRun: false,
      allowDowntime: Boolean(values['allow-downtime']),
      owner: lockOwner({
        token: randomUUID(),
        user: currentUser(),
        pid: process.pid,
        now: Date.now(),
        env: io.env,
        environment: plan.environment,
      }),
      connect: (host) => connectHost(config, host, io.cwd),
      peers: allHosts,
      upload: async () => 'kept',
      rollback: true,
    });
    if (run.error) output.say(`error: ${run.error}\n`);
    if (values.json)
      io.stdout.write(
        `${JSON.stringify({ version: 1, target, ...run, hosts: run.hosts.map((h) => ({ name: h.name, result: h.result, steps: h.outcome.steps })) }, null, 2)}\n`,
      );
    return run.exitCode;
  } finally {
    interrupt.dispose();
  }
}
