// Four hosts over Systems Manager in batches of two, under load: the hosts of a batch send the same
// command once (one SendCommand with both InstanceIds, docs/transports.md "Batches"), so the deploy
// makes fewer SendCommand requests than it runs commands, and polls each joint command with one
// ListCommandInvocations for both hosts; still 0 failed requests, every host on the new release.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/config.ts';
import { sandboxDescribe } from './_env.ts';
import { deployUnderLoad, ssmConfig, ssmSuite } from './_ssm.ts';

sandboxDescribe('four hosts over Systems Manager in batches of two', () => {
  const suite = ssmSuite(4);

  it('the hosts of a batch share their SendCommands and their polls: fewer than one per host per command, 0 failed', async () => {
    const state = suite.state();
    const ssm = suite.ssm();
    const dir = ssmConfig(state, ssm, undefined, { extra: { rollout: { batchSize: 2, minHealthy: 2 } } });
    const { endpoint } = ssm;
    const calls = (action: string) => endpoint.counts[action]?.calls ?? 0;
    const [sendsBefore, getsBefore, listsBefore] = [
      calls('SendCommand'),
      calls('GetCommandInvocation'),
      calls('ListCommandInvocations'),
    ];
    const seen = new Set(endpoint.model.invocations.keys());
    const { commands, total, failed } = await deployUnderLoad(state, dir, join(tempDir(), 'trace.jsonl'));
    const sends = calls('SendCommand') - sendsBefore;
    const gets = calls('GetCommandInvocation') - getsBefore;
    const lists = calls('ListCommandInvocations') - listsBefore;
    // Which hosts each SendCommand of this deploy went to (instance → host name).
    const names = Object.fromEntries(Object.entries(ssm.instances).map(([n, id]) => [id, n]));
    const targets = new Map<string, string[]>();
    for (const [key, inv] of endpoint.model.invocations)
      if (!seen.has(key))
        targets.set(inv.commandId, [...(targets.get(inv.commandId) ?? []), names[inv.instanceId]!]);
    const joint = [...targets.values()].filter((t) => t.length > 1);
    console.log(
      `[ssm-batch] ${commands.length} commands on 4 hosts, ${sends} SendCommand (${(sends / commands.length).toFixed(2)} per command), ${joint.length} of them to 2 hosts; polls: ${gets} GetCommandInvocation, ${lists} ListCommandInvocations; ${total} requests, ${failed} failed`,
    );
    expect(sends).toBe(targets.size);
    expect(sends).toBeLessThan(commands.length);
    expect(joint.length).toBeGreaterThan(10);
    // Every joint command is polled by one list for both hosts (at least one look each).
    expect(lists).toBeGreaterThanOrEqual(joint.length);
  }, 300_000);
});
