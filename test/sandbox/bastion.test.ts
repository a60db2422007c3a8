// Hosts behind a jump host: the hosts' SSH addresses sit on a private subnet this machine cannot
// reach, and only the jump namespace (two interfaces: the "public" link and the private subnet)
// can. A deploy through it under load, with every hop's host key checked; a jump host whose key
// does not match is refused before anything on a host changes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { privateIp, withBastion } from '../../scripts/sandbox/bastion.ts';
import { KNOWN_HOSTS } from '../../scripts/sandbox/contract.ts';
import { portOpen } from '../../scripts/sandbox/sshd.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { tempDir } from '../helpers/config.ts';
import { hostView, sandboxConfig, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

type Bastioned = Awaited<ReturnType<typeof withBastion>>;

/** known_hosts for the private addresses (the hosts' own keys) and the jump host. */
function knownHosts(state: Bastioned, jumpKey = state.bastion.hostKey): string {
  const byIp = new Map(
    readFileSync(KNOWN_HOSTS, 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.split(' ')[0]!, l.split(' ').slice(1).join(' ')] as const),
  );
  const lines = state.hosts.map((h) => `${privateIp(h.index)} ${byIp.get(h.ip)}`);
  const file = join(tempDir(), 'known_hosts');
  writeFileSync(file, `${[...lines, `${state.bastion.ip} ${jumpKey}`].join('\n')}\n`);
  return file;
}

function behindJump(state: Bastioned, knownHostsPath: string) {
  const { dir } = sandboxConfig(state as SandboxState, {
    extra: { ssh: { knownHostsPath, jump: `root@${state.bastion.ip}` } },
  });
  // The hosts by their private addresses only.
  const file = join(dir, 'deploy.config.ts');
  let text = readFileSync(file, 'utf8');
  for (const h of state.hosts) text = text.replace(`"host": "${h.ip}"`, `"host": "${privateIp(h.index)}"`);
  writeFileSync(file, text);
  return dir;
}

const reachable = (host: string) => portOpen(host, 22, 2000);

sandboxDescribe('hosts behind a jump host', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: Bastioned;
  beforeAll(async () => {
    sandbox();
    state = await withBastion();
  });

  it('the private addresses answer only through the jump host', async () => {
    expect(await reachable(privateIp(1))).toBe(false);
    expect(await reachable(state.bastion.ip)).toBe(true);
  });

  it('a jump host whose key does not match is refused: exit 2, naming the hop, nothing changed', async () => {
    const wrong = readFileSync(KNOWN_HOSTS, 'utf8').split(' ').slice(1, 3).join(' '); // h1's key, not the jump host's
    const dir = behindJump(state, knownHosts(state, wrong));
    const before = await Promise.all(state.hosts.map((h) => hostView(h.ip)));
    const run = await startCli(['run', '--yes'], dir).done;
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `jump host root@${state.bastion.ip.replaceAll('.', '\\.')} \\(hop 1 to h1\\): host key for ${state.bastion.ip.replaceAll('.', '\\.')} has CHANGED`,
      ),
    );
    expect(await Promise.all(state.hosts.map((h) => hostView(h.ip)))).toEqual(before);
    for (const h of state.hosts) expect(existsSync(join(h.srvDir, '.handoff'))).toBe(false); // not even a lock
  });

  it('deploys both hosts through the jump host under load: 0 failed requests', async () => {
    const dir = behindJump(state, knownHosts(state));
    const { value: run, failed, total } = await underLoad(() => startCli(['run', '--yes'], dir).done);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(total).toBeGreaterThan(300);
    expect(failed).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as {
      hosts: { name: string; release: { to: string } }[];
    };
    for (const [i, h] of report.hosts.entries()) {
      const view = await hostView(state.hosts[i]!.ip);
      expect(view.current).toBe(h.release.to);
      expect(view.health).toBe('200');
    }
  });
});
