// The build figure before any build was measured on the host: what the release's Gradle files
// declare (issue 14: the first swap deploy predicted 72.3 % against 77.8 % measured with a flat
// 450 MB for a build that declared -Xmx528m and took 529 MB).
import { describe, expect, it } from 'vitest';
import { gradleBuildJvms, gradleBuildPeak, heapCapMb, jvmSizeMb } from '../../src/memory/gradle.ts';

const props = (jvmargs: string) => ({ properties: `org.gradle.jvmargs=${jvmargs}\n`, scripts: [] });

describe('JVM sizes as the JVM reads them', () => {
  it('k, m, g (either case) and bare bytes, in MiB', () => {
    expect(jvmSizeMb('528m')).toBe(528);
    expect(jvmSizeMb('528M')).toBe(528);
    expect(jvmSizeMb('1g')).toBe(1024);
    expect(jvmSizeMb('2G')).toBe(2048);
    expect(jvmSizeMb('524288k')).toBe(512);
    expect(jvmSizeMb('536870912')).toBe(512);
    expect(jvmSizeMb('lots')).toBeUndefined();
  });
  it('the last -Xmx wins, -XX:MaxHeapSize is the same flag, quotes are removed', () => {
    expect(heapCapMb('-Xmx256m -Xmx1g', 1024)).toEqual({ mb: 1024, flag: '-Xmx1g' });
    expect(heapCapMb('"-XX:MaxHeapSize=768m" -Dfile.encoding=UTF-8', 1024).mb).toBe(768);
  });
  it('without -Xmx: -XX:MaxRAMPercentage of the box, else the JVM default (a quarter above ~504 MB)', () => {
    expect(heapCapMb('-XX:MaxRAMPercentage=60', 1000).mb).toBe(600);
    expect(heapCapMb('-Dfile.encoding=UTF-8', 1024).mb).toBe(256);
    expect(heapCapMb('', 400).mb).toBe(126);
  });
});

describe("the build's JVMs from the release's files", () => {
  it('gradle.properties with -Xmx: the daemon takes those arguments', () => {
    expect(gradleBuildJvms(props('-Xmx528m -XX:+UseSerialGC'))).toEqual([
      { role: 'Gradle daemon', args: '-Xmx528m -XX:+UseSerialGC', from: 'gradle.properties' },
    ]);
  });
  it('a value continued over lines, with a colon separator, is read whole', () => {
    const properties =
      '# memory\norg.gradle.jvmargs : -Xmx1g \\\n    -XX:MaxMetaspaceSize=256m\norg.gradle.parallel=true\n';
    expect(gradleBuildJvms({ properties, scripts: [] })?.[0]?.args).toBe('-Xmx1g -XX:MaxMetaspaceSize=256m');
  });
  it("no org.gradle.jvmargs: Gradle's own default, -Xmx512m -XX:MaxMetaspaceSize=384m", () => {
    const jvms = gradleBuildJvms({ properties: 'org.gradle.parallel=true\n', scripts: [] });
    expect(jvms).toEqual([
      { role: 'Gradle daemon', args: '-Xmx512m -XX:MaxMetaspaceSize=384m', from: "Gradle's default" },
    ]);
    expect(gradleBuildJvms({ scripts: ["plugins { id 'java' }"] })?.[0]?.from).toBe("Gradle's default");
  });
  it('not a Gradle build (no gradle.properties, no build script): nothing declared', () => {
    expect(gradleBuildJvms({ scripts: [] })).toBeUndefined();
  });
  it('the Kotlin plugin adds its daemon: its own arguments, else the Gradle daemon heap; none in process', () => {
    const kts = ['plugins { kotlin("jvm") version "2.0.0" }'];
    expect(gradleBuildJvms({ ...props('-Xmx768m -Dfile.encoding=UTF-8'), scripts: kts })).toEqual([
      { role: 'Gradle daemon', args: '-Xmx768m -Dfile.encoding=UTF-8', from: 'gradle.properties' },
      { role: 'Kotlin daemon', args: '-Xmx768m', from: "the Gradle daemon's heap" },
    ]);
    const own = 'org.gradle.jvmargs=-Xmx768m\nkotlin.daemon.jvmargs=-Xmx300m\n';
    expect(gradleBuildJvms({ properties: own, scripts: kts })?.[1]?.args).toBe('-Xmx300m');
    const inProcess = 'kotlin.compiler.execution.strategy=in-process\n';
    const groovy = ["apply plugin: 'org.jetbrains.kotlin.jvm'"];
    expect(gradleBuildJvms({ properties: inProcess, scripts: groovy })).toHaveLength(1);
  });
  it("the figure: the JVMs' heap caps, with the flags they came from", () => {
    const one = gradleBuildPeak(gradleBuildJvms(props('-Xmx528m -XX:MaxMetaspaceSize=128m'))!, 1024);
    expect(one).toEqual({ mb: 528, basis: 'Gradle daemon -Xmx528m from gradle.properties' });
    const kts = ['plugins { kotlin("jvm") }'];
    expect(gradleBuildPeak(gradleBuildJvms({ ...props('-Xmx512m'), scripts: kts })!, 1024)).toEqual({
      mb: 1024,
      basis:
        "Gradle daemon -Xmx512m from gradle.properties + Kotlin daemon -Xmx512m from the Gradle daemon's heap",
    });
    const unset = gradleBuildPeak(gradleBuildJvms(props('-Dfile.encoding=UTF-8'))!, 2048);
    expect(unset).toEqual({
      mb: 512,
      basis: "Gradle daemon without -Xmx (the JVM's default for 2048 MB) from gradle.properties",
    });
  });
});
