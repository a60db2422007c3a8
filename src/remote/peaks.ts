// The peaks a deploy measured on a host, kept on that host (`<app.dir>/.handoff/memory-peaks.json`)
// so the next deploy's budget starts from what this host's build and JVM really took, wherever
// the next deploy runs from (a CI runner keeps no previous report). Commands are data, no I/O.
import type { Layout } from './layout.ts';
import { type Cmd, script } from './shell.ts';

export type HostPeaks = { buildMb?: number; newJvmMb?: number; at?: string; release?: string };

const file = (l: Layout) => `${l.meta}/memory-peaks.json`;

export const readPeaks = (l: Layout): Cmd => script('peaks.read', 'cat "$1" 2>/dev/null || true', [file(l)]);

/** Atomic: a temporary file, then renamed. */
export const writePeaks = (l: Layout, peaks: HostPeaks): Cmd =>
  script(
    'peaks.write',
    'mkdir -p "$(dirname "$1")" && printf "%s\\n" "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"',
    [file(l), JSON.stringify(peaks)],
  );

/** A figure is kept only if it is a positive number; anything else reads as not measured. */
export function parsePeaks(text: string): HostPeaks {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const mb = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
    const buildMb = mb(raw.buildMb);
    const newJvmMb = mb(raw.newJvmMb);
    return { ...(buildMb ? { buildMb } : {}), ...(newJvmMb ? { newJvmMb } : {}) };
  } catch {
    return {};
  }
}
