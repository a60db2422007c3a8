// The dry run's load balancer: reads the live target group once (reads change nothing, and the
// last-healthy guard should answer from the real target health), records every write instead of
// sending it, and lets the recorded writes show in later reads so the engine walks on as it would.
import type { LoadBalancerPort, TargetGroupInfo, TargetState } from '../ports.ts';
import type { Recorded } from './recording.ts';

export class RecordingLoadBalancer implements LoadBalancerPort {
  private readonly live: LoadBalancerPort;
  private readonly log: Recorded[];
  private readonly hostOf: (id: string) => string;
  private snapshot: Map<string, TargetState> | undefined;

  constructor(live: LoadBalancerPort, log: Recorded[], hostOf: (id: string) => string) {
    this.live = live;
    this.log = log;
    this.hostOf = hostOf;
  }

  describeTargetGroup(nameOrArn: string): Promise<TargetGroupInfo> {
    return this.live.describeTargetGroup(nameOrArn);
  }

  async targetHealth(arn: string, targets?: { id: string; port?: number }[]): Promise<TargetState[]> {
    // One live read: polling AWS through a virtual-time wait would only repeat it.
    this.snapshot ??= new Map((await this.live.targetHealth(arn)).map((t) => [t.id, t]));
    const all = [...this.snapshot.values()];
    return targets ? all.filter((t) => targets.some((x) => x.id === t.id)) : all;
  }

  async deregister(arn: string, target: { id: string; port?: number }): Promise<void> {
    await this.write('DeregisterTargets', arn, target, 'draining');
  }

  async register(arn: string, target: { id: string; port?: number }): Promise<void> {
    await this.write('RegisterTargets', arn, target, 'healthy');
  }

  private async write(
    action: string,
    arn: string,
    target: { id: string; port?: number },
    after: TargetState['state'],
  ): Promise<void> {
    const id = target.port ? `Id=${target.id},Port=${target.port}` : `Id=${target.id}`;
    this.log.push({
      host: this.hostOf(target.id),
      kind: 'elbv2',
      command: `${action} --target-group-arn ${arn} --targets ${id}`,
    });
    await this.targetHealth(arn);
    this.snapshot?.set(target.id, { ...target, state: after });
  }
}

/**
 * The dry run's stand-in when AWS cannot be asked (no credentials, no network) and the plan fell
 * back to the config's numbers: the target group is named, not read (its ARN is unknown), and
 * every host with an instanceId is taken as a healthy target. `note` says so in the output; a
 * real run never uses it (it reads the group and stops if it cannot).
 */
export function offlineTargetGroup(
  config: { loadBalancer: { targetGroup?: string; deregistrationDelaySeconds: number } },
  hosts: readonly { name: string; instanceId?: string }[],
  healthCheck: TargetGroupInfo['healthCheck'],
): { port: LoadBalancerPort; arn: string; note: string } {
  const name = config.loadBalancer.targetGroup ?? 'target-group';
  const arn = `${name} (offline: its ARN not read)`;
  const targets = hosts.flatMap((h) => (h.instanceId ? [h.instanceId] : []));
  const named = hosts.filter((h) => h.instanceId).map((h) => h.name);
  const port: LoadBalancerPort = {
    describeTargetGroup: async () => ({
      arn,
      name,
      port: 0,
      healthCheck,
      healthCheckPath: '/',
      deregistrationDelaySeconds: config.loadBalancer.deregistrationDelaySeconds,
    }),
    targetHealth: async () => targets.map((id) => ({ id, state: 'healthy' as const })),
    deregister: async () => {},
    register: async () => {},
  };
  const who = named.length ? `${listed(named)} assumed healthy` : 'no host has an instanceId';
  return {
    port,
    arn,
    note: `target health not read (AWS could not be asked): ${who}; the load-balancer calls below name target group ${name}, not its ARN`,
  };
}

const listed = (names: string[]) =>
  names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
