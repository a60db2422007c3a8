// The hosts' network: one bridge on the machine's side and a netns per host with a veth into it.
// No default route inside the namespaces: a host can reach the bridge's /24 and nothing else.
import { BRIDGE, BRIDGE_IP, type HostSpec, PREFIX_LEN } from './contract.ts';
import { run } from './proc.ts';

const ip = (...args: string[]) => run('ip', args);
const ipQuiet = (...args: string[]) => run('ip', args, { allowFail: true });

export async function linkExists(name: string): Promise<boolean> {
  return (await ipQuiet('link', 'show', 'dev', name)).code === 0;
}

export async function netnsList(): Promise<string[]> {
  const { stdout } = await ipQuiet('netns', 'list');
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

export async function createBridge(): Promise<void> {
  await ip('link', 'add', BRIDGE, 'type', 'bridge');
  await ip('addr', 'add', `${BRIDGE_IP}/${PREFIX_LEN}`, 'dev', BRIDGE);
  await ip('link', 'set', BRIDGE, 'up');
}

export async function createHostNet(h: HostSpec): Promise<void> {
  await ip('netns', 'add', h.netns);
  await ip('link', 'add', h.veth, 'type', 'veth', 'peer', 'name', h.peer);
  await ip('link', 'set', h.veth, 'master', BRIDGE, 'up');
  await ip('link', 'set', h.peer, 'netns', h.netns);
  await ip('-n', h.netns, 'link', 'set', h.peer, 'name', 'eth0');
  await ip('-n', h.netns, 'addr', 'add', `${h.ip}/${PREFIX_LEN}`, 'dev', 'eth0');
  await ip('-n', h.netns, 'link', 'set', 'eth0', 'up');
  await ip('-n', h.netns, 'link', 'set', 'lo', 'up');
}

/** Tolerant of half-made state: each part is removed if it is there. */
export async function removeHostNet(h: Pick<HostSpec, 'netns' | 'veth' | 'peer'>): Promise<void> {
  if ((await netnsList()).includes(h.netns)) await ip('netns', 'del', h.netns);
  // Deleting the netns destroys its veth end, and the kernel takes the pair down a moment later.
  for (const link of [h.veth, h.peer]) await removeLink(link);
}

async function removeLink(name: string): Promise<void> {
  const r = await ipQuiet('link', 'del', name);
  if (r.code !== 0 && (await linkExists(name))) throw new Error(`ip link del ${name}: ${r.stderr.trim()}`);
}

export async function removeBridge(): Promise<void> {
  await removeLink(BRIDGE);
}

/** Processes whose network namespace is the host's (what `ip netns pids` reports). */
export async function netnsPids(netns: string): Promise<number[]> {
  const { stdout, code } = await ipQuiet('netns', 'pids', netns);
  return code === 0 ? stdout.split('\n').filter(Boolean).map(Number) : [];
}
