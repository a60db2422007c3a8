// Fixed names and addresses from notes/sandbox-contract.md: deploy.config.ts, the engine and the tests
// point at these without reading state, so they must not drift.
//
// Several sandboxes can run on one machine at once (parallel test lanes, two checkouts): each has an
// instance number, HANDOFF_SANDBOX_ID (0-31, default 0), that shifts every name, subnet, port and
// directory below. Instance 0 keeps the historical values, which deploy.config.ts points at.
import path from 'node:path';

export const REPO_DIR = path.resolve(import.meta.dirname, '../..');

export function sandboxId(raw = process.env.HANDOFF_SANDBOX_ID): number {
  if (raw === undefined || raw === '') return 0;
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 0 || id > 31)
    throw new RangeError(`HANDOFF_SANDBOX_ID must be a whole number from 0 to 31, got '${raw}'`);
  return id;
}

export const SANDBOX_ID = sandboxId();
/** '' for instance 0, else the instance number: appended to names so instances never collide. */
const tag = SANDBOX_ID === 0 ? '' : String(SANDBOX_ID);

export const SANDBOX_DIR = process.env.HANDOFF_SANDBOX_DIR
  ? path.resolve(process.env.HANDOFF_SANDBOX_DIR)
  : path.join(REPO_DIR, tag ? `.sandbox-${tag}` : '.sandbox');
export const STATE_FILE = path.join(SANDBOX_DIR, 'state.json');

/** Third octet of the instance's /24: 10.213.7.0/24 for instance 0, 10.213.8.0/24 for 1, … */
const NET = 7 + SANDBOX_ID;
/** Loopback ports of the instance start here (HAProxy frontends, the ELBv2 endpoint, …): 100 each. */
export const PORT_BASE = 18000 + 100 * SANDBOX_ID;

export const BRIDGE = `hfbr${SANDBOX_ID}`;
export const BRIDGE_IP = `10.213.${NET}.1`;
export const SUBNET = `10.213.${NET}.0/24`;
export const PREFIX_LEN = 24;
export const APP_PORT = 8080;
/** The second port of each host: the target group knows every host on both (a swap deploy moves between them). */
export const SWAP_PORT = 8081;
export const APP_PORTS = [APP_PORT, SWAP_PORT] as const;
/** The HAProxy server standing for (host, port): the host's name on APP_PORT, `<host>-<port>` otherwise. */
export const serverName = (host: string, port: number) => (port === APP_PORT ? host : `${host}-${port}`);
export const APP_DIR_ON_HOST = '/srv/handoff';
export const FRONTEND = { host: '127.0.0.1', port: PORT_BASE + 80 } as const;
export const HAPROXY_BACKEND = 'app';
export const ELBV2 = {
  port: 14599 + 100 * SANDBOX_ID,
  region: 'us-east-1',
  targetGroupName: 'sandbox-tg',
  targetGroupArn:
    'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/sandbox-tg/0123456789abcdef',
} as const;

/** The local Systems Manager endpoint: the API on loopback, the agents' channel on the bridge address. */
export const SSM = { port: 14598 + 100 * SANDBOX_ID, region: 'us-east-1' } as const;

/** The local S3 endpoint (releases for ssm hosts): on the bridge address, where hosts fetch with curl. */
export const S3 = {
  port: 14597 + 100 * SANDBOX_ID,
  region: 'us-east-1',
  bucket: 'handoff-releases',
} as const;

/** The cgroup directory that holds the instance's hosts (basename of the roots below). */
export const CGROUP_NAME = tag ? `handoff-sandbox-${tag}` : 'handoff-sandbox';
export const CGROUP_V1_ROOT = `/sys/fs/cgroup/memory/${CGROUP_NAME}`;
export const CGROUP_V2_ROOT = `/sys/fs/cgroup/${CGROUP_NAME}`;
/** Every instance's netns, link and cgroup names start with these (lifecycle checks, `down`). */
export const NAME_PREFIX = { netns: `hf${tag}-`, veth: `hfv${tag}-`, peer: `hfp${tag}-` } as const;
export const HOST_MEMORY_BYTES = 1024 ** 3;

export const SSH_DIR = path.join(SANDBOX_DIR, 'ssh');
export const SSH_KEY = path.join(SSH_DIR, 'id_ed25519');
export const KNOWN_HOSTS = path.join(SSH_DIR, 'known_hosts');
export const HAPROXY_DIR = path.join(SANDBOX_DIR, 'haproxy');
export const ALB_DIR = path.join(SANDBOX_DIR, 'alb');
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
    ip: `10.213.${NET}.${10 + index}`,
    netns: `${NAME_PREFIX.netns}${name}`,
    veth: `${NAME_PREFIX.veth}${name}`,
    peer: `${NAME_PREFIX.peer}${name}`,
    instanceId: `i-0a${String(index).padStart(16, '0')}`,
    srvDir: path.join(SANDBOX_DIR, 'hosts', name, 'srv'),
  };
}

/** The ALB model's limit: node frontends take ports PORT_BASE+81 .. PORT_BASE+89. */
export const MAX_ALB_NODES = 9;

export type AlbNodeSpec = {
  name: string;
  index: number;
  /** The node's own source address on the bridge (as an ALB node's network interface in the VPC). */
  ip: string;
  /** Where clients reach this node (one "A record" of the load balancer's DNS name). */
  frontend: { host: string; port: number };
  dir: string;
  socket: string;
  log: string;
};

/** ALB node k (1-based): its address 10.213.<net>.(200+k) and its frontend 127.0.0.1:PORT_BASE+80+k. */
export function albNodeSpec(index: number): AlbNodeSpec {
  if (!Number.isInteger(index) || index < 1 || index > MAX_ALB_NODES)
    throw new RangeError(`ALB node index ${index} out of 1..${MAX_ALB_NODES}`);
  const name = `n${index}`;
  const dir = path.join(ALB_DIR, name);
  return {
    name,
    index,
    ip: `10.213.${NET}.${200 + index}`,
    frontend: { host: '127.0.0.1', port: PORT_BASE + 80 + index },
    dir,
    socket: path.join(dir, 'admin.sock'),
    log: path.join(dir, 'haproxy.log'),
  };
}
