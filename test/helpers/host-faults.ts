// Faults injected on a sandbox host at an exact command of the deploy. Every remote command is
// `sh -c SCRIPT ...`, so inside one host's own mount namespace (never the machine's) /usr/bin/dash
// is bind-mounted over by a wrapper: when /srv/handoff/.faults/fault names a pattern found in a script, the
// wrapper acts once, then runs the command as usual:
//   drop     every established SSH connection of the host is reset (`ss -K`), as a network path
//            failing would: the command still runs on the host, its answer is lost;
//   pause:S  it writes /srv/handoff/.faults/fault.paused and sleeps S seconds first, so the test can
//            signal the CLI while that command is in flight.
import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { HostState } from '../../scripts/sandbox/state.ts';

const WRAPPER = `#!/srv/handoff/.faults/dash
# handoff test fault hook (test/helpers/host-faults.ts): acts once on the armed pattern.
f=/srv/handoff/.faults/fault
if [ "$1" = -c ] && [ -s "$f" ]; then
  { IFS= read -r pat; IFS= read -r act; } < "$f"
  case $2 in
    *"$pat"*)
      if mv "$f" "$f.fired" 2>/dev/null; then
        case $act in
          drop) ss -K state established '( sport = :22 )' >/dev/null 2>&1 ;;
          pause:*) : > /srv/handoff/.faults/fault.paused; sleep "$(echo "$act" | cut -d: -f2)" ;;
        esac
      fi ;;
  esac
fi
exec /srv/handoff/.faults/dash "$@"
`;

export type HostFault = 'drop' | `pause:${number}`;

/** The hook's directory on the host, as the machine sees it (inside the host's own /srv/handoff). */
// Not the host's /tmp: a checkout under /tmp shares the machine's /tmp with every host and lane.
export const hostTmp = (host: HostState) => join(host.srvDir, '.faults');

/** Installs the wrapper in the host's mount namespace (idempotent). */
export async function installFaultHook(host: HostState): Promise<void> {
  await sshRun(
    host.ip,
    `set -e
mkdir -p /srv/handoff/.faults
[ -x /srv/handoff/.faults/dash ] || cp /usr/bin/dash /srv/handoff/.faults/dash
cat > /srv/handoff/.faults/sh.new <<'EOF'
${WRAPPER}EOF
chmod 755 /srv/handoff/.faults/sh.new && mv /srv/handoff/.faults/sh.new /srv/handoff/.faults/sh
rm -f /srv/handoff/.faults/fault /srv/handoff/.faults/fault.fired /srv/handoff/.faults/fault.paused
findmnt -n /usr/bin/dash >/dev/null || mount --bind /srv/handoff/.faults/sh /usr/bin/dash`,
  );
  // The machine's own sh must be untouched: the mount lives only in the host's namespace.
  const mine = await import('node:child_process').then((cp) =>
    cp.spawnSync('findmnt', ['-n', '/usr/bin/dash'], { encoding: 'utf8' }),
  );
  if (mine.stdout.trim()) throw new Error('the fault hook leaked into the machine mount namespace');
}

export async function removeFaultHook(host: HostState): Promise<void> {
  await sshRun(
    host.ip,
    'rm -f /srv/handoff/.faults/fault; while findmnt -n /usr/bin/dash >/dev/null; do umount /usr/bin/dash; done',
    { allowFail: true },
  );
}

/** Arms the hook: the next command whose script contains `pattern` triggers `fault`. */
export async function armFault(host: HostState, pattern: string, fault: HostFault): Promise<void> {
  await sshRun(
    host.ip,
    `rm -f /srv/handoff/.faults/fault.fired /srv/handoff/.faults/fault.paused; printf '%s\\n%s\\n' ${shq(pattern)} ${shq(fault)} > /srv/handoff/.faults/fault.new && mv /srv/handoff/.faults/fault.new /srv/handoff/.faults/fault`,
  );
}

/** Whether the armed fault fired (and disarms it if not). */
export async function faultFired(host: HostState): Promise<boolean> {
  const r = await sshRun(
    host.ip,
    'rm -f /srv/handoff/.faults/fault; [ -e /srv/handoff/.faults/fault.fired ] && echo yes',
    {
      allowFail: true,
    },
  );
  return r.stdout.trim() === 'yes';
}

/** Resolves once a `pause` fault holds its command (watched from the machine: no SSH round trip). */
export function whenPaused(host: HostState, timeoutMs = 120_000): Promise<void> {
  const dir = hostTmp(host);
  const file = join(dir, 'fault.paused');
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      watcher.close();
      if (error) reject(error);
      else resolve();
    };
    const watcher = watch(dir, () => {
      if (existsSync(file)) done();
    });
    const timer = setTimeout(() => done(new Error(`no paused command within ${timeoutMs} ms`)), timeoutMs);
    if (existsSync(file)) done();
  });
}

/** Resets every established SSH connection of the host now (from the machine, no hook). */
export async function dropSshNow(host: HostState): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  execFileSync('ip', ['netns', 'exec', host.netns, 'ss', '-K', 'state', 'established', '( sport = :22 )'], {
    stdio: 'ignore',
  });
}

const shq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
