// The ELBv2 endpoint without HAProxy or sockets: Query parsing, XML, the target state machine, HAProxy output
// parsing, and the whole request path driven by the real SDK through a request handler and a fake runtime.
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createEmulator, type Runtime } from '../../scripts/sandbox/elbv2/actions.ts';
import { validateOptions } from '../../scripts/sandbox/elbv2/model.ts';
import { parseQuery, QueryParseError } from '../../scripts/sandbox/elbv2/query.ts';
import { respond } from '../../scripts/sandbox/elbv2/server.ts';
import * as sm from '../../scripts/sandbox/elbv2/state.ts';
import { element, errorXml, escapeXml, responseXml } from '../../scripts/sandbox/elbv2/xml.ts';
import {
  checkCode,
  opFromStatus,
  parseServersState,
  parseStatCsv,
  toServerState,
} from '../../scripts/sandbox/haproxy-runtime.ts';
import { emulatorOptions, sdkOver } from './_elbv2-sdk.ts';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/sandbox-tg/0123456789abcdef';
const H1 = 'i-0a0000000000000001';
const H2 = 'i-0a0000000000000002';
const timing = { intervalSeconds: 2, timeoutSeconds: 1, unhealthyThreshold: 3 };

describe('parseQuery', () => {
  it('nests .member.N lists and dotted structures, in N order, URL-decoded', () => {
    const q = parseQuery(
      `Action=DeregisterTargets&Version=2015-12-01&TargetGroupArn=${encodeURIComponent(ARN)}` +
        '&Targets.member.10.Id=i-10&Targets.member.2.Id=i-2&Targets.member.2.Port=8080&Names.member.1=a%20b',
    );
    expect(q).toEqual({
      Action: 'DeregisterTargets',
      Version: '2015-12-01',
      TargetGroupArn: ARN,
      Targets: [{ Id: 'i-2', Port: '8080' }, { Id: 'i-10' }],
      Names: ['a b'],
    });
  });
  it('rejects malformed list indexes', () => {
    expect(() => parseQuery('Targets.member.0.Id=x')).toThrow(QueryParseError);
    expect(() => parseQuery('Targets.member.x.Id=x')).toThrow(QueryParseError);
    expect(() => parseQuery('Targets..Id=x')).toThrow(QueryParseError);
  });
});

