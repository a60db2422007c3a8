// Every bad config exits 2 with the key path (or the file) in the message, before anything runs.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runCli } from '../helpers/cli.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';

const base = baseConfig();
const cases: [string, Record<string, unknown> | string, RegExp][] = [
  ['wrong type', edit(base, 'app.port', '8080'), /app\.port: expected number, got string "8080"/],
  [
    'unknown top-level key, with a suggestion',
    edit(base, 'aap', {}),
    /aap: unknown key \(did you mean 'app'\?\)/,
  ],
  ['unknown nested key', edit(base, 'app.helth', {}), /app\.helth: unknown key \(did you mean 'health'\?\)/],
  [
    'timeout not below interval',
    edit(base, 'loadBalancer.healthCheck.timeoutSeconds', 5),
    /loadBalancer\.healthCheck\.timeoutSeconds: must be below intervalSeconds \(5 >= 5\)/,
  ],
  ['no hosts', edit(base, 'hosts', []), /hosts: list at least one host \(got 0 items\)/],
  [
    'unknown drain mode',
    edit(base, 'drain', { mode: 'sleep' }),
    /drain\.mode: .*'termination' \| 'deregister'/,
  ],
  ['negative margin', edit(base, 'drain.marginSeconds', -1), /drain\.marginSeconds: must be >=0/],
  [
    'threshold below 2',
    edit(base, 'loadBalancer.healthCheck.unhealthyThreshold', 1),
    /loadBalancer\.healthCheck\.unhealthyThreshold: must be >=2/,
  ],
  [
    'threshold above 10',
    edit(base, 'loadBalancer.healthCheck.healthyThreshold', 11),
    /loadBalancer\.healthCheck\.healthyThreshold: must be <=10/,
  ],
  ['missing app name', edit(base, 'app.name', undefined), /app\.name: required, expected string/],
  ['host without address', edit(base, 'hosts.0.host', undefined), /hosts\[0\]\.host: required/],
  ['ssh port out of range', edit(base, 'hosts.1.port', 70000), /hosts\[1\]\.port: must be <=65535/],
  [
    'duplicate host names',
    edit(base, 'hosts.1.name', 'a'),
    /hosts\[1\]\.name: 'a' is also the name of hosts\[0\]/,
  ],
  [
    'no load balancer source',
    edit(base, 'loadBalancer', {}),
    /loadBalancer\.healthCheck: required when loadBalancer\.targetGroup is not set/,
  ],
  [
    'deregister without a target group',
    edit(base, 'drain', { mode: 'deregister' }),
    /drain\.mode: 'deregister' needs loadBalancer\.targetGroup/,
  ],
  [
    'unknown strategy',
    edit(base, 'strategy', 'yolo'),
    /strategy: must be one of "stop-first", "build-first"/,
  ],
  [
    'unknown build location',
    edit(base, 'app.build', { where: 'cloud' }),
    /app\.build\.where: must be one of "host", "local"/,
  ],
  [
    'health timeout not above poll interval',
    edit(base, 'app.health', { timeoutSeconds: 1, intervalSeconds: 1 }),
    /app\.health\.timeoutSeconds: must be above app\.health\.intervalSeconds/,
  ],
  [
    'malformed instance id',
    edit(base, 'hosts.0.instanceId', 'web-1'),
    /hosts\[0\]\.instanceId: an EC2 instance id looks like/,
  ],
  ['unknown memory source', edit(base, 'memory', { source: 'proc' }), /memory\.source: must be one of/],
  ['relative app dir', edit(base, 'app.dir', 'srv/demo'), /app\.dir: .*"\/"/],
  ['negative grace', edit(base, 'app.stop', { graceSeconds: -5 }), /app\.stop\.graceSeconds: must be >0/],
  [
    'source of the wrong shape',
    edit(base, 'app.source', { dir: 1 }),
    /app\.source\.dir: expected string, got number 1/,
  ],
  [
    'endpoint that is not a URL',
    edit(edit(base, 'loadBalancer', { targetGroup: 'tg' }), 'loadBalancer.endpoint', 'localhost'),
    /loadBalancer\.endpoint: /,
  ],
  [
    'a file that throws',
    "throw new Error('no secrets in CI');\nexport default {};\n",
    /deploy\.config\.ts: .*threw while loading: Error: no secrets in CI/,
  ],
  ['a syntax error', "export default { app: { name: 'x' ;\n", /deploy\.config\.ts: .*syntax error/],
  ['no default export', 'export const config = {};\n', /has no default export/],
  [
    'a default export that is not a config',
    "export default 'app';\n",
    /default export is string, not a config object/,
  ],
];

describe('bad configs exit 2 with the key path', () => {
  // Through the real binary: Node itself loads the TypeScript file, as it will for users.
  it.concurrent.each(cases)('%s', async (_name, body, message) => {
    const dir = tempDir();
    writeConfig(dir, body);
    const { code, stdout, stderr } = await runCli(['plan'], dir);
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
    expect(stdout).toBe('');
  });

  it('a missing file names the path', async () => {
    const { code, stderr } = await runCli(['plan', '--config', 'nope.config.ts'], tempDir());
    expect(code).toBe(2);
    expect(stderr).toMatch(/nope\.config\.ts: config file not found at .*nope\.config\.ts/);
  });

  it('no config at all suggests deploy init', async () => {
    const io = captureIo(tempDir());
    expect(await main(['plan'], io)).toBe(2);
    expect(io.err()).toMatch(/no deploy\.config\.ts.*run `deploy init`/);
  });

  it('reports every error at once', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(edit(base, 'app.port', 'x'), 'strategy', 'y'));
    const io = captureIo(dir);
    expect(await main(['plan'], io)).toBe(2);
    expect(io.err()).toMatch(/2 config errors[\s\S]*app\.port[\s\S]*strategy/);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['plan', '--jsn'], /unknown option '--jsn'/],
    [['run', 'extra'], /unexpected argument 'extra'/],
    [['run', '--dry-run', '--strategy', 'yolo'], /--strategy must be stop-first, build-first, swap or auto/],
    [['plan', '--config'], /--config/],
    [['run', '--wait-lock', 'soon'], /--wait-lock takes a number of seconds >= 0, got 'soon'/],
    [['rollback', '--wait-lock', '-5'], /--wait-lock/],
  ])('%j', async (argv, message) => {
    const io = captureIo(tempDir());
    expect(await main(argv, io)).toBe(2);
    expect(io.err()).toMatch(message);
  });
});
