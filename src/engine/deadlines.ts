// Each step's deadline (docs/contracts.md, "Step deadlines"): how long a step may take, from the
// config, and the executor view a step gets so that every command it sends carries the time left
// (RunOptions.deadline). The transport bounds the command with it: ssm on the host
// (executionTimeout, the agent kills it), ssh by closing the channel. Steps without a bound of their
// own get none (their commands fall back on the transport's default).
import type { DeployConfig } from '../config/schema.ts';
import { around, type Executor } from '../executors/types.ts';
import type { EngineStep } from './events.ts';

/** Seconds past its grace a stop may take (SIGKILL and the check that the JVM is gone). */
const STOP_SLACK_SECONDS = 15;

export function stepDeadlineSeconds(step: EngineStep, config: DeployConfig): number | undefined {
  switch (step) {
    case 'build':
      return config.app.build.timeoutSeconds;
    case 'stop':
      return config.app.stop.graceSeconds + STOP_SLACK_SECONDS;
    default:
      return undefined;
  }
}

/** The executor with `deadline` (epoch ms) on every command that does not carry one already. */
export function withDeadline(exec: Executor, deadline: number): Executor {
  return around(exec, (_via, _cmd, opts, call) => call({ deadline, ...opts }));
}
