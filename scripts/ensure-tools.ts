// Installs the Debian packages the sandbox suite needs when they are missing and we are root
// (CI, a fresh machine). Elsewhere it only reports; the sandbox tests then skip with a reason.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// binary that proves the package is there -> Debian package
export const TOOLS: Record<string, string> = {
  '/usr/sbin/haproxy': 'haproxy',
  '/usr/sbin/sshd': 'openssh-server',
  '/usr/bin/ssh-keygen': 'openssh-client',
  '/usr/bin/ip': 'iproute2',
  '/usr/bin/unshare': 'util-linux',
  '/usr/bin/dash': 'dash',
  '/usr/bin/rsvg-convert': 'librsvg2-bin',
  // the shells whose completion scripts test/unit/completion.test.ts loads
  '/usr/bin/zsh': 'zsh',
  '/usr/bin/fish': 'fish',
  // Debian's browser for test/unit/report-html.test.ts (playwright-core drives it; no download)
  '/usr/bin/chromium': 'chromium',
  '/usr/bin/strace': 'strace', // test/sandbox/secrets.test.ts traces every execve on a host
  '/usr/bin/git': 'git', // the same test serves a repository over smart HTTP (git http-backend)
};

const missing = [
  ...new Set(
    Object.entries(TOOLS)
      .filter(([bin]) => !existsSync(bin))
      .map(([, pkg]) => pkg),
  ),
];
if (missing.length === 0) process.exit(0);
if (process.getuid?.() !== 0) {
  console.warn(
    `ensure-tools: missing ${missing.join(', ')}; not root, so not installing (the sandbox tests will skip)`,
  );
  process.exit(0);
}
console.log(`ensure-tools: apt-get install ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
  stdio: 'inherit',
  env,
});
