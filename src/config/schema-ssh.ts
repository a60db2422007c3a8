// The jump-host (bastion) part of the config: OpenSSH's ProxyJump, as a string or as hops.
import { z } from 'zod';
import { parseProxyJump } from '../executors/jump.ts';

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

export const sshConfigFile = z
  .union([z.boolean(), z.string().min(1)])
  .default(false)
  .describe(
    "Read an OpenSSH client config for each host: true for ~/.ssh/config, or a path. A host's `host` is then looked up as a `Host` alias, and the file's HostName, User, Port, IdentityFile and ProxyJump take the place of the deploy config's (ssh.jump and hosts[].jump still win over ProxyJump).",
  );

export type JumpConfig = z.output<typeof jump>;
