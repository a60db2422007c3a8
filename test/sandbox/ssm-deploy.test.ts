// The two-host rolling deploy under load with `transport: 'ssm'`: every command through the local
// Systems Manager endpoint and the agents inside the hosts, no SSH key (the config names none and
// its known_hosts does not exist), the source sent in pieces through `run`, the memory sampler read
// back from a file on the host. 0 failed requests. Faults: ssm-deploy-faults.test.ts.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { sandboxDescribe } from './_env.ts';
import { deployUnderLoad, ssmSuite } from './_ssm.ts';

sandboxDescribe('deploy run over Systems Manager (transport ssm)', () => {
  const { state, ssm, config } = ssmSuite();

  it('a two-host deploy under load: 0 failed, both hosts on the new release, the memory series complete', async () => {
    const dir = config();
    const before = ssm().endpoint.model.invocations.size;
    const { run, report, total, failed } = await deployUnderLoad(state(), dir);
    expect(report.result).toBe('deployed');
    // The sampler's file read back every few seconds: every second is there, and no overlap.
    expect(report.memory?.missedSamples).toBe(0);
    expect(report.memory?.overlapSeconds).toBe(0);
    const sent = ssm().endpoint.model.invocations.size - before;
    console.log(
      `[ssm-deploy] ${sent} Run Commands, ${total} requests, ${failed} failed, ${run.stdout
        .split('\n')
        .filter((l) => /deployed|total/i.test(l))
        .join(' | ')}`,
    );
    expect(sent).toBeGreaterThan(20);
    expect(existsSync('/nonexistent/known_hosts')).toBe(false);
  }, 300_000);
});
