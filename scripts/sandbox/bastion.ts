// A jump host (bastion) for the sandbox: the hosts get a second address on a private subnet that
// this machine cannot reach (an `unreachable` route, as a runner cannot reach 10.0.x.x), and a jump
// namespace with two interfaces, one on that subnet (through the hosts' bridge) and one on a small
// "public" link to the machine, runs an sshd that forwards. Recorded in state.json, so `down`
// removes it with the rest; `up` never makes it: the bastion test adds it to a running sandbox.
import fs from 'node:fs';
import path from 'node:path';
import { BRIDGE, NAME_PREFIX, SANDBOX_DIR, SANDBOX_ID, SSH_DIR } from './contract.ts';
import { netnsList } from './net.ts';
import { type Proc, run, spawnDetached, stopProc } from './proc.ts';
import { waitForPort } from './sshd.ts';
import { readState, type SandboxState, writeState } from './state.ts';

const NET = 7 + SANDBOX_ID;
export const PRIVATE_SUBNET = `10.214.${NET}.0/24`;
/** A host's address on the private subnet: only the jump host reaches it. */
export const privateIp = (index: number) => `10.214.${NET}.${10 + index}`;

export type BastionState = {
  netns: string;
  links: string[];
  /** Where the machine reaches the jump host's sshd. */
  ip: string;
  hostKey: string;
  sshd?: Proc;
};

const spec = () => ({
  netns: `${NAME_PREFIX.netns}jump`,
  inside: { veth: `${NAME_PREFIX.veth}jumpb`, peer: `${NAME_PREFIX.peer}jumpb`, ip: `10.214.${NET}.2` },
  outside: { veth: `${NAME_PREFIX.veth}jumpo`, peer: `${NAME_PREFIX.peer}jumpo`, ip: `10.215.${NET}.2` },
  gateway: `10.215.${NET}.1`,
  dir: path.join(SANDBOX_DIR, 'jump'),
});
const ip = (...args: string[]) => run('ip', args);

/** Makes the jump host and the private addresses (idempotent: an existing one is returned as it is). */
export async function bastionUp(state: SandboxState): Promise<BastionState> {
  if (state.bastion?.sshd) return state.bastion;
  const s = spec();
  const b: BastionState = { netns: s.netns, links: [], ip: s.outside.ip, hostKey: '' };
  const save = () => {
    state.bastion = b;
    writeState(state);
  };
  save();
  await ip('route', 'add', 'unreachable', PRIVATE_SUBNET);
  await ip('netns', 'add', s.netns);
  for (const [side, addr] of [
    [s.inside, `${s.inside.ip}/24`],
    [s.outside, `${s.outside.ip}/30`],
  ] as const) {
    await ip('link', 'add', side.veth, 'type', 'veth', 'peer', 'name', side.peer);
    b.links.push(side.veth);
    save();
    await ip('link', 'set', side.peer, 'netns', s.netns);
    await ip('-n', s.netns, 'addr', 'add', addr, 'dev', side.peer);
    await ip('-n', s.netns, 'link', 'set', side.peer, 'up');
  }
  await ip('link', 'set', s.inside.veth, 'master', BRIDGE, 'up');
  await ip('addr', 'add', `${s.gateway}/30`, 'dev', s.outside.veth);
  await ip('link', 'set', s.outside.veth, 'up');
  await ip('-n', s.netns, 'link', 'set', 'lo', 'up');
  for (const h of state.hosts)
    await ip('-n', h.netns, 'addr', 'add', `${privateIp(h.index)}/24`, 'dev', 'eth0');
  b.hostKey = await startJumpSshd(s.netns, s.dir, s.outside.ip, (proc) => {
    b.sshd = proc;
    save();
  });
  save();
  return b;
}

async function startJumpSshd(
  netns: string,
  dir: string,
  listen: string,
  started: (p: Proc) => void,
): Promise<string> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const key = path.join(dir, 'ssh_host_ed25519_key');
  if (!fs.existsSync(key))
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jump', '-f', key]);
  const config = path.join(dir, 'sshd_config');
  // A bastion forwards and does nothing else: no shell, no TTY, only TCP forwarding to port 22.
  fs.writeFileSync(
    config,
    `ListenAddress ${listen}\nHostKey ${key}\nPidFile ${dir}/sshd.pid\nAuthorizedKeysFile ${path.join(SSH_DIR, 'authorized_keys')}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes ${SANDBOX_DIR.startsWith('/tmp/') ? 'no' : 'yes'}\nAllowTcpForwarding local\nPermitOpen *:22\nPermitTTY no\nForceCommand /bin/false\nMaxStartups 64:30:128\nMaxSessions 64\n`,
  );
  await run('/usr/sbin/sshd', ['-t', '-f', config]);
  started(
    await spawnDetached(
      'nsenter',
      [`--net=/run/netns/${netns}`, '/usr/sbin/sshd', '-D', '-e', '-f', config],
      path.join(dir, 'sshd.log'),
    ),
  );
  await waitForPort(listen, 22, 10_000);
  const [type, blob] = fs.readFileSync(`${key}.pub`, 'utf8').split(' ');
  return `${type} ${blob}`;
}

/** Removes what bastionUp recorded; tolerant of a half-made bastion. */
export async function bastionDown(b: BastionState): Promise<void> {
  if (b.sshd) await stopProc(b.sshd);
  if ((await netnsList()).includes(b.netns)) await ip('netns', 'del', b.netns);
  for (const link of b.links) await run('ip', ['link', 'del', link], { allowFail: true });
  await run('ip', ['route', 'del', 'unreachable', PRIVATE_SUBNET], { allowFail: true });
}

/** For the test: the sandbox's state with its bastion (made if missing). */
export async function withBastion(): Promise<SandboxState & { bastion: BastionState }> {
  const state = readState();
  if (!state) throw new Error('the sandbox is not up');
  await bastionUp(state);
  return state as SandboxState & { bastion: BastionState };
}
