// `deploy logs [--host NAME] [-f] [--lines N]`: the app log of the current release (what jvm.start
// writes to releases/<id>/app.log), over the same SSH as a deploy. Several hosts: each line is
// prefixed with its host. -f follows it (across deploys: `tail -F` reopens current/app.log when
// `current` moves) until Ctrl-C, which stops the remote tail by its PID (the stream's first line).
import { loadConfig } from '../../config/load.ts';
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import { configRedactor } from '../../core/redact.ts';
import { EXIT, UsageError } from '../../errors.ts';
import type { CmdResult, Executor } from '../../executors/types.ts';
import { appLog, NO_APP_LOG, stopTail, TAIL_PID } from '../../remote/app.ts';
import { layout } from '../../remote/layout.ts';
import type { Cmd } from '../../remote/shell.ts';
import type { Io } from '../io.ts';
import { configuredHosts, connectHost } from './connect.ts';

const DEFAULT_LINES = 100;

export async function logsCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const lines = parseLines(values.lines as string | undefined);
  const follow = Boolean(values.follow);
  const { config } = await loadConfig({
    cwd: io.cwd,
    file: values.config as string | undefined,
    environment: values.env as string | undefined,
  });
  const hosts = await configuredHosts(config, io, values.host as string | undefined);
  const prefix = hosts.length > 1;
  const opts = { config, io, lines, follow, prefix };
  if (!follow) {
    let ok = true;
    for (const host of hosts) ok = (await hostLog(host, opts)) && ok;
    return ok ? EXIT.deployed : EXIT.failed;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const results = await Promise.all(hosts.map((host) => hostLog(host, { ...opts, stop: stop.signal })));
    return results.every(Boolean) ? EXIT.deployed : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseLines(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LINES;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--lines must be a whole number >= 1, got '${text}'`);
  return n;
}

/** One host's log on stdout; false (said on stderr) when it has none or the read failed. */
async function hostLog(
  host: StaticHost,
  o: { config: DeployConfig; io: Io; lines: number; follow: boolean; prefix: boolean; stop?: AbortSignal },
): Promise<boolean> {
  const exec = await connectHost(o.config, host, o.io.cwd);
  const tag = o.prefix ? `[${host.name}] ` : '';
  // The app may log its own secrets (app.start.env): masked as in every other output.
  const redact = configRedactor(o.config);
  const print = (line: string) => o.io.stdout.write(`${tag}${redact.text(line)}\n`);
  try {
    const cmd = appLog(layout(o.config.app.dir), o.lines, o.follow);
    const r = o.follow ? await follow(exec, cmd, print, o.stop) : await exec.run(cmd);
    // Not followed: the whole answer, a last line without its newline included.
    if (!o.follow)
      for (const line of r.stdout.split('\n').slice(0, r.stdout.endsWith('\n') ? -1 : undefined)) print(line);
    if (r.code === 0) return true;
    const why =
      r.code === NO_APP_LOG ? 'no app.log in the current release (nothing deployed yet?)' : r.stderr.trim();
    o.io.stderr.write(`${host.name}: ${why || `reading the log failed (exit ${r.code})`}\n`);
    return false;
  } finally {
    await exec.close();
  }
}

/** Streams the log until `stop`, which kills the remote tail (its PID is the first line). */
async function follow(
  exec: Executor,
  cmd: Cmd,
  print: (line: string) => void,
  stop: AbortSignal | undefined,
): Promise<CmdResult> {
  if (!exec.stream)
    throw new UsageError(
      `deploy logs -f needs a transport that streams output; ${exec.name}'s does not (drop -f)`,
    );
  let pid: number | undefined;
  let stopping: Promise<unknown> | undefined;
  const end = () => {
    if (pid !== undefined) stopping ??= exec.run(stopTail(pid)).catch(() => undefined);
  };
  const running = exec.stream(cmd, (line) => {
    const m = pid === undefined ? TAIL_PID.exec(line) : null;
    if (!m) return print(line);
    pid = Number(m[1]);
    if (stop?.aborted) end();
  });
  stop?.addEventListener('abort', end, { once: true });
  try {
    const r = await running;
    await stopping;
    return r;
  } finally {
    stop?.removeEventListener('abort', end);
  }
}
