// Where a host's SSH connection goes: its address, user, key and jump hosts, from the deploy config
// and, when ssh.configFile asks for it, from an OpenSSH client config (`Host` sections, parsed and
// matched by the ssh-config library, first value wins as in OpenSSH; `Match exec` is never run).
// Pure but for readSshConfig.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import SSHConfig from 'ssh-config';
import type { JumpConfig } from '../config/schema-ssh.ts';
import { UsageError } from '../errors.ts';
import { type Hop, parseProxyJump } from './jump.ts';

export type Endpoint = {
  host: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  /** Dialled in order; each hop carries its own user and key (defaults: the host's). */
  jump: JumpHop[];
};
export type JumpHop = { host: string; port: number; user: string; privateKeyPath?: string };

type HostIn = {
  host: string;
  port: number;
  user: string;
  privateKeyPath?: string | undefined;
  jump?: JumpConfig | undefined;
};
type Looked = { host?: string; port?: number; user?: string; identityFile?: string; proxyJump?: string };

/** One alias looked up in the client config: HostName, Port, User, the first IdentityFile, ProxyJump. */
export function lookup(config: SSHConfig | undefined, alias: string): Looked {
  if (!config) return {};
  const c = config.compute(alias, { ignoreCase: true, matchExec: false });
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const port = one(c.port);
  const out: Looked = {};
  if (one(c.hostname)) out.host = one(c.hostname)!.replaceAll('%h', alias);
  if (port && /^\d+$/.test(port)) out.port = Number(port);
  if (one(c.user)) out.user = one(c.user)!;
  if (one(c.identityfile)) out.identityFile = one(c.identityfile)!;
  if (one(c.proxyjump)) out.proxyJump = one(c.proxyjump)!;
  return out;
}

function hopsOf(value: JumpConfig, where: string): Hop[] {
  if (Array.isArray(value)) return value;
  const parsed = parseProxyJump(value);
  if ('error' in parsed) throw new UsageError(`${where}: ${parsed.error}`);
  return parsed.hops;
}

/**
 * The host's endpoint. Jump precedence: hosts[].jump, then ssh.jump, then the client config's
 * ProxyJump (as `ssh -J` beats ProxyJump). With a client config, each hop named in words is itself
 * looked up there, as OpenSSH does for every jump host (its own ProxyJump is not followed).
 */
export function endpointFor(h: HostIn, sshJump: JumpConfig | undefined, config?: SSHConfig): Endpoint {
  const own = lookup(config, h.host);
  const host = own.host ?? h.host;
  const user = own.user ?? h.user;
  const key = own.identityFile ?? h.privateKeyPath;
  const chosen = h.jump ?? sshJump ?? own.proxyJump;
  const hops = chosen === undefined ? [] : hopsOf(chosen, `jump of ${h.host}`);
  const jump = hops.map((hop) => {
    const seen = typeof chosen === 'string' ? lookup(config, hop.host) : {};
    const hopKey = hop.privateKeyPath ?? seen.identityFile ?? key;
    return {
      host: seen.host ?? hop.host,
      port: hop.port !== 22 ? hop.port : (seen.port ?? 22),
      user: hop.user ?? seen.user ?? user,
      ...(hopKey ? { privateKeyPath: hopKey } : {}),
    };
  });
  return { host, port: own.port ?? h.port, user, ...(key ? { privateKeyPath: key } : {}), jump };
}

/** The client config ssh.configFile names (true: ~/.ssh/config); asked for, so a missing file is an error. */
export function readSshConfig(configFile: boolean | string, cwd: string): SSHConfig | undefined {
  if (configFile === false) return undefined;
  const path =
    configFile === true
      ? resolve(homedir(), '.ssh/config')
      : configFile.startsWith('~/')
        ? resolve(homedir(), configFile.slice(2))
        : resolve(cwd, configFile);
  try {
    return SSHConfig.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `ssh.configFile: cannot read ${path}: ${(error as Error).message}. Set ssh.configFile to false, or to the file's path`,
    );
  }
}
