// Fixed names and addresses from notes/sandbox-contract.md: deploy.config.ts, the engine and the tests
// point at these without reading state, so they must not drift.
import path from 'node:path';

export const REPO_DIR = path.resolve(import.meta.dirname, '../..');
export const SANDBOX_DIR = process.env.HANDOFF_SANDBOX_DIR
  ? path.resolve(process.env.HANDOFF_SANDBOX_DIR)
  : path.join(REPO_DIR, '.sandbox');
export const STATE_FILE = path.join(SANDBOX_DIR, 'state.json');

export const BRIDGE = 'hfbr0';
export const BRIDGE_IP = '10.213.7.1';
export const PREFIX_LEN = 24;
export const APP_PORT = 8080;
export const APP_DIR_ON_HOST = '/srv/handoff';
export const FRONTEND = { host: '127.0.0.1', port: 18080 } as const;
export const HAPROXY_BACKEND = 'app';
export const ELBV2 = {
  port: 14599,
  region: 'us-east-1',
  targetGroupName: 'sandbox-tg',
  targetGroupArn:
    'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/sandbox-tg/0123456789abcdef',
} as const;

export const CGROUP_V1_ROOT = '/sys/fs/cgroup/memory/handoff-sandbox';
export const CGROUP_V2_ROOT = '/sys/fs/cgroup/handoff-sandbox';
export const HOST_MEMORY_BYTES = 1024 ** 3;

export const SSH_DIR = path.join(SANDBOX_DIR, 'ssh');
export const SSH_KEY = path.join(SSH_DIR, 'id_ed25519');
export const KNOWN_HOSTS = path.join(SSH_DIR, 'known_hosts');
export const HAPROXY_DIR = path.join(SANDBOX_DIR, 'haproxy');
export const HAPROXY_SOCKET = path.join(HAPROXY_DIR, 'admin.sock');

export type HealthCheckSettings = {
  intervalSeconds: number;
  timeoutSeconds: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
};
export const DEFAULT_HEALTH_CHECK: HealthCheckSettings = {
  intervalSeconds: 2,
  timeoutSeconds: 1,
  unhealthyThreshold: 3,
  healthyThreshold: 2,
};

export type HostSpec = {
  name: string;
  index: number;
  ip: string;
  netns: string;
  veth: string;
  /** Peer end, renamed to eth0 once it is inside the namespace. */
  peer: string;
  instanceId: string;
  /** The host's /srv/handoff, as seen from the machine. */
  srvDir: string;
};

export function hostSpec(index: number): HostSpec {
  if (!Number.isInteger(index) || index < 1 || index > 200)
    throw new RangeError(`host index ${index} out of 1..200`);
  const name = `h${index}`;
  return {
    name,
    index,
    ip: `10.213.7.${10 + index}`,
    netns: `hf-${name}`,
    veth: `hfv-${name}`,
    peer: `hfp-${name}`,
    instanceId: `i-0a${String(index).padStart(16, '0')}`,
    srvDir: path.join(SANDBOX_DIR, 'hosts', name, 'srv'),
  };
}
