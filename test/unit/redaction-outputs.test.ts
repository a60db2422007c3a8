// What `deploy run --dry-run` prints (the plan, every event, every command it would send, --json)
// carries no env value and no URL credential; text that could be read as a GitHub workflow command
// reaches an Actions log fenced, whatever its source (a CLI argument, a host name).
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';

const PASSWORD = 'Pa55w0rd-never-shown';
const TOKEN = 'ghp_t0kenNeverShown';
const config = edit(
  edit(baseConfig(), 'app.start', { env: { DB_PASSWORD: PASSWORD, HEAP_MB: '200' } }),
  'app.source',
  { git: { url: `https://deploy:${TOKEN}@git.example.com/shop.git`, ref: 'main' } },
);

describe('run --dry-run shows no secret', () => {
  it.each([[[]], [['--json']]])('%j', async (extra) => {
    const dir = tempDir();
    writeConfig(dir, config);
    const io = captureIo(dir);
    expect(await main(['run', '--dry-run', ...extra], io)).toBe(0);
    const all = io.out() + io.err();
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(TOKEN);
    if (extra.length === 0) {
      // What it would do is still there, with the values masked.
      expect(io.out()).toMatch(/jvm\.start .*'DB_PASSWORD=\*\*\*'/s);
      expect(io.out()).toContain('https://***@git.example.com/shop.git');
    }
  });
});

/** The workflow commands a GitHub runner would parse from a log, honouring stop-commands. */
function runnerCommands(log: string): string[] {
  const found: string[] = [];
  let stopToken: string | undefined;
  for (const line of log.split(/\r?\n/)) {
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const text = line.trimStart();
    const stop = /^::stop-commands::(.+)$/.exec(text);
    if (stop) stopToken = stop[1];
    else if (text.startsWith('::') || text.includes('##[')) found.push(text);
  }
  return found;
}

describe('GitHub Actions: no injected workflow command', () => {
  const env = { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: '/nonexistent' };
  it('a --hosts value with a newline and a command', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig());
    const io = captureIo(dir, env);
    expect(await main(['plan', '--hosts', 'a\n::add-mask::x\n::error::pwned'], io)).toBe(2);
    const commands = runnerCommands(io.out() + io.err());
    expect(commands.filter((c) => !c.startsWith('::error title=deploy refused'))).toEqual([]);
    expect(commands).toHaveLength(1);
  });
  it('a failing local build whose output holds command lines', async () => {
    const dir = tempDir();
    // 127.0.0.1 port 1: were the tool to connect after all, it would be refused at once.
    const local = edit(baseConfig(), 'hosts', [
      { name: 'a', host: '127.0.0.1', port: 1 },
      { name: 'b', host: '127.0.0.1', port: 1 },
    ]);
    writeConfig(
      dir,
      edit(local, 'app.build', {
        where: 'local',
        command: 'printf "::error::pwned\\n##[error]x\\n" >&2; exit 3',
      }),
    );
    const io = captureIo(dir, env);
    expect(await main(['run', '--yes'], io)).toBe(1);
    expect(io.err()).toContain('::error::pwned'); // shown, inside a stop-commands fence
    const commands = runnerCommands(io.out() + io.err());
    expect(commands.some((c) => /^::error::pwned|^##\[error\]x/.test(c))).toBe(false);
  });
});
