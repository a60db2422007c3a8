// The example config, pointed at the local sandbox (`npm run sandbox:up`, notes/sandbox-contract.md):
// two hosts in network namespaces with 1 GiB each, HAProxy checking them like a target group.
// Against AWS you would replace `healthCheck` with `targetGroup: 'my-app-tg', region: 'eu-west-1'`.
import { defineConfig } from 'handoff-deploy';

export default defineConfig({
  app: {
    name: 'demo',
    dir: '/srv/handoff', // per-host: each sandbox host bind-mounts its own directory here
    port: 8080,
    health: { path: '/health', timeoutSeconds: 60 },
    source: { dir: 'sandbox/app' }, // uploaded as is; the field write-up pulled from git instead
    build: { command: 'BUILD_SECONDS=8 sh build.sh', artifact: 'build/app.jar', estimateSeconds: 12 },
    start: { command: 'java -Xmx256m -jar build/app.jar', env: { HEAP_MB: '200' }, bootSeconds: 3 },
    stop: { graceSeconds: 30 },
  },
  hosts: [
    {
      name: 'h1',
      host: '10.213.7.11',
      user: 'root',
      privateKeyPath: '.sandbox/ssh/id_ed25519',
      instanceId: 'i-0a0000000000000001',
    },
    {
      name: 'h2',
      host: '10.213.7.12',
      user: 'root',
      privateKeyPath: '.sandbox/ssh/id_ed25519',
      instanceId: 'i-0a0000000000000002',
    },
  ],
  // Offline: the same numbers HAProxy checks with. AWS would not allow I=2 (minimum 5); the math is the same.
  loadBalancer: {
    healthCheck: { intervalSeconds: 2, timeoutSeconds: 1, unhealthyThreshold: 3, healthyThreshold: 2 },
    deregistrationDelaySeconds: 30,
  },
  drain: {
    mode: 'termination',
    path: '/termination',
    responseSeconds: 0.05,
    // HAProxy schedules checks fixed-delay (measured: docs/sandbox.md); a real ALB is fixed-rate (the default).
    model: 'fixed-delay',
    marginSeconds: 1,
    // The drain also waits until no request has reached the host for this long (docs/drain-evidence.md).
    quietSeconds: 3,
    compareWithSleepSeconds: 25,
  },
  ssh: { knownHostsPath: '.sandbox/ssh/known_hosts' },
  report: { dir: 'deploy-report' },
});
