// The `app` section of deploy.config.ts: where the app lives on the host and how it is built,
// started, stopped and checked. Part of the schema in schema.ts.
import { z } from 'zod';
import { positiveSeconds } from './schema-helpers.ts';

/** A POSIX environment variable name: `env` would read anything else as an option or a command. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Passed to git on the host: a leading '-' would be read as an option (--upload-pack runs a command).
const notAnOption = (description: string) =>
  z
    .string()
    .min(1)
    .regex(/^[^-]/, "must not start with '-' (git would read it as an option)")
    .describe(description);

const health = z
  .strictObject({
    path: z.string().startsWith('/').default('/health').describe('Health endpoint on the app port.'),
    expectStatus: z.number().int().min(100).max(599).default(200).describe('Status a healthy app answers.'),
    timeoutSeconds: positiveSeconds('How long a new JVM may take to answer healthy before rollback.').default(
      120,
    ),
    intervalSeconds: positiveSeconds('First delay between health polls (backs off up to 4x).').default(1),
  })
  .describe('How the tool checks the app on the host itself (loopback), independent of the load balancer.');

const source = z
  .union([
    z
      .strictObject({
        commit: z.string().min(1).describe("Git revision of the local checkout to upload, e.g. 'HEAD'."),
      })
      .describe(
        'Upload a git revision of the checkout the tool runs in (the default; in GitHub Actions: the checkout).',
      ),
    z.strictObject({ dir: z.string().min(1).describe('Local directory uploaded as is.') }),
    z.strictObject({
      git: z
        .strictObject({
          url: notAnOption('Repository URL the host can fetch (credentials in it are never shown).'),
          ref: notAnOption('Branch, tag or commit to fetch.').default('main'),
        })
        .describe('The host fetches the source itself.'),
    }),
  ])
  .describe('What gets deployed: { commit }, { dir } or { git: { url, ref } }.');

export const app = z
  .strictObject({
    name: z.string().min(1).describe('App name, used in release ids, lock and log messages.'),
    dir: z
      .string()
      .startsWith('/')
      .default('/srv/app')
      .describe('Host directory that holds releases/, current and the deploy lock.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(8080)
      .describe('Port the app (and its health check) listens on.'),
    ports: z
      .tuple([z.number().int().min(1).max(65535), z.number().int().min(1).max(65535)])
      .optional()
      .describe(
        "strategy 'swap': the two ports the app alternates between (app.port is one of them); each deploy starts the new JVM on the other one.",
      ),
    portEnv: z
      .string()
      .regex(ENV_NAME, 'not an environment variable name')
      .default('SERVER_PORT')
      .describe(
        "strategy 'swap': the environment variable the app reads its port from (Spring Boot: SERVER_PORT).",
      ),
    health: health.prefault({}),
    start: z
      .strictObject({
        command: z
          .string()
          .min(1)
          .default('java -jar build/libs/app.jar')
          .describe('Starts the app, run in the release directory.'),
        env: z
          .record(z.string().regex(ENV_NAME, 'not an environment variable name'), z.string())
          .default({})
          .describe(
            'Environment for the start command. Names: letters, digits, _ (not first). Values are secrets: never shown, sent on stdin, stored mode 0600.',
          ),
        bootSeconds: positiveSeconds('Estimate of the time from start to healthy (plan only).').default(20),
      })
      .describe('How the new JVM is started: detached (setsid), output to a log file, PID file.')
      .prefault({}),
    stop: z
      .strictObject({
        graceSeconds: positiveSeconds(
          'SIGTERM, then SIGKILL after this many seconds (Spring Boot: 30 per phase).',
        ).default(30),
      })
      .describe('How the old JVM is stopped: SIGTERM, grace period, SIGKILL.')
      .prefault({}),
    build: z
      .strictObject({
        command: z
          .string()
          .min(1)
          .default('./gradlew bootJar')
          .describe('Builds the artifact in the release directory.'),
        where: z
          .enum(['host', 'local'])
          .default('host')
          .describe(
            "'host': build in the release on the host; 'local': build here and upload the artifact before draining.",
          ),
        artifact: z
          .string()
          .min(1)
          .default('build/libs/app.jar')
          .describe('Path of the built artifact, relative to the release.'),
        estimateSeconds: positiveSeconds('Estimate of the build time (plan only).').default(60),
        timeoutSeconds: positiveSeconds(
          "The build step's deadline: the build is ended then and the host rolled back (ssm: the command's executionTimeout).",
        ).default(3600),
      })
      .describe('How the release is built.')
      .prefault({}),
    source: source.default({ commit: 'HEAD' }),
    releases: z
      .strictObject({
        keep: z
          .number()
          .int()
          .min(2)
          .default(5)
          .describe('Releases kept per host (the running one and the rollback target are never pruned).'),
      })
      .describe('Release directories kept on each host.')
      .prefault({}),
  })
  .describe('The app: where it lives on the host, how it is built, started, stopped and checked.');
