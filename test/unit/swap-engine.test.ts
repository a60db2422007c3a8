// strategy 'swap' in the engine's terms: its step order, its config rules, and its remote commands'
// parsers (what listens on the pair, the recorded live port).
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { parseListeners, parseLivePort } from '../../src/remote/swap.ts';
import { sequence } from '../../src/runbook/sequence.ts';

const base = {
  app: { name: 'demo', ports: [8080, 8081], portEnv: 'PORT' },
  hosts: [{ name: 'h1', host: '10.0.0.1', instanceId: 'i-0abc' }],
  loadBalancer: { targetGroup: 'tg' },
  drain: { mode: 'deregister' },
  strategy: 'swap',
};
const issues = (config: object) => {
  const r = validateConfig(config);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('strategy swap', () => {
  it('starts and admits the new JVM before the old port is drained and its JVM stopped', () => {
    expect(sequence({ strategy: 'swap', buildWhere: 'host', kind: 'deploy' })).toEqual([
      'preflight',
      'upload',
      'build',
      'start',
      'health',
      'admit',
      'settle',
      'drain',
      'wait',
      'stop',
    ]);
    expect(sequence({ strategy: 'swap', buildWhere: 'local', kind: 'deploy' })).not.toContain('build');
  });

  it('needs the pair with app.port in it, a target group and instance ids; the port is not in start.env', () => {
    expect(issues(base)).toEqual([]);
    expect(issues({ ...base, app: { name: 'demo' } })).toEqual(["app.ports: required with strategy 'swap'"]);
    expect(issues({ ...base, app: { ...base.app, ports: [9000, 9001] } })).toEqual([
      'app.ports: does not include app.port 8080',
    ]);
    expect(issues({ ...base, app: { ...base.app, ports: [8080, 8080] } })).toEqual([
      'app.ports: names one port twice',
    ]);
    expect(
      issues({
        ...base,
        drain: { mode: 'termination' },
        loadBalancer: {
          healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 2, healthyThreshold: 2 },
        },
      }),
    ).toEqual(["loadBalancer.targetGroup: required with strategy 'swap'"]);
    expect(issues({ ...base, app: { ...base.app, start: { env: { PORT: '1' } } } })).toEqual([
      'app.start.env.PORT: is set by the swap (app.portEnv): each JVM gets its own port',
    ]);
  });

  it('reads the listeners on the pair and the live port', () => {
    expect(parseListeners('8080 4242\n8081 \n')).toEqual([{ port: 8080, pid: 4242 }, { port: 8081 }]);
    expect(parseLivePort('8081\n', 8080)).toBe(8081);
    expect(parseLivePort('', 8080)).toBe(8080);
    expect(parseLivePort('junk', 8080)).toBe(8080);
  });
});
