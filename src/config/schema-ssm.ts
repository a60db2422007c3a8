// The `ssm` part of the config: transport 'ssm', Systems Manager Run Command (docs/transports.md):
// the endpoint, a command's execution and delivery timeouts, the S3 bucket for uploads and its
// presigned URLs, and the join window of hosts side by side.
import { z } from 'zod';

export const ssm = z
  .strictObject({
    region: z
      .string()
      .min(1)
      .optional()
      .describe('AWS region; default: the SDK chain (AWS_REGION, profile).'),
    endpoint: z.url().optional().describe('Systems Manager endpoint override (a local or test endpoint).'),
    executionTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(172_800)
      .default(3600)
      .describe("A command's executionTimeout on the host when its step sets no deadline."),
    deliveryTimeoutSeconds: z
      .number()
      .int()
      .min(30)
      .max(2_592_000)
      .default(60)
      .describe(
        "TimeoutSeconds: how long a command may wait for the host's agent to take it (the command then never runs).",
      ),
    bucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
      )
      .optional()
      .describe(
        'S3 bucket for uploads: the release goes there once and each host fetches it through a presigned URL (without it: 48 KiB pieces through Run Command).',
      ),
    bucketPrefix: z
      .string()
      .regex(/^[^/].*\/$|^$/, "a key prefix ending in '/' (or empty)")
      .default('handoff/')
      .describe('Key prefix of the release objects in the bucket (objects are named by their sha256).'),
    s3Endpoint: z.url().optional().describe('S3 endpoint override (a local or test endpoint; path-style).'),
    presignSeconds: z
      .number()
      .int()
      .min(30)
      .max(3600)
      .default(300)
      .describe(
        'How long a presigned URL works: the host fetches at once, and the URL stays in Run Command history.',
      ),
    joinWindowMs: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(50)
      .describe(
        'How long a command waits for the same command from the other hosts of its batch, to go out as one SendCommand; 0: one SendCommand per host.',
      ),
  })
  .describe("Transport 'ssm': Systems Manager Run Command (docs/transports.md).")
  .prefault({});
