// The OpenSSH client as a user would run it: the generated key, the sandbox's known_hosts, and
// StrictHostKeyChecking=yes, so a wrong host key fails instead of being learned.
import { KNOWN_HOSTS, SSH_KEY } from './contract.ts';
import { type RunResult, run } from './proc.ts';

export function sshArgs(ip: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    SSH_KEY,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${KNOWN_HOSTS}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'LogLevel=ERROR',
    `root@${ip}`,
  ];
}

/** Runs a shell command on the host; rejects on a non-zero exit unless allowFail. */
export function sshRun(
  ip: string,
  command: string,
  opts: { allowFail?: boolean; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return run('ssh', [...sshArgs(ip), command], opts);
}
