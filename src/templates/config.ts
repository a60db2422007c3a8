// The deploy.config.ts that `deploy init` writes: every section with its default, so a user sees
// what they may change without reading the reference first. test/unit/init.test.ts checks that
// it loads and that its values are the schema's defaults, so the two cannot drift apart.
export function configTemplate(): string {
  return `// handoff deploy configuration, written by \`deploy init\`. Every value shown is the default
// unless the comment says "example": edit those, keep or delete the rest.
// Check it without touching anything: \`npx --no-install handoff plan\` (the timeline and the drain-time math).
import { defineConfig } from 'handoff-deploy';

// In GitHub Actions the workflow writes the SSH key and known_hosts to files and exports their
// paths (.github/workflows/deploy.yml); on a laptop both are unset and the fallbacks apply.
const sshKey = process.env.DEPLOY_SSH_KEY_PATH; // unset: the SSH agent
const knownHosts = process.env.DEPLOY_KNOWN_HOSTS_PATH ?? '~/.ssh/known_hosts';

export default defineConfig({
  app: {
    name: 'my-app', // example: used in release ids, the lock and messages
    dir: '/srv/app', // on each host: releases/<id>/, current (symlink), the deploy lock
    port: 8080, // the app and its health endpoint, reached on the host's loopback
    health: { path: '/health', expectStatus: 200, timeoutSeconds: 120, intervalSeconds: 1 },
    // Run in the release directory, detached (setsid), output to app.log, PID in a file.
    start: { command: 'java -jar build/libs/app.jar', env: {}, bootSeconds: 20 },
    // SIGTERM, then SIGKILL after the grace (Spring Boot shuts down gracefully, 30 s per phase).
    stop: { graceSeconds: 30 },
    build: {
      command: './gradlew bootJar',
      where: 'host', // 'local': build here and upload the artifact before draining
      artifact: 'build/libs/app.jar',
      estimateSeconds: 60, // for the plan only
    },
    // What gets deployed: this checkout's commit (in GitHub Actions: the pushed commit).
    // Or { dir: 'build/dist' }, or { git: { url: 'git@github.com:me/app.git', ref: 'main' } }.
    source: { commit: 'HEAD' },
    releases: { keep: 5 },
  },

  // Example: one at a time, in this order. Or { discover: { tags: { app: 'my-app' } } } through EC2.
  hosts: [
    { name: 'web-1', host: '10.0.1.10', port: 22, user: 'ec2-user', instanceId: 'i-0123456789abcdef0', privateKeyPath: sshKey },
    { name: 'web-2', host: '10.0.2.10', port: 22, user: 'ec2-user', instanceId: 'i-0fedcba9876543210', privateKeyPath: sshKey },
  ],

  // Example: \`run\` reads the health check and the deregistration delay from this target group.
  // healthCheck and deregistrationDelaySeconds are what \`plan\` and \`run --dry-run\` use when AWS
  // cannot be asked (no credentials, no network), labelled as such: copy them from the target group
  // (these are examples).
  // Without a targetGroup they are the only source (drain mode 'termination' only).
  loadBalancer: {
    targetGroup: 'my-app-tg',
    region: 'eu-west-1',
    healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 },
    deregistrationDelaySeconds: 300,
  },

  // 'termination': POST the path so /health fails, wait out the computed window (and until no
  // request reaches the host), then stop.
  // 'deregister': DeregisterTargets (needs instanceId on every host), wait until no load-balancer
  // node has sent a request for drain.quietSeconds (3) and nothing is in flight.
  drain: {
    mode: 'termination',
    path: '/termination',
    responseSeconds: 0.1, // how fast a failing health check answers
    model: 'fixed-rate', // the check schedule AWS documents
    marginSeconds: 2,
    // compareWithSleepSeconds: 25, // show the computed wait next to a fixed sleep
  },

  // How many hosts at once, and how many targets must stay healthy (asked of the load balancer
  // before every drain; a host waits rather than break it). A larger fleet: { batchSize: '25%',
  // minHealthy: '75%' }. The first failure stops new drains; the failed hosts are restored.
  rollout: { batchSize: 1, minHealthy: 1, onFailure: 'stop', floorWaitSeconds: 600 },

  // One instance and \`run --allow-downtime\`: while it is out, a listener rule answers every request
  // with a 503 and this page instead of the load balancer's 502s, removed on every way out
  // (docs/aws.md, "Maintenance response"). Example:
  // { listenerArn: 'arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/LB-ID/LISTENER-ID',
  //   priority: 1, contentType: 'text/html', body: '<h1>Back in a minute</h1>' }
  maintenance: undefined,

  // 'stop-first' stops the old JVM before the build: the two never share the host's memory.
  strategy: 'stop-first',

  memory: {
    intervalSeconds: 1,
    source: 'auto', // or 'meminfo', or 'cgroup' (with cgroupPath: '/sys/fs/cgroup/...')
    warnPercent: 90, // the memory budget check before a host is touched warns above this peak
    // buildPeakMb: 600, // expected build peak; default: the last build's, else gradle.properties' -Xmx, else 450
    // newJvmMb: 300, // expected RSS of the new JVM; default: the last report's, else the old JVM's
  },

  // How commands reach the hosts (a host may name its own: hosts[].transport): 'ssh', or 'ssm'
  // (Systems Manager Run Command: no SSH key, no open port; each host needs its instanceId).
  transport: 'ssh',
  // Host keys are always verified: a missing or unknown key stops the deploy before any change.
  // Hosts in private subnets (a GitHub-hosted runner cannot reach 10.0.x.x): through a jump host,
  // as OpenSSH's ProxyJump ('ec2-user@bastion.example.com', several comma-separated). Its host key
  // is verified like the hosts' (known_hosts needs its line too). The workflow sets DEPLOY_JUMP
  // from the repository variable of that name; unset: the hosts are reached directly.
  // configFile: true reads ~/.ssh/config's Host entries (HostName, User, Port, IdentityFile, ProxyJump).
  ssh: {
    knownHostsPath: knownHosts,
    strictHostKeyChecking: true,
    connectTimeoutSeconds: 10,
    jump: process.env.DEPLOY_JUMP || undefined,
    configFile: false,
  },
  // Used by transport 'ssm' only: how long a command may run, and wait for the instance's agent.
  ssm: { executionTimeoutSeconds: 3600, deliveryTimeoutSeconds: 60 },

  lock: { staleAfterMinutes: 60 },

  // Commands around the steps, on the host (in the new release) or 'local' (here), with the step
  // context in HANDOFF_* variables: a failing beforeDrain changes nothing, a failing afterStart,
  // afterHealthy or afterDeploy rolls the host back, onFailure only reports. For example:
  //   beforeDrain: { run: './bin/migrate', where: 'host', timeoutSeconds: 600 },
  //   afterHealthy: { run: 'curl -fsS localhost:8080/warm-up' },
  //   onFailure: { run: './scripts/notify.sh failed', where: 'local' },
  hooks: {},

  report: { dir: 'deploy-report' }, // report.json, report.html, memory.csv, memory.svg, summary.md, events.ndjson
});
`;
}
