// The single source of truth for deploy.config.ts: types, defaults, descriptions, the editor
// JSON Schema (scripts/gen-schema.ts) and the README's configuration reference all come from here.
import { z } from 'zod';
import { drainSchema } from '../drain/registry.ts';
import { hooksSchema } from '../hooks/schema.ts';
import { STRATEGIES } from '../runbook/types.ts';
import { TRANSPORT_NAMES } from '../transports/registry.ts';
import { app } from './schema-app.ts';
import { positiveSeconds, threshold } from './schema-helpers.ts';
import { maintenance } from './schema-maintenance.ts';
import { rollout } from './schema-rollout.ts';
import { jump, ssh } from './schema-ssh.ts';
import { ssm } from './schema-ssm.ts';

// One name per transport in the registry (src/transports/registry.ts).
const transportName = z.enum(TRANSPORT_NAMES);

const staticHost = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
      'a host name is a word of letters, digits, . _ - (at most 63, starting with a letter or digit)',
    )
    .describe(
      'Name used in output and --hosts: letters, digits, . _ - (it appears in logs and CI annotations).',
    ),
  host: z.string().min(1).describe('Address to reach the host over SSH.'),
  port: z.number().int().min(1).max(65535).default(22).describe('SSH port.'),
  user: z.string().min(1).default('ec2-user').describe('SSH user.'),
  privateKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "SSH private key (not readable by others: OpenSSH refuses such a key, and so does handoff); default: the agent, then ~/.ssh/id_rsa, id_ecdsa, id_ed25519 (OpenSSH's order).",
    ),
  instanceId: z
    .string()
    .regex(/^i-[0-9a-z]+$/, 'an EC2 instance id looks like i-0abc1234def567890')
    .optional()
    .describe('EC2 instance id: the target Id in the target group.'),
  strictHostKeyChecking: z.boolean().optional().describe('Per-host override of ssh.strictHostKeyChecking.'),
  transport: transportName.optional().describe('Per-host override of transport.'),
  jump: jump.optional().describe("Per-host override of ssh.jump ('none': reached directly)."),
});

const hosts = z
  .union([
    z.array(staticHost).min(1, 'list at least one host'),
    z.strictObject({
      discover: z.strictObject({
        tags: z
          .record(z.string(), z.string())
          .describe('EC2 tags every host must carry (running instances only).'),
        address: z.enum(['private', 'public']).default('private').describe('Which address to SSH to.'),
        user: z.string().min(1).default('ec2-user').describe('SSH user for discovered hosts.'),
        privateKeyPath: z.string().min(1).optional().describe('SSH private key for discovered hosts.'),
      }),
    }),
  ])
  .describe('The instances, one at a time: a list, or { discover: { tags } } through EC2.');

const healthCheck = z
  .strictObject({
    intervalSeconds: positiveSeconds('HealthCheckIntervalSeconds (AWS: 5-300).'),
    timeoutSeconds: positiveSeconds('HealthCheckTimeoutSeconds (AWS: 2-120, below the interval).'),
    unhealthyThreshold: threshold('UnhealthyThresholdCount (2-10).'),
    healthyThreshold: threshold('HealthyThresholdCount (2-10).'),
  })
  .describe(
    "The target group's health check: used when there is no targetGroup, and by `plan` and `run --dry-run` when AWS cannot be asked (no credentials, no network; labelled). A real `run` always reads the target group.",
  );

const loadBalancer = z
  .strictObject({
    targetGroup: z
      .string()
      .min(1)
      .optional()
      .describe('Target group name or ARN: settings are read from AWS.'),
    region: z
      .string()
      .min(1)
      .optional()
      .describe('AWS region; default: the SDK chain (AWS_REGION, profile).'),
    endpoint: z.url().optional().describe('ELBv2 endpoint override (a local or test endpoint).'),
    healthCheck: healthCheck.optional(),
    deregistrationDelaySeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(300)
      .describe('deregistration_delay.timeout_seconds, when not read from AWS (as healthCheck).'),
  })
  .describe(
    '{ targetGroup, region } read from AWS, or an offline { healthCheck, deregistrationDelaySeconds }; both: AWS, with the offline numbers as the fallback of plan.',
  );

// One branch per drain mode, from the registry (src/drain/registry.ts).
const drain = drainSchema.describe('How traffic is taken away from a host before its JVM is stopped.');

export const configSchema = z
  .strictObject({
    app,
    hosts,
    loadBalancer,
    drain: drain.default({
      mode: 'termination',
      path: '/termination',
      responseSeconds: 0.1,
      model: 'fixed-rate',
      marginSeconds: 2,
      quietSeconds: 3,
    }),
    rollout,
    maintenance: maintenance.optional(),
    strategy: z
      .enum([...STRATEGIES, 'auto'])
      .default('stop-first')
      .describe(
        "'stop-first': stop the old JVM before building (memory-safe); 'build-first': the old order; 'swap': start the new JVM beside the old one on the other port of app.ports, move the target over, then stop the old one (one instance, no downtime, when both JVMs fit); 'auto': look at each host first (read-only) and take the swap when both JVMs fit under memory.warnPercent, else stop-first when another target is healthy, else refuse with the numbers and the remedies.",
      ),
    memory: z
      .strictObject({
        intervalSeconds: z
          .number()
          .min(0.1)
          .max(60)
          .default(1)
          .describe('Sampling period on the host (0.1-60 s: the proof of no overlap needs a fine grain).'),
        source: z.enum(['auto', 'meminfo', 'cgroup']).default('auto').describe('Where used memory is read.'),
        cgroupPath: z
          .string()
          .startsWith('/')
          .optional()
          .describe('Memory cgroup to read (default: detected).'),
        warnPercent: z
          .number()
          .min(1)
          .max(100)
          .default(90)
          .describe('Budget preflight warns above this peak.'),
        buildPeakMb: z
          .number()
          .positive()
          .optional()
          .describe(
            "Expected build peak (MB); default: what the last build took on the host (or in the last report), else what the release's gradle.properties declares (the heap cap of org.gradle.jvmargs, Gradle's own -Xmx512m when unset), else 450.",
          ),
        newJvmMb: z
          .number()
          .positive()
          .optional()
          .describe("Expected RSS of the new JVM (MB); default: the last report's, else the old JVM's."),
      })
      .describe('The 1-Hz memory sampler on the host.')
      .prefault({}),
    transport: transportName
      .default('ssh')
      .describe(
        "How commands reach the hosts: 'ssh' or 'ssm' (Systems Manager Run Command: docs/transports.md). Per host: hosts[].transport.",
      ),
    ssh,
    ssm,
    lock: z
      .strictObject({
        staleAfterMinutes: positiveSeconds(
          'A lock older than this whose owner is gone is called stale.',
        ).default(60),
        waitSeconds: z
          .number()
          .min(0)
          .default(0)
          .describe(
            'Queue behind a running deploy for up to this long instead of exiting 3 at once (--wait-lock); a stale lock is never waited for.',
          ),
      })
      .describe('The deploy lock kept on each host.')
      .prefault({}),
    report: z
      .strictObject({
        dir: z.string().min(1).default('deploy-report').describe('Where report.json and charts go.'),
      })
      .describe('The deploy report (overridden by --report-dir).')
      .prefault({}),
    hooks: hooksSchema,
  })
  .describe('handoff deploy configuration');

export type DeployConfigInput = z.input<typeof configSchema>;
export type DeployConfig = z.output<typeof configSchema>;
export type HealthCheckSettings = z.output<typeof healthCheck>;
export type StaticHost = z.output<typeof staticHost>;
export type DrainConfig = DeployConfig['drain'];
