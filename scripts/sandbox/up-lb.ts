// The load balancer part of `sandbox:up`: one HAProxy (the fast tests' model) or the ALB model's
// nodes (alb.ts), then the ELBv2 endpoint in front of whichever it is.
import fs from 'node:fs';
import path from 'node:path';
import {
  checkPropagation,
  DEFAULT_ALB_NODES,
  DEFAULT_PROPAGATION,
  type Propagation,
  startAlbNodes,
  waitForAlbNodes,
} from './alb.ts';
import {
  ALB_DIR,
  APP_PORT,
  APP_PORTS,
  ELBV2,
  FRONTEND,
  HAPROXY_BACKEND,
  HAPROXY_DIR,
  HAPROXY_SOCKET,
  MAX_ALB_NODES,
  SANDBOX_DIR,
  serverName,
} from './contract.ts';
import { FAIL_OPEN_BACKEND, startHaproxy, waitForServers } from './haproxy.ts';
import { spawnDetached } from './proc.ts';
import { waitForPort } from './sshd.ts';
import { type SandboxState, writeState } from './state.ts';

export type LbOptions = { lb?: 'haproxy' | 'alb'; albNodes?: number; propagation?: Propagation };

/** Every host on both ports; the second starts out of rotation (maint: `unused` until registered). */
function lbServers(state: SandboxState) {
  return state.hosts.flatMap((h) =>
    APP_PORTS.map((port) => ({
      name: serverName(h.name, port),
      address: `${h.ip}:${port}`,
      disabled: port !== APP_PORT,
    })),
  );
}

const log = (msg: string) => console.error(`[sandbox:up] ${msg}`);

/** Starts the load balancer `opts.lb` names and waits until it routes to every host. */
export async function startLoadBalancer(
  state: SandboxState,
  opts: LbOptions,
  save: () => void,
): Promise<void> {
  if (opts.lb === 'alb') await upAlb(state, opts, save);
  else await upHaproxy(state, save);
}

async function upHaproxy(state: SandboxState, save: () => void): Promise<void> {
  log('starting HAProxy');
  const { proc, config } = await startHaproxy(HAPROXY_DIR, {
    healthCheck: state.healthCheck,
    servers: lbServers(state),
    socket: HAPROXY_SOCKET,
    frontend: FRONTEND,
  });
  state.haproxy = {
    ...proc,
    config,
    socket: HAPROXY_SOCKET,
    frontend: `${FRONTEND.host}:${FRONTEND.port}`,
  };
  save();
  const { intervalSeconds: I, healthyThreshold: H } = state.healthCheck;
  await waitForServers(
    HAPROXY_SOCKET,
    state.hosts.map((h) => h.name),
    'UP',
    (H + 2) * I * 1000 + 5000,
  );
}

async function upAlb(state: SandboxState, opts: LbOptions, save: () => void): Promise<void> {
  const count = opts.albNodes ?? DEFAULT_ALB_NODES;
  if (!Number.isInteger(count) || count < 1 || count > MAX_ALB_NODES)
    throw new RangeError(`--nodes must be a whole number from 1 to ${MAX_ALB_NODES}, got ${count}`);
  const propagation = opts.propagation ?? DEFAULT_PROPAGATION;
  checkPropagation(propagation);
  log(
    `starting the ALB model: ${count} nodes, propagation ${propagation.minSeconds}-${propagation.maxSeconds} s (seed ${propagation.seed})`,
  );
  fs.mkdirSync(ALB_DIR, { recursive: true });
  const events = path.join(ALB_DIR, 'propagation.ndjson');
  fs.rmSync(events, { force: true });
  state.lb = 'alb';
  state.alb = { nodes: [], propagation, events };
  save();
  await startAlbNodes({
    count,
    healthCheck: state.healthCheck,
    servers: lbServers(state),
    onStarted: (node) => {
      state.alb?.nodes.push(node);
      save();
    },
  });
  const { intervalSeconds: I, healthyThreshold: H } = state.healthCheck;
  await waitForAlbNodes(
    state.alb.nodes,
    state.hosts.map((h) => h.name),
    (H + 2) * I * 1000 + 5000,
  );
}

export async function startElbv2(state: SandboxState, delaySeconds: number): Promise<void> {
  const main = path.join(import.meta.dirname, 'elbv2', 'main.ts');
  if (!fs.existsSync(main)) return; // the endpoint is optional until it lands
  const dir = path.join(SANDBOX_DIR, 'elbv2');
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'config.json');
  const hc = state.healthCheck;
  const opts = {
    port: ELBV2.port,
    host: '127.0.0.1',
    socketPath: HAPROXY_SOCKET,
    backend: HAPROXY_BACKEND,
    targetGroup: {
      name: ELBV2.targetGroupName,
      arn: ELBV2.targetGroupArn,
      port: APP_PORT,
      healthCheck: { ...hc, path: '/health' },
      deregistrationDelaySeconds: delaySeconds,
    },
    targets: state.hosts.flatMap((h) =>
      APP_PORTS.map((port) => ({ id: h.instanceId, server: serverName(h.name, port), port })),
    ),
    faultsFile: path.join(dir, 'faults.json'),
    ...(state.alb
      ? {
          alb: {
            nodes: state.alb.nodes.map((n) => ({ name: n.name, socketPath: n.socket })),
            failOpenBackend: FAIL_OPEN_BACKEND,
            propagation: state.alb.propagation,
            eventsFile: state.alb.events,
          },
        }
      : {}),
  };
  fs.writeFileSync(config, `${JSON.stringify(opts, null, 2)}\n`);
  const logFile = path.join(dir, 'elbv2.log');
  const proc = await spawnDetached(process.execPath, [main, '--config', config], logFile);
  state.elbv2 = { ...proc, port: ELBV2.port, log: logFile };
  writeState(state);
  await waitForPort('127.0.0.1', ELBV2.port, 10_000);
}
