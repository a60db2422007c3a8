// strategy 'swap' after the old port was deregistered: the undo restores the old port before it
// takes the new one away, and restarts the previous release there when the old JVM is gone (a
// failure in `stop` after its SIGTERM); a restore that fails is exit 4, never "service restored".
import { describe, expect, it } from 'vitest';
import type { Cmd } from '../../src/remote/shell.ts';
import { baseConfig, deregisterMode, swapOnOne } from '../helpers/config.ts';
import { runEngine } from '../helpers/engine.ts';
import { healthyLb, swapHost } from '../helpers/lb.ts';

const swapConfig = () => deregisterMode(swapOnOne(baseConfig()));

/** The old JVM (4242) on 8080 stops for good when `stop` sends its SIGTERM; recording the live port then fails. */
function oldJvmGone(order: string[]) {
  let oldStopped = false;
  let restarted = false;
  return (host: string, cmd: Cmd) => {
    const port = cmd.argv.includes('8080') ? 8080 : cmd.argv.includes('8081') ? 8081 : undefined;
    if (cmd.kind === 'jvm.stop' && cmd.argv.includes('4242')) oldStopped = true;
    if (cmd.kind === 'jvm.start' && oldStopped) {
      restarted = true;
      order.push(
        `start previous ${cmd.argv
          .find((a) => a.includes('/releases/'))
          ?.split('/')
          .at(-1)}`,
      );
      return { stdout: '5151\n' };
    }
    if (cmd.kind === 'port.write') return { code: 1, stderr: 'No space left on device' };
    if (cmd.kind === 'health.probe' && port === 8080 && oldStopped && !restarted) return { stdout: '000' };
    if (cmd.kind === 'jvm.alive' && cmd.argv.includes('4242') && oldStopped) return { stdout: 'dead\n' };
    return swapHost(host, cmd);
  };
}

describe('swap: a failure once the old port is out', () => {
  it('restarts the previous release on the old port when the old JVM is gone, then registers it, then takes the new port out', async () => {
    const calls: string[] = [];
    const { run, log } = await runEngine({
      config: swapConfig(),
      respond: oldJvmGone(calls),
      lb: { port: healthyLb({ calls }), arn: 'arn:tg' },
    });
    expect(run.exitCode, run.error).toBe(1);
    expect(run.hosts[0]?.result).toBe('rolled-back');
    expect(run.error).toMatch(/No space left on device/);
    const undo = calls.slice(calls.indexOf('deregister i-0a:8080') + 1);
    expect(undo).toEqual(['start previous previous', 'register i-0a:8080', 'deregister i-0a:8081']);
    // The new JVM is stopped only after its port is out.
    const kinds = log.map((r) => r.kind);
    expect(kinds.lastIndexOf('jvm.stop')).toBeGreaterThan(kinds.lastIndexOf('jvm.start'));
  });

  it('keeps the old JVM that still serves: only its port is registered again', async () => {
    const calls: string[] = [];
    const { run } = await runEngine({
      config: swapConfig(),
      // The stop fails and the old JVM still answers on its port.
      respond: (host, cmd) =>
        cmd.kind === 'jvm.stop' && cmd.argv.includes('4242')
          ? { code: 1, stderr: 'still alive after SIGKILL' }
          : swapHost(host, cmd),
      lb: { port: healthyLb({ calls }), arn: 'arn:tg' },
    });
    expect(run.exitCode, run.error).toBe(1);
    const undo = calls.slice(calls.indexOf('deregister i-0a:8080') + 1);
    expect(undo).toEqual(['register i-0a:8080', 'deregister i-0a:8081']);
  });

  it('a restore that cannot register the old port is exit 4, and the new port keeps serving', async () => {
    const calls: string[] = [];
    const { run } = await runEngine({
      config: swapConfig(),
      respond: oldJvmGone([]),
      lb: { port: healthyLb({ calls, failRegister: (t) => t.port === 8080 }), arn: 'arn:tg' },
    });
    expect(run.exitCode, run.error).toBe(4);
    expect(run.hosts[0]?.result).toBe('failed');
    expect(run.error).toMatch(/RegisterTargets i-0a:8080/);
  });
});
