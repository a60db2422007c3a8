// Every argv a sandbox host executes while a test runs: strace follows the host's sshd (its PID 1)
// and everything it forks from then on, and logs each execve with its full argv. Unlike sampling
// /proc, nothing short-lived can slip between two looks.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf } from '../../scripts/sandbox/proc.ts';
import type { HostState } from '../../scripts/sandbox/state.ts';
import { tempDir } from './config.ts';

const tracerOf = (pid: number) =>
  /^TracerPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

export async function traceExecs(host: HostState): Promise<{ stop(): Promise<string[]> }> {
  // The recorded PID is the `unshare` parent; sshd is its child.
  const sshd = host.sshd ? childrenOf(host.sshd.pid)[0] : undefined;
  if (!sshd) throw new Error(`${host.name}: no sshd to trace`);
  const out = join(tempDir(), 'execve.trace');
  const strace = spawn(
    'strace',
    ['-f', '-qq', '-e', 'trace=execve', '-s', '1000000', '-o', out, '-p', String(sshd)],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise((resolve) => strace.on('exit', resolve));
  for (let i = 0; tracerOf(sshd) === '0'; i++) {
    if (i > 100) throw new Error(`strace did not attach to sshd ${sshd}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    async stop() {
      strace.kill('SIGINT'); // detaches from every traced process, which run on
      await exited;
      return readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l.includes('execve('));
    },
  };
}
