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
