// The maintenance response (issue 14) on ONE host behind the ALB model (3 nodes) under steady load,
// with --allow-downtime: while the only target is out, every request is answered by the listener
// rule's 503 with the configured body (never a 502, a bare 503 or a reset), and the rule is gone
// after a deploy that succeeds, one whose build fails, and one interrupted by SIGINT.
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { expect, it } from 'vitest';
import { ELBV2 } from '../../scripts/sandbox/contract.ts';
import { listenerArn } from '../../scripts/sandbox/elbv2/listener-actions.ts';
import type { TargetGroupOptions } from '../../scripts/sandbox/elbv2/model.ts';
import { formatLoad, type RequestRecord } from '../../scripts/sandbox/load.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import {
  brokenSource,
  DEREGISTER,
  hostView,
  sandboxConfig,
  startCli,
  waitForEvent,
} from '../helpers/deploy-sandbox.ts';
import { ALB_UP, awsEnv, elbv2Client, underAlbLoad } from './_alb.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const RATE = 40;
const LISTENER = listenerArn({ arn: ELBV2.targetGroupArn } as TargetGroupOptions);
const BODY = '<h1>handoff sandbox: back in a minute</h1>';

sandboxDescribe('maintenance response: the only target, --allow-downtime', () => {
  const sandbox = sandboxForSuite({
    ...ALB_UP,
    hosts: 1,
    deregistrationDelaySeconds: 300,
    propagation: { minSeconds: 1, maxSeconds: 4, seed: 14 },
  });

  const config = (state: SandboxState, source?: string) =>
    sandboxConfig(state, {
      ...DEREGISTER,
      ...(source ? { source } : {}),
      extra: { ...DEREGISTER.extra, maintenance: { listenerArn: LISTENER, body: BODY } },
    });
  const rulesLeft = async () =>
    ((await elbv2Client().send(new DescribeRulesCommand({ ListenerArn: LISTENER }))).Rules ?? []).filter(
      (r) => !r.IsDefault,
    );

  it('success, a failed build, SIGINT: 503 with the body during each window, nothing else failed, no rule left', async () => {
    const state = sandbox();
    const h1 = state.hosts[0]!;
    const runs: { name: string; code: number | null; out: string; from: number; to: number; left: number }[] =
      [];
    const once = async (name: string, dir: string, interrupt?: (reportDir: string) => Promise<void>) => {
      const from = Date.now();
      const cli = startCli(['run', '--yes', '--allow-downtime'], dir, awsEnv);
      if (interrupt) await interrupt(`${dir}/report`).then(() => cli.child.kill('SIGINT'));
      const r = await cli.done;
      runs.push({
        name,
        code: r.code,
        out: `${r.stdout}\n${r.stderr}`,
        from,
        to: Date.now(),
        left: (await rulesLeft()).length,
      });
    };
    const { load } = await underAlbLoad(
      state,
      async () => {
        await once('success', config(state).dir);
        await once('failed build', config(state, brokenSource()).dir);
        await once('SIGINT during the build', config(state).dir, (reportDir) =>
          waitForEvent(reportDir, (e) => e.kind === 'step:start' && e.step === 'build', 90_000),
        );
      },
      RATE,
    );
    const failed = load.requests.filter((r) => r.outcome !== 'ok');
    const during = (run: (typeof runs)[number]) =>
      failed.filter((r: RequestRecord) => r.at >= run.from && r.at <= run.to);
    console.log(
      `[maintenance] ${formatLoad(load)}\n${runs.map((r) => `  ${r.name}: exit ${r.code}, ${during(r).length} answered by the rule, ${r.left} rule(s) left`).join('\n')}`,
    );
    expect(
      runs.map((r) => [r.name, r.code]),
      runs.map((r) => r.out).join('\n---\n'),
    ).toEqual([
      ['success', 0],
      ['failed build', 1],
      ['SIGINT during the build', 1],
    ]);
    for (const r of runs) expect(r.left, r.name).toBe(0);
    // Every request that did not get a 2xx got the rule's answer: no 502, no bare 503, no reset, no timeout.
    expect(load.errors + load.timeouts, formatLoad(load)).toBe(0);
    expect(Object.keys(load.statusCounts).sort()).toEqual(['200', '503']);
    expect(failed.filter((r) => r.status !== 503 || r.body !== BODY)).toEqual([]);
    // Each window was answered by the rule (the old JVM was stopped in each run).
    for (const r of runs) expect(during(r).length, r.name).toBeGreaterThan(0);
    expect((await hostView(h1.ip)).health).toBe('200');
  }, 240_000);

  // What a killed deploy (SIGKILL) leaves: the rule. `run` refuses before touching the host,
  // `status` names the rule, `unlock` removes it; a priority another rule holds is refused too.
  it('a leftover rule: run exits 2, status shows it, unlock removes it; a taken priority is exit 2', async () => {
    const state = sandbox();
    const { dir } = config(state);
    const create = (body: string, type: string) =>
      elbv2Client().send(
        new CreateRuleCommand({
          ListenerArn: LISTENER,
          Priority: 1,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
          Actions: [
            {
              Type: 'fixed-response',
              FixedResponseConfig: { StatusCode: '503', ContentType: type, MessageBody: body },
            },
          ],
        }),
      );
    const arn = (await create(BODY, 'text/html')).Rules?.[0]?.RuleArn;
    const refused = await startCli(['run', '--yes', '--allow-downtime'], dir, awsEnv).done;
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/still has the maintenance rule .*deploy unlock/);
    const status = await startCli(['status'], dir, awsEnv).done;
    expect(status.stdout).toContain(`maintenance rule ${arn} (priority 1) is still on the listener`);
    const json = await startCli(['status', '--json'], dir, awsEnv).done;
    expect(JSON.parse(json.stdout).maintenanceRules).toEqual([{ arn, priority: 1 }]);
    const unlock = await startCli(['unlock'], dir, awsEnv).done;
    expect(unlock.stdout).toContain(`removed the maintenance rule ${arn}`);
    expect(await rulesLeft()).toEqual([]);
    // Someone else's rule at that priority is never taken for handoff's, nor removed by unlock.
    const theirs = (await create('{"maintenance":true}', 'application/json')).Rules?.[0]?.RuleArn;
    const taken = await startCli(['run', '--yes', '--allow-downtime'], dir, awsEnv).done;
    expect(taken.code, taken.stderr).toBe(2);
    expect(taken.stderr).toMatch(/maintenance.priority: 1 is taken/);
    await startCli(['unlock'], dir, awsEnv).done;
    expect((await rulesLeft()).map((r) => r.RuleArn)).toEqual([theirs]);
    await elbv2Client().send(new DeleteRuleCommand({ RuleArn: theirs }));
  }, 90_000);
});
