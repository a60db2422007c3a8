// EC2 discovery and instance memory against aws-sdk-client-mock: filters sent, pagination, only
// running instances, private or public address, Name tag; RequestLimitExceeded retried.
import {
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  EC2ServiceException,
  type Instance,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2Inventory } from '../../src/aws/ec2.ts';
import { AwsError } from '../../src/aws/errors.ts';
import { UsageError } from '../../src/errors.ts';

const ec2 = mockClient(EC2Client);
const RETRIES = 2;
const inventory = () =>
  new Ec2Inventory({ region: 'eu-west-1', retry: { retries: RETRIES, minTimeoutMs: 1, maxTimeoutMs: 2 } });
const opts = { address: 'private' as const, user: 'ec2-user', privateKeyPath: '/keys/deploy' };

const instance = (id: string, state: string, extra: Partial<Instance> = {}): Instance => ({
  InstanceId: id,
  InstanceType: 't3.small',
  State: { Name: state as never, Code: state === 'running' ? 16 : 80 },
  PrivateIpAddress: `10.0.1.${id.slice(-1)}`,
  PublicIpAddress: `54.0.0.${id.slice(-1)}`,
  Tags: [{ Key: 'app', Value: 'web' }],
  ...extra,
});
const ec2Error = (name: string, status: number, message: string) =>
  new EC2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });

async function failure(p: Promise<unknown>): Promise<Error & { exitCode?: number }> {
  const outcome = await p.then(
    () => undefined,
    (e: Error) => e,
  );
  if (!outcome) throw new Error('expected a rejection');
  return outcome;
}

beforeEach(() => ec2.reset());

describe('discoverHosts', () => {
  it('sends running + tag filters, follows NextToken, and keeps only running instances', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              instance('i-000000000000000b2', 'running', { Tags: [{ Key: 'Name', Value: 'web-b' }] }),
              instance('i-000000000000000c3', 'stopped'), // EC2 may list it anyway: never deploy to it
            ],
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              instance('i-000000000000000a1', 'running', { Tags: [{ Key: 'Name', Value: 'web-a' }] }),
            ],
          },
          { Instances: [instance('i-000000000000000d4', 'running', { Tags: [] })] },
        ],
      });
    const hosts = await inventory().discoverHosts({ app: 'web', env: 'prod' }, opts);
    expect(hosts).toEqual([
      {
        name: 'i-000000000000000d4',
        host: '10.0.1.4',
        port: 22,
        user: 'ec2-user',
        instanceId: 'i-000000000000000d4',
        privateKeyPath: '/keys/deploy',
      },
      {
        name: 'web-a',
        host: '10.0.1.1',
        port: 22,
        user: 'ec2-user',
        instanceId: 'i-000000000000000a1',
        privateKeyPath: '/keys/deploy',
      },
      {
        name: 'web-b',
        host: '10.0.1.2',
        port: 22,
        user: 'ec2-user',
        instanceId: 'i-000000000000000b2',
        privateKeyPath: '/keys/deploy',
      },
    ]);
    const calls = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    const filters = [
      { Name: 'instance-state-name', Values: ['running'] },
      { Name: 'tag:app', Values: ['web'] },
      { Name: 'tag:env', Values: ['prod'] },
    ];
    expect(calls).toEqual([{ Filters: filters }, { Filters: filters, NextToken: 'page-2' }]);
  });

  it("address 'public' uses the public IP; an instance without one is a usage error", async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance('i-1', 'running')] }] });
    const [host] = await inventory().discoverHosts({ app: 'web' }, { ...opts, address: 'public' });
    expect(host?.host).toBe('54.0.0.1');

    ec2.reset();
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [instance('i-1', 'running', { PublicIpAddress: undefined })] }],
    });
    const e = await failure(inventory().discoverHosts({ app: 'web' }, { ...opts, address: 'public' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain("i-1 has no public IP address: set hosts.discover.address to 'private'");
  });

  it('two instances with the same Name tag stay distinguishable', async () => {
    const named = { Tags: [{ Key: 'Name', Value: 'web' }] };
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [instance('i-2', 'running', named), instance('i-1', 'running', named)] }],
    });
    const hosts = await inventory().discoverHosts({ app: 'web' }, opts);
    expect(hosts.map((h) => h.name)).toEqual(['web-i-1', 'web-i-2']);
  });

  it('no running instance with the tags: a usage error naming the tags and region', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance('i-1', 'stopped')] }] });
    const e = await failure(inventory().discoverHosts({ app: 'web' }, opts));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain('no running EC2 instance carries the tags app=web in eu-west-1');
  });

  it('refuses empty tags (it would match every instance in the account) without calling EC2', async () => {
    const e = await failure(inventory().discoverHosts({}, opts));
    expect(e).toBeInstanceOf(UsageError);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('retries RequestLimitExceeded (503), then succeeds', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejectsOnce(ec2Error('RequestLimitExceeded', 503, 'Request limit exceeded.'))
      .resolves({ Reservations: [{ Instances: [instance('i-1', 'running')] }] });
    expect(await inventory().discoverHosts({ app: 'web' }, opts)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it('RequestLimitExceeded that outlasts the retries: exit 1, says rate-limited', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(ec2Error('RequestLimitExceeded', 503, 'Request limit exceeded.'));
    const e = await failure(inventory().discoverHosts({ app: 'web' }, opts));
    expect(e).toBeInstanceOf(AwsError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('rate-limiting ec2:DescribeInstances');
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(RETRIES + 1);
  });

  it('UnauthorizedOperation: names ec2:DescribeInstances, not retried', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(ec2Error('UnauthorizedOperation', 403, 'You are not authorized to perform this operation.'));
    const e = await failure(inventory().discoverHosts({ app: 'web' }, opts));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain('AWS denied ec2:DescribeInstances (UnauthorizedOperation)');
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });

  it('AuthFailure / expired credentials are usage errors that say what to do', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('RequestExpired', 400, 'Request has expired.'));
    const e = await failure(inventory().discoverHosts({ app: 'web' }, opts));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain('have expired (RequestExpired)');
  });
});

describe('instanceMemoryMiB', () => {
  it('reads MemoryInfo.SizeInMiB for the type asked', async () => {
    ec2
      .on(DescribeInstanceTypesCommand, { InstanceTypes: ['t3.small'] })
      .resolves({ InstanceTypes: [{ InstanceType: 't3.small', MemoryInfo: { SizeInMiB: 2048 } }] });
    expect(await inventory().instanceMemoryMiB('t3.small')).toBe(2048);
  });

  it('an unknown type is a usage error', async () => {
    ec2
      .on(DescribeInstanceTypesCommand)
      .rejects(
        ec2Error('InvalidInstanceType', 400, 'The following supplied instance types do not exist: [t3.smol]'),
      );
    const e = await failure(inventory().instanceMemoryMiB('t3.smol'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain('t3.smol');
    expect(ec2.commandCalls(DescribeInstanceTypesCommand)).toHaveLength(1);
  });
});
