// wait's runs (src/runbook/steps/wait.ts): the drain waited out (a swap: on the old port).
import { live, onPort } from '../../strategy/swap-ports.ts';
import type { StepRuns } from '../context.ts';
import { waitUntilDrained } from '../waits.ts';

export const runs: StepRuns = {
  rolling: { run: (ctx) => waitUntilDrained(ctx) },
  swap: { run: (ctx) => waitUntilDrained(onPort(ctx, live(ctx))) },
};
