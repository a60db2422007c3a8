// The `rollout` part of the config: batches and the healthy floor (docs/rollout.md).
import { z } from 'zod';

const pct = z
  .string()
  .regex(/^(100|[1-9]?\d)%$/, "a percentage of the fleet is written like '25%' (0-100)")
  .transform((s) => s as `${number}%`);

export const rollout = z
  .strictObject({
    batchSize: z
      .union([z.number().int().min(1), pct])
      .default(1)
      .describe(
        "Hosts deployed side by side: a count, or 'P%' of the hosts (rounded down, at least 1). Batches run one after the other.",
      ),
    minHealthy: z
      .union([z.number().int().min(0), pct])
      .default(1)
      .describe(
        "Targets that must stay healthy: a count, or 'P%' of the fleet (rounded up). Checked against the load balancer (or the hosts' own health) before every drain and never broken: a host waits until draining it keeps the floor. --allow-downtime is the only way below it.",
      ),
    onFailure: z
      .enum(['stop', 'rollback-all'])
      .default('stop')
      .describe(
        "'stop': the first failure stops new drains; the failed hosts are restored, hosts already draining finish, the rest are not touched. 'rollback-all': as 'stop', then the hosts this deploy got onto the new release go back to their previous one (newest first, in batches, the floor kept).",
      ),
    floorWaitSeconds: z
      .number()
      .positive()
      .default(600)
      .describe('How long a host waits for the floor before it is left out (nothing changed on it).'),
  })
  .describe('Batches: how many hosts at once, and how many targets must stay healthy.')
  .prefault({});
