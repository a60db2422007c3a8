// EC2: the hosts to deploy to, found by tags, and an instance type's memory (the memory budget).
// Same retry and error translation as ELBv2; EC2 throttles with RequestLimitExceeded (HTTP 503).
import {
  type _InstanceType,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import type { StaticHost } from '../config/schema.ts';
import type { AwsClientOptions } from './elbv2.ts';
import { AwsUsageError, awsCall, type CallContext } from './errors.ts';
import type { RetryOptions } from './retry.ts';

export type DiscoverOptions = { address: 'private' | 'public'; user: string; privateKeyPath?: string };

export class Ec2Inventory {
  readonly region: string | undefined;
  private readonly client: EC2Client;
  private readonly retry: RetryOptions;

  /** `endpoint` is for tests; the config's loadBalancer.endpoint is ELBv2's (AWS_ENDPOINT_URL_EC2 works too). */
  constructor(opts: AwsClientOptions = {}) {
    this.region = opts.region;
    this.client = new EC2Client({
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      maxAttempts: 1, // retry.ts is the only retry layer
    });
    this.retry = { ...opts.retry, ...(opts.signal ? { signal: opts.signal } : {}) };
  }

  /** Running instances carrying every tag, in a stable order (by name, then id). */
  async discoverHosts(tags: Record<string, string>, opts: DiscoverOptions): Promise<StaticHost[]> {
    const entries = Object.entries(tags);
    if (entries.length === 0)
      throw new AwsUsageError(
        'hosts.discover.tags is empty: that would deploy to every running instance in the account; name at least one tag',
        'NoTags',
        'ec2:DescribeInstances',
        undefined,
      );
    const running = await this.running(entries);
    const wanted = entries.map(([k, v]) => `${k}=${v}`).join(', ');
    if (running.length === 0)
      throw new AwsUsageError(
        `no running EC2 instance carries the tags ${wanted}${await this.where()}: check hosts.discover.tags ` +
          '(keys and values are case-sensitive) and the region',
        'NoInstances',
        'ec2:DescribeInstances',
        undefined,
      );
    return toHosts(running, opts);
  }

  /** Every running instance carrying the tags, page after page. */
  private async running(tags: Array<[string, string]>): Promise<Instance[]> {
    const filters = [
      { Name: 'instance-state-name', Values: ['running'] },
      ...tags.map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })),
    ];
    const instances: Instance[] = [];
    let token: string | undefined;
    do {
      const page = await this.call({ action: 'ec2:DescribeInstances' }, () =>
        this.client.send(
          new DescribeInstancesCommand({ Filters: filters, ...(token ? { NextToken: token } : {}) }),
        ),
      );
      for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
      token = page.NextToken;
    } while (token);
    // The filter already asks for running instances; checking again keeps a stopping or
    // recently terminated one (EC2 may still list it) out of a deploy.
    return instances.filter((i) => i.State?.Name === 'running' && i.InstanceId);
  }

  /** MemoryInfo.SizeInMiB of an instance type (e.g. t3.small -> 2048). */
  async instanceMemoryMiB(instanceType: string): Promise<number> {
    const out = await this.call({ action: 'ec2:DescribeInstanceTypes' }, () =>
      this.client.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] })),
    );
    const mib = out.InstanceTypes?.find((t) => t.InstanceType === instanceType)?.MemoryInfo?.SizeInMiB;
    if (typeof mib !== 'number')
      throw new AwsUsageError(
        `EC2 reported no memory size for instance type '${instanceType}'${await this.where()}`,
        'NoMemoryInfo',
        'ec2:DescribeInstanceTypes',
        undefined,
      );
    return mib;
  }

  private async where(): Promise<string> {
    const region = this.region ?? (await this.client.config.region().catch(() => undefined));
    return region ? ` in ${region}` : '';
  }

  private call<T>(ctx: CallContext, fn: () => Promise<T>): Promise<T> {
    return awsCall({ ...ctx, ...(this.region ? { region: this.region } : {}) }, fn, this.retry, () =>
      this.client.config.region(),
    );
  }
}

const tagName = (i: Instance) => i.Tags?.find((t) => t.Key === 'Name')?.Value?.trim() || undefined;

/** Instances as hosts, in a stable order (by name, then id); an instance without the address is refused. */
function toHosts(running: Instance[], opts: DiscoverOptions): StaticHost[] {
  const counts = new Map<string, number>();
  for (const i of running) {
    const n = tagName(i);
    if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  const hosts = running.map((i): StaticHost => {
    const id = i.InstanceId!;
    const n = tagName(i);
    const address = opts.address === 'public' ? i.PublicIpAddress : i.PrivateIpAddress;
    if (!address)
      throw new AwsUsageError(
        `instance ${id}${n ? ` (${n})` : ''} has no ${opts.address} IP address: set hosts.discover.address to ` +
          `'${opts.address === 'public' ? 'private' : 'public'}', or run the tool where that address is reachable`,
        'NoAddress',
        'ec2:DescribeInstances',
        undefined,
      );
    return {
      // Two instances with the same Name tag stay distinguishable in output and --hosts.
      name: n ? ((counts.get(n) ?? 0) > 1 ? `${n}-${id}` : n) : id,
      host: address,
      port: 22,
      user: opts.user,
      instanceId: id,
      ...(opts.privateKeyPath ? { privateKeyPath: opts.privateKeyPath } : {}),
    };
  });
  return hosts.sort((a, b) => a.name.localeCompare(b.name) || a.instanceId!.localeCompare(b.instanceId!));
}
