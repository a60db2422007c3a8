#!/bin/sh
# The project's build command, run in a release directory on the host (the sandbox's `./gradlew bootJar`).
# Leaves build/app.jar. BUILD_SECONDS / BUILD_MB set how long it runs and how much heap it holds.
set -eu
cd "$(dirname "$0")"
seconds="${BUILD_SECONDS:-15}"
mb="${BUILD_MB:-450}"
# Serial GC (what the JVM picks itself on a 1 GiB host) with a small young generation, so RSS stays near
# BUILD_MB + ~90 MB on any machine; the old generation keeps ~100 MB of headroom for the compiler.
xmx=$((mb + 128))
gc="-XX:+UseSerialGC -Xmn32m"
mkdir -p build
if [ -n "${FAKE_GRADLE_CP:-}" ] && [ -f "$FAKE_GRADLE_CP/FakeGradle.class" ]; then
  exec java $gc -Xmx"${xmx}m" -cp "$FAKE_GRADLE_CP" FakeGradle --seconds "$seconds" --mb "$mb"
fi
# No precompiled tool on this host: the JDK's source launcher compiles FakeGradle in memory first.
exec java $gc -Xmx"${xmx}m" src/FakeGradle.java --seconds "$seconds" --mb "$mb"
