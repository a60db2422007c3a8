// `--env NAME`: an overlay on the base config, from `environments` in the config file or from a
// sibling file deploy.NAME.config.ts; shown in the lock, the report and the summary.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadConfig } from '../../src/config/load.ts';
import { buildReport } from '../../src/report/report.ts';
import { summaryMarkdown } from '../../src/report/summary.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';

const staging = {
  app: { name: 'demo-staging' },
  hosts: [{ name: 's1', host: '10.1.0.1', user: 'ec2-user' }],
};

describe('--env', () => {
  it('applies the overlay in the config file: objects merge, arrays and values replace', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(baseConfig(), 'environments', { staging }));
    const base = await loadConfig({ cwd: dir });
    expect(base.config.app.name).toBe('demo');
    expect(base.config.hosts).toHaveLength(2);
    expect(base.environment).toBeUndefined();
    const s = await loadConfig({ cwd: dir, environment: 'staging' });
    expect(s.environment).toBe('staging');
    expect(s.config.app.name).toBe('demo-staging');
    expect(s.config.app.port).toBe(8080); // kept from the base
    expect(s.config.hosts).toMatchObject([{ name: 's1' }]);
  });

  it('or from a sibling file deploy.<env>.config.ts', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig());
    writeFileSync(join(dir, 'deploy.staging.config.ts'), `export default ${JSON.stringify(staging)};\n`);
    const s = await loadConfig({ cwd: dir, environment: 'staging' });
    expect(s.config.app.name).toBe('demo-staging');
    expect(s.file).toBe(join(dir, 'deploy.config.ts'));
  });

  it('an unknown environment is a config error naming the known ones (exit 2)', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(baseConfig(), 'environments', { staging }));
    const io = captureIo(dir);
    expect(await main(['plan', '--env', 'stagin'], io)).toBe(2);
    expect(io.err()).toMatch(/environment 'stagin'.*did you mean 'staging'/s);
  });

  it('plan and the dry run say which environment; the lock records it', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(edit(baseConfig(), 'environments', { staging }), 'app.source', { dir: '.' }));
    const io = captureIo(dir);
    expect(await main(['run', '--dry-run', '--allow-downtime', '--env', 'staging'], io)).toBe(0);
    expect(io.out()).toMatch(/^handoff plan · app demo-staging · env staging/m);
    expect(io.out()).toMatch(/lock\.acquire .*"environment":"staging"/);
  });

  it('the report and the summary name it', () => {
    const report = buildReport(
      {
        result: 'deployed',
        exitCode: 0,
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-01-01T00:01:00.000Z',
        hosts: [],
      },
      {
        app: 'shop',
        releaseId: 'r1',
        strategy: 'stop-first',
        drainMode: 'termination',
        dryRun: false,
        environment: 'staging',
      },
    );
    expect(report.environment).toBe('staging');
    expect(summaryMarkdown(report)).toMatch(/^## handoff: shop \(staging\) r1 deployed/);
  });
});
