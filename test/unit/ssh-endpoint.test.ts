// Where a host's SSH connection goes: ProxyJump values parsed as OpenSSH writes them, and the
// client config's Host sections (HostName, User, Port, IdentityFile, ProxyJump) applied when asked,
// each jump host looked up there too; the deploy config's jump wins over the file's ProxyJump.
import SSHConfig from 'ssh-config';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { hopLabel, parseProxyJump } from '../../src/executors/jump.ts';
import { endpointFor } from '../../src/executors/ssh-endpoint.ts';
import { baseConfig } from '../helpers/config.ts';

describe('parseProxyJump', () => {
  it.each([
    ['bastion', [{ host: 'bastion', port: 22 }]],
    ['ops@bastion.example.com:2222', [{ host: 'bastion.example.com', port: 2222, user: 'ops' }]],
    [
      'a@10.0.0.5, b@10.1.0.5:22',
      [
        { host: '10.0.0.5', port: 22, user: 'a' },
        { host: '10.1.0.5', port: 22, user: 'b' },
      ],
    ],
    ['ssh://ops@[2001:db8::1]:2200', [{ host: '2001:db8::1', port: 2200, user: 'ops' }]],
    ['none', []],
  ])('%s', (value, hops) => {
    expect(parseProxyJump(value)).toEqual({ hops });
  });

  it.each(['', 'a@', 'host:0', 'host:70000', 'host:22:33', 'a b'])('refuses %j', (value) => {
    expect(parseProxyJump(value)).toHaveProperty('error');
  });

  it('labels a hop as it would be written', () => {
    expect(hopLabel({ host: '2001:db8::1', port: 2200, user: 'ops' })).toBe('ops@[2001:db8::1]:2200');
    expect(hopLabel({ host: 'b', port: 22 })).toBe('b');
  });
});

const host = { host: 'app-1', port: 22, user: 'ec2-user' };
const file = SSHConfig.parse(`
Host bastion
  HostName 203.0.113.10
  User ops
  Port 2222
  IdentityFile ~/.ssh/bastion_key
Host app-*
  HostName %h.internal
  ProxyJump bastion
  IdentityFile ~/.ssh/fleet
  IdentityFile ~/.ssh/second
Host app-1
  User ubuntu
Host *
  User nobody
`);

describe('endpointFor', () => {
  it('without a client config: the host as configured, no jump', () => {
    expect(endpointFor(host, undefined)).toEqual({ ...host, jump: [] });
  });

  it('ssh.jump as ProxyJump: hops take the host user and key unless they name their own', () => {
    const to = endpointFor({ ...host, privateKeyPath: 'k' }, 'ops@b1:2222,b2');
    expect(to.jump).toEqual([
      { host: 'b1', port: 2222, user: 'ops', privateKeyPath: 'k' },
      { host: 'b2', port: 22, user: 'ec2-user', privateKeyPath: 'k' },
    ]);
  });

  it("a host's own jump wins over ssh.jump, and 'none' reaches it directly", () => {
    expect(endpointFor({ ...host, jump: 'b9' }, 'b1').jump.map((h) => h.host)).toEqual(['b9']);
    expect(endpointFor({ ...host, jump: 'none' }, 'b1').jump).toEqual([]);
  });

  it('with a client config: the first value of each keyword wins, %h expands, the jump host is looked up too', () => {
    expect(endpointFor(host, undefined, file)).toEqual({
      host: 'app-1.internal',
      port: 22,
      user: 'ubuntu',
      privateKeyPath: '~/.ssh/fleet',
      jump: [{ host: '203.0.113.10', port: 2222, user: 'ops', privateKeyPath: '~/.ssh/bastion_key' }],
    });
  });

  it("ssh.jump beats the file's ProxyJump, as ssh -J does", () => {
    expect(endpointFor(host, 'other', file).jump).toEqual([
      { host: 'other', port: 22, user: 'nobody', privateKeyPath: '~/.ssh/fleet' },
    ]);
  });

  it('a host the file does not name keeps its settings (Host * still applies)', () => {
    expect(endpointFor({ ...host, host: '10.0.0.9' }, undefined, file)).toEqual({
      host: '10.0.0.9',
      port: 22,
      user: 'nobody',
      jump: [],
    });
  });
});

describe('config', () => {
  it('a malformed ssh.jump is a config error naming the key', () => {
    const r = validateConfig({ ...baseConfig(), ssh: { jump: 'ops@bastion:99999' } });
    expect(r.ok ? [] : r.errors.map((e) => [e.path, e.message])).toEqual([
      ['ssh.jump', expect.stringContaining("'ops@bastion:99999' is not a jump host")],
    ]);
    expect(validateConfig({ ...baseConfig(), ssh: { jump: 'ops@bastion:2222' } }).ok).toBe(true);
  });
});