describe('xml', () => {
  it('escapes text and serializes lists as <member>, omitting undefined', () => {
    expect(escapeXml(`<a href="x">&'</a>\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(element('R', { A: [1, 'x<'], B: undefined, C: {}, D: [] })).toBe(
      '<R><A><member>1</member><member>x&lt;</member></A><C/><D/></R>',
    );
    expect(() => element('bad name', 'x')).toThrow();
  });
  it('wraps results and errors the way the Query protocol does', () => {
    expect(responseXml('RegisterTargets', {}, 'r-1')).toContain(
      '<RegisterTargetsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><RegisterTargetsResult/><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></RegisterTargetsResponse>',
    );
    expect(errorXml('Sender', 'InvalidTarget', 'a & b', 'r-2')).toContain(
      '<Error><Type>Sender</Type><Code>InvalidTarget</Code><Message>a &amp; b</Message></Error><RequestId>r-2</RequestId></ErrorResponse>',
    );
  });
});

describe('target state machine', () => {
  const base: sm.TargetRecord = {
    id: H1,
    server: 'h1',
    port: 8080,
    phase: 'registered',
    since: 0,
    fresh: false,
  };
  const up: sm.ServerView = { op: 'UP', checkStatus: 'L7OK', checkCode: 200, checkHealth: 3 };

  it('deregister → draining (drain) for the whole delay → unused (maint); register → initial through checks', () => {
    const d = sm.deregister(base, 1000);
    expect(d).toEqual({ record: { ...base, phase: 'draining', since: 1000 }, command: 'drain' });
    expect(sm.targetHealth(d.record, up, 1000, timing)).toEqual(sm.DRAINING);
    expect(sm.expire(d.record, 3999, 3000)).toEqual({ record: d.record });
    const u = sm.expire(d.record, 4000, 3000);
    expect(u).toEqual({ record: { ...d.record, phase: 'unused', since: 4000 }, command: 'maint' });
    expect(sm.targetHealth(u.record, undefined, 4000, timing)).toEqual(sm.NOT_REGISTERED);
    expect(sm.deregister(u.record, 5000)).toEqual({ record: u.record }); // no-op, no command
    const r = sm.register(u.record, 5000);
    expect(r).toEqual({
      record: { ...u.record, phase: 'registered', since: 5000, fresh: true },
      command: 'ready-through-checks',
    });
    expect(sm.register(r.record, 6000)).toEqual({ record: r.record }); // already registered: no-op
  });

  it('reports initial while HAProxy checks a fresh registration, then healthy or unhealthy', () => {
    const fresh = { ...base, since: 0, fresh: true };
    const down: sm.ServerView = { op: 'DOWN', checkStatus: 'L7OK', checkCode: 200, checkHealth: 0 };
    expect(sm.targetHealth(fresh, down, 500, timing).Reason).toBe('Elb.RegistrationInProgress');
    expect(sm.targetHealth(fresh, { ...down, checkHealth: 1 }, 500, timing).Reason).toBe(
      'Elb.InitialHealthChecking',
    );
    expect(sm.targetHealth(fresh, down, 2500, timing).Reason).toBe('Elb.InitialHealthChecking');
    expect(sm.targetHealth(fresh, up, 2500, timing)).toEqual({ State: 'healthy' });
    // still failing after unhealthyThreshold × interval + timeout = 7 s: unhealthy
    const failing: sm.ServerView = { op: 'DOWN', checkStatus: 'L7STS', checkCode: 502, checkHealth: 0 };
    expect(sm.targetHealth(fresh, failing, 7000, timing).State).toBe('unhealthy');
    expect(sm.observe(fresh, up).fresh).toBe(false);
    expect(sm.observe(fresh, down).fresh).toBe(true);
  });

  it('maps HAProxy check results onto ALB reason codes', () => {
    const health = (checkStatus: string, checkCode?: number) =>
      sm.targetHealth(base, { op: 'DOWN', checkStatus, checkCode }, 0, timing);
    expect(health('L7STS', 502)).toEqual({
      State: 'unhealthy',
      Reason: 'Target.ResponseCodeMismatch',
      Description: 'Health checks failed with these codes: [502]',
    });
    expect(health('L7TOUT').Reason).toBe('Target.Timeout');
    expect(health('L4TOUT').Reason).toBe('Target.Timeout');
    expect(health('L4CON').Reason).toBe('Target.FailedHealthChecks');
    expect(health('L7RSP').Reason).toBe('Target.FailedHealthChecks');
    expect(sm.targetHealth(base, { op: 'MAINT', checkStatus: '' }, 0, timing).State).toBe('unavailable');
  });

  it('starts from HAProxy admin states', () => {
    const t = { id: H1, server: 'h1', port: 8080 };
    expect(sm.fromAdminState(t, 'maint', 5).phase).toBe('unused');
    expect(sm.fromAdminState(t, 'drain', 5).phase).toBe('draining');
    expect(sm.fromAdminState(t, 'ready', 5)).toEqual({ ...t, phase: 'registered', since: 5, fresh: false });
  });
});

describe('HAProxy 2.6 output parsing', () => {
  const header =
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo';
  const row =
    'app,h2,0,0,1,1,,9,0,0,,0,,0,0,0,0,DOWN,1,1,0,3,1,2,9,,1,3,2,,0,,2,0,,0,L7STS,502,1,0,0,0,0,0,0,,,,0,0,0,,,,,-1,Bad Gateway,,0,0,0,0,,,,Layer7 wrong status,,2,2,0,,,,127.0.0.1:19002,,http,';

  it('reads show stat CSV into ServerState', () => {
    const [s] = parseStatCsv(`${header}\n${row}\n\n`).map(toServerState);
    expect(s).toMatchObject({
      backend: 'app',
      server: 'h2',
      address: '127.0.0.1:19002',
      op: 'DOWN',
      checkStatus: 'L7STS',
    });
    expect(checkCode(s!)).toBe(502);
    expect(s!.raw.scur).toBe('1');
    const inProgress = toServerState({
      pxname: 'app',
      svname: 'h1',
      status: 'UP 1/2',
      check_status: '* L7OK',
    });
    expect(inProgress).toMatchObject({ op: 'UP', checkStatus: 'L7OK' });
    expect(checkCode(inProgress)).toBeUndefined();
    expect(() => parseStatCsv('No such proxy.\n')).toThrow(/show stat/);
  });

  it('reads status words and admin masks', () => {
    expect(
      ['UP', 'UP 1/2', 'DOWN 1/2', 'no check', 'MAINT (via app/h1)', 'DRAIN', 'NOLB', 'weird'].map(
        opFromStatus,
      ),
    ).toEqual(['UP', 'UP', 'DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB', 'UNKNOWN']);
    const text =
      '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight\n' +
      '3 app 1 h1 127.0.0.1 2 8 1\n3 app 2 h2 127.0.0.1 0 1 1\n3 app 3 h3 127.0.0.1 2 0 1\n';
    expect([...parseServersState(text)]).toEqual([
      ['h1', 'drain'],
      ['h2', 'maint'],
      ['h3', 'ready'],
    ]);
  });
});

describe('the endpoint through the real SDK (fake HAProxy)', () => {
  const setup = async () => {
    let clock = 0;
    const commands: string[] = [];
    const views = new Map<string, sm.ServerView>([
      ['h1', { op: 'UP', checkStatus: 'L7OK', checkCode: 200, checkHealth: 3 }],
      ['h2', { op: 'UP', checkStatus: 'L7OK', checkCode: 200, checkHealth: 3 }],
    ]);
    let broken = false;
    const runtime: Runtime = {
      servers: async () => {
        if (broken) throw new Error('connect ENOENT admin.sock');
        return new Map(views);
      },
      adminStates: async () =>
        new Map([
          ['h1', 'ready'],
          ['h2', 'ready'],
        ] as const),
      apply: async (server, command) => void commands.push(`${server}:${command}`),
    };
    const opts = emulatorOptions(
      [
        { id: H1, server: 'h1', port: 8080 },
        { id: H2, server: 'h2', port: 8080 },
      ],
      300,
    );
    validateOptions(opts);
    const emulator = await createEmulator(opts, runtime, () => clock);
    const elb = sdkOver(emulator);
    return {
      elb,
      emulator,
      views,
      commands,
      advance: (ms: number) => (clock += ms),
      breakIt: () => (broken = true),
    };
  };
  const stateOf = async (elb: ElasticLoadBalancingV2Client, Id: string, Port?: number) =>
    (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: ARN, Targets: [{ Id, Port }] })))
      .TargetHealthDescriptions?.[0]?.TargetHealth?.State;

  it('describes the group and attributes', async () => {
    const { elb } = await setup();
    const tg = (await elb.send(new DescribeTargetGroupsCommand({ Names: ['sandbox-tg'] }))).TargetGroups?.[0];
    expect(tg).toMatchObject({
      HealthCheckIntervalSeconds: 2,
      HealthCheckTimeoutSeconds: 1,
      UnhealthyThresholdCount: 3,
    });
    expect(tg?.LoadBalancerArns?.[0]).toMatch(/:loadbalancer\/app\/sandbox-tg-alb\//);
    const attrs = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: ARN }));
    expect(attrs.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '300' });
  });

  it('drains, keeps draining for the delay, then unused; registers through initial', async () => {
    const { elb, emulator, views, commands, advance } = await setup();
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: 8080 }] }));
    expect(commands).toEqual(['h1:drain']);
    advance(299_999);
    await emulator.tick();
    expect(await stateOf(elb, H1)).toBe('draining');
    advance(1);
    await emulator.tick();
    expect(commands).toEqual(['h1:drain', 'h1:maint']);
    expect(await stateOf(elb, H1)).toBe('unused');
    const all = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: ARN }));
    expect(all.TargetHealthDescriptions?.map((d) => d.Target?.Id)).toEqual([H2]);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1 }] })); // group port
    expect(commands.at(-1)).toBe('h1:ready-through-checks');
    views.set('h1', { op: 'DOWN', checkStatus: 'L7OK', checkCode: 200, checkHealth: 0 });
    expect(await stateOf(elb, H1)).toBe('initial');
    views.set('h1', { op: 'UP', checkStatus: 'L7OK', checkCode: 200, checkHealth: 3 });
    expect(await stateOf(elb, H1)).toBe('healthy');
  });

  it('answers the errors the SDK maps to exceptions', async () => {
    const { elb, commands, breakIt } = await setup();
    // biome-ignore lint/suspicious/noExplicitAny: one helper for every command type
    const send = (command: any) => elb.send(command);
    await expect(
      send(new DescribeTargetGroupsCommand({ TargetGroupArns: [`${ARN}0`] })),
    ).rejects.toMatchObject({
      name: 'TargetGroupNotFoundException',
    });
    await expect(
      send(new DeregisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: 'i-nope' }] })),
    ).rejects.toMatchObject({ name: 'InvalidTargetException' });
    await expect(
      send(new RegisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: 9 }] })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(
      send(new DescribeTargetGroupsCommand({ Names: ['sandbox-tg'], TargetGroupArns: [ARN] })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await send(new DeregisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: 9 }] })); // other port: no-op
    expect(commands).toEqual([]);
    expect(await stateOf(elb, H1, 9)).toBe('unused');
    breakIt();
    await expect(send(new DescribeTargetHealthCommand({ TargetGroupArn: ARN }))).rejects.toMatchObject({
      name: 'HealthUnavailableException',
      $metadata: { httpStatusCode: 500 },
    });
  });

  it('rejects unknown actions and versions with InvalidAction', async () => {
    const { emulator } = await setup();
    const answer = await respond(emulator, 'POST', '/', 'Action=CreateLoadBalancer&Version=2015-12-01');
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>InvalidAction</Code>');
    expect(
      (await respond(emulator, 'POST', '/', 'Action=DescribeTargetGroups&Version=2012-06-01')).body,
    ).toContain('<Code>InvalidAction</Code>');
    expect(
      (await respond(emulator, 'POST', '/', 'Action=DescribeTargetGroups&Targets.member.0.Id=x')).status,
    ).toBe(400);
  });
});
