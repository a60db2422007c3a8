// The dry run's listener: reads the live rules (when AWS can be asked), records CreateRule and
// DeleteRule instead of sending them, so the dry run shows the maintenance rule a run would add.
import type { FixedResponse, ListenerPort, ListenerRule } from '../ports.ts';
import type { Recorded } from './recording.ts';

export class RecordingListener implements ListenerPort {
  private readonly live: ListenerPort | undefined;
  private readonly log: Recorded[];
  private created = 0;

  constructor(live: ListenerPort | undefined, log: Recorded[]) {
    this.live = live;
    this.log = log;
  }

  async createFixedResponseRule(listenerArn: string, priority: number, f: FixedResponse): Promise<string> {
    this.record(
      `CreateRule --listener-arn ${listenerArn} --priority ${priority} --conditions path-pattern=/* --actions fixed-response ${f.statusCode} ${f.contentType} (${f.body.length} characters)`,
    );
    return `maintenance-rule-${++this.created} (dry run: not created)`;
  }

  async deleteRule(ruleArn: string): Promise<void> {
    this.record(`DeleteRule --rule-arn ${ruleArn}`);
  }

  async rules(listenerArn: string): Promise<ListenerRule[]> {
    return this.live ? this.live.rules(listenerArn) : [];
  }

  async listenerLoadBalancer(listenerArn: string): Promise<string> {
    if (!this.live) throw new Error('the listener cannot be read offline');
    return this.live.listenerLoadBalancer(listenerArn);
  }

  private record(command: string): void {
    this.log.push({ host: 'alb', kind: 'elbv2', command });
  }
}
