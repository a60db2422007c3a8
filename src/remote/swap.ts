// Remote commands of the port swap (data, no I/O): the live port recorded on the host, and what
// listens on the two ports of the pair.
import type { Layout } from './layout.ts';
import { type Cmd, script } from './shell.ts';

const livePortFile = (l: Layout) => `${l.meta}/live-port`;

/** Prints the recorded live port, or nothing before the first swap. */
export const readLivePort = (l: Layout): Cmd =>
  script('port.read', 'cat "$1" 2>/dev/null || true', [livePortFile(l)]);

/** Atomic: written to a temporary file, then renamed. */
export const writeLivePort = (l: Layout, port: number): Cmd =>
  script('port.write', 'mkdir -p "$(dirname "$1")" && echo "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"', [
    livePortFile(l),
    port,
  ]);

/** `PORT PID` per listening socket on either port (PID empty when ss cannot see the owner). */
export const portListeners = (ports: [number, number]): Cmd =>
  script(
    'port.listeners',
    `ss -Hltnp "( sport = :$1 or sport = :$2 )" | awk '{ n = split($4, a, ":"); pid = ""; if (match($0, /pid=[0-9]+/)) pid = substr($0, RSTART + 4, RLENGTH - 4); print a[n], pid }'`,
    ports,
  );

export function parseListeners(text: string): { port: number; pid?: number }[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([port]) => port && /^\d+$/.test(port))
    .map(([port, pid]) => ({
      port: Number(port),
      ...(pid && /^\d+$/.test(pid) ? { pid: Number(pid) } : {}),
    }));
}

export function parseLivePort(text: string, fallback: number): number {
  const n = Number(text.trim());
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : fallback;
}

/** The PID file names `pid` again (a failed swap: the old JVM never stopped serving). */
export const writePidFile = (l: Layout, pid: number): Cmd =>
  script('pid.write', 'echo "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"', [l.pidFile, pid]);
