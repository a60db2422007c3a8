// What the sandbox needs from the machine. Shared by the commands (clear message, non-zero exit) and
// the test helper (skip on a developer's machine, fail in CI).
import { detectCgroup } from './cgroup.ts';
import { which } from './proc.ts';

const TOOLS: [string, string][] = [
  ['ip', 'iproute2'],
  ['nsenter', 'util-linux'],
  ['unshare', 'util-linux'],
  ['mount', 'mount'],
  ['ss', 'iproute2'],
  ['haproxy', 'haproxy'],
  ['/usr/sbin/sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['java', 'a JDK 17'],
  ['javac', 'a JDK 17'],
];

export function missingRequirements(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0)
    problems.push('must run as root (network namespaces, cgroups, sshd on port 22)');
  for (const [tool, pkg] of TOOLS) if (!which(tool)) problems.push(`${tool} not found (install ${pkg})`);
  if (!detectCgroup())
    problems.push('no cgroup memory controller (v1 /sys/fs/cgroup/memory or v2 with memory)');
  return problems;
}

/** For the commands: print every problem and exit 2 (nothing was touched). */
export function requireMachine(command: string): void {
  const problems = missingRequirements();
  if (problems.length === 0) return;
  console.error(
    `${command}: this machine cannot run the sandbox:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  process.exit(2);
}
