// The `ssh` part of the config: host keys verified against known_hosts, connect timeout and
// attempts, the jump host (bastion: OpenSSH's ProxyJump, as a string or as hops; also per host) and
// an OpenSSH client config to read.
import { z } from 'zod';
import { parseProxyJump } from '../executors/jump.ts';
import { positiveSeconds } from './schema-helpers.ts';

const hop = z.strictObject({
  host: z
    .string()
    .min(1)
    .describe('Address of the jump host, as this machine (or the hop before) reaches it.'),
  port: z.number().int().min(1).max(65535).default(22).describe('SSH port of the jump host.'),
  user: z.string().min(1).optional().describe("SSH user on the jump host; default: the host's user."),
  privateKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe("Key for the jump host; default: the host's key (privateKeyPath, else the agent and ~/.ssh)."),
});

const proxyJump = z.string().superRefine((value, ctx) => {
  const parsed = parseProxyJump(value);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});

export const jump = z
  .union([proxyJump, z.array(hop).min(1)])
  .describe(
    "Jump hosts (OpenSSH's ProxyJump): '[user@]host[:port]', several separated by commas and dialled in that order, or a list of { host, port, user, privateKeyPath }; 'none' for no jump. Every hop's host key is verified against knownHostsPath like the host's.",
  );

const sshConfigFile = z
  .union([z.boolean(), z.string().min(1)])
  .default(false)
  .describe(
    "Read an OpenSSH client config for each host: true for ~/.ssh/config, or a path. A host's `host` is then looked up as a `Host` alias, and the file's HostName, User, Port, IdentityFile and ProxyJump take the place of the deploy config's (ssh.jump and hosts[].jump still win over ProxyJump).",
  );

export const ssh = z
  .strictObject({
    knownHostsPath: z
      .string()
      .min(1)
      .default('~/.ssh/known_hosts')
      .describe(
        'known_hosts used to verify host keys, read as OpenSSH reads it (patterns, negation, hashed names, @revoked); a host vouched for only by @cert-authority is refused (host certificates are not verified).',
      ),
    strictHostKeyChecking: z
      .boolean()
      .default(true)
      .describe(
        'Refuse unknown host keys (changed keys are always refused); false accepts an unknown key with a loud warning naming its fingerprint.',
      ),
    connectTimeoutSeconds: positiveSeconds('SSH connect timeout.').default(10),
    connectAttempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe(
        'Attempts per SSH connection, 1 s, 2 s, 4 s ... apart (OpenSSH: ConnectionAttempts); only network failures are retried, never a refused host key or login. Also used to reconnect after a connection is lost mid-deploy.',
      ),
    jump: jump.optional(),
    configFile: sshConfigFile,
  })
  .describe('SSH connections: host keys are verified against known_hosts.')
  .prefault({});

export type JumpConfig = z.output<typeof jump>;
