// Pure: what a Gradle build declares about its memory, from the release's own files (read by
// src/cli/commands/gradle-files.ts), turned into the figure the budget uses for the build's peak before
// any build has been measured on the host. Contract: docs/memory.md, "The build figure".
import { parse } from 'dot-properties';

/** Gradle's own daemon arguments when gradle.properties sets no org.gradle.jvmargs (Gradle 8). */
export const GRADLE_DEFAULT_JVMARGS = '-Xmx512m -XX:MaxMetaspaceSize=384m';

export type GradleFiles = {
  /** gradle.properties at the root of the release, if there is one. */
  properties?: string;
  /** build.gradle(.kts) and settings.gradle(.kts) at the root, if any. */
  scripts: string[];
};

/** One JVM of the build: its arguments and where they came from. */
export type BuildJvm = { role: 'Gradle daemon' | 'Kotlin daemon'; args: string; from: string };

/** The JVMs a Gradle build starts, or undefined when the release is not a Gradle build. */
export function gradleBuildJvms(files: GradleFiles): BuildJvm[] | undefined {
  if (files.properties === undefined && files.scripts.length === 0) return undefined;
  const tree = files.properties === undefined ? {} : parse(files.properties);
  const prop = (key: string) => (typeof tree[key] === 'string' ? tree[key] : undefined);
  const set = prop('org.gradle.jvmargs');
  const daemon: BuildJvm = set
    ? { role: 'Gradle daemon', args: set, from: 'gradle.properties' }
    : { role: 'Gradle daemon', args: GRADLE_DEFAULT_JVMARGS, from: "Gradle's default" };
  const jvms = [daemon];
  // The Kotlin Gradle plugin compiles in a daemon of its own unless told to compile in process; it
  // takes kotlin.daemon.jvmargs, else the Gradle daemon's heap.
  const kotlin = files.scripts.some((s) => /org\.jetbrains\.kotlin|\bkotlin\s*\(\s*["']/.test(s));
  if (kotlin && prop('kotlin.compiler.execution.strategy') !== 'in-process') {
    const own = prop('kotlin.daemon.jvmargs');
    jvms.push(
      own
        ? { role: 'Kotlin daemon', args: own, from: 'gradle.properties kotlin.daemon.jvmargs' }
        : { role: 'Kotlin daemon', args: heapFlags(daemon.args), from: "the Gradle daemon's heap" },
    );
  }
  return jvms;
}

const UNIT: Record<string, number> = { '': 1 / 2 ** 20, k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 };

/** A JVM size (`512m`, `1g`, `524288k`, bytes) in MiB; undefined when it is not one. */
export function jvmSizeMb(text: string): number | undefined {
  const m = /^(\d+)([kmgt]?)$/i.exec(text.trim());
  return m ? Number(m[1]) * UNIT[m[2]!.toLowerCase()]! : undefined;
}

/** JVM arguments as the JVM sees them: whitespace-separated, quotes removed. */
function tokens(args: string): string[] {
  return [...args.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The arguments that size the heap, so a Kotlin daemon that inherits it gets the same. */
function heapFlags(args: string): string {
  return tokens(args)
    .filter((t) => /^-Xmx|^-XX:(MaxHeapSize|MaxRAMPercentage)=/.test(t))
    .join(' ');
}

/**
 * The heap cap a JVM with these arguments gets on a box of totalMb: -Xmx (or -XX:MaxHeapSize), the
 * last one winning as in the JVM; else -XX:MaxRAMPercentage of the box; else the JVM's own default
 * (docs/memory.md, "JVM default max heap"). The box is the cgroup limit when there is one, which
 * is what a container-aware JVM sizes itself by.
 */
export function heapCapMb(args: string, totalMb: number): { mb: number; flag: string } {
  let heap: { mb: number; flag: string } | undefined;
  let percent: number | undefined;
  for (const t of tokens(args)) {
    const x = /^-Xmx(.+)$/.exec(t) ?? /^-XX:MaxHeapSize=(.+)$/.exec(t);
    const mb = x ? jvmSizeMb(x[1]!) : undefined;
    if (mb !== undefined) heap = { mb, flag: t };
    const p = /^-XX:MaxRAMPercentage=([\d.]+)$/.exec(t);
    if (p) percent = Number(p[1]);
  }
  if (heap) return heap;
  if (percent !== undefined)
    return {
      mb: (totalMb * percent) / 100,
      flag: `-XX:MaxRAMPercentage=${percent} of ${Math.round(totalMb)} MB`,
    };
  const mb = totalMb < 250 ? totalMb / 2 : totalMb < 504 ? 126 : totalMb / 4;
  return { mb, flag: `without -Xmx (the JVM's default for ${Math.round(totalMb)} MB)` };
}

/**
 * The build's expected peak: the sum of its JVMs' heap caps. A build JVM's heap grows towards its
 * cap (Gradle keeps its caches as long as the heap allows), and what it takes beside the heap that
 * the box does not already hold is about what its heap leaves untouched below the cap: docs/memory.md,
 * "The build figure", has the measurement. -XX:MaxMetaspaceSize is a ceiling, not a use: not added.
 */
export function gradleBuildPeak(jvms: BuildJvm[], totalMb: number): { mb: number; basis: string } {
  const each = jvms.map((j) => ({ j, heap: heapCapMb(j.args, totalMb) }));
  return {
    mb: each.reduce((sum, e) => sum + e.heap.mb, 0),
    basis: each.map(({ j, heap }) => `${j.role} ${heap.flag} from ${j.from}`).join(' + '),
  };
}
