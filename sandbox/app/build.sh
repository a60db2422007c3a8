#!/bin/sh
# The project's build command, run in a release directory on the host (the sandbox's `./gradlew bootJar`).
# Leaves build/app.jar. The build's JVM takes org.gradle.jvmargs from gradle.properties, as Gradle's
# daemon does, and FakeGradle holds the heap a build of that size works in: -Xmx less 128 MB, which
# the old generation keeps free for the compiler. BUILD_SECONDS sets how long it runs (default 15).
# BUILD_MB (tests) sets the held MB instead, with -Xmx = BUILD_MB + 128, as `-Dorg.gradle.jvmargs=...`
# on Gradle's command line overrides gradle.properties.
set -eu
cd "$(dirname "$0")"
seconds="${BUILD_SECONDS:-15}"
args=$(sed -n 's/^[[:space:]]*org\.gradle\.jvmargs[[:space:]]*[=:][[:space:]]*//p' gradle.properties 2>/dev/null | tail -n 1)
if [ -n "${BUILD_MB:-}" ]; then
  mb=$BUILD_MB
  args="$(printf '%s\n' "$args" | sed 's/-Xmx[^[:space:]]*//g') -Xmx$((mb + 128))m"
else
  xmx=$(printf '%s\n' "$args" | tr ' ' '\n' | sed -n 's/^-Xmx\([0-9]*\)\([mMgG]\)$/\1 \2/p' | tail -n 1)
  case "$xmx" in
    *[gG]) mb=$(( ${xmx% *} * 1024 - 128 )) ;;
    *[mM]) mb=$(( ${xmx% *} - 128 )) ;;
    *) mb=450 args="${args:--XX:+UseSerialGC -Xmn32m} -Xmx578m" ;; # no -Xmx declared: the old default
  esac
fi
mkdir -p build
# $args unquoted on purpose: one JVM argument per word, as org.gradle.jvmargs is split.
if [ -n "${FAKE_GRADLE_CP:-}" ] && [ -f "$FAKE_GRADLE_CP/FakeGradle.class" ]; then
  exec java $args -cp "$FAKE_GRADLE_CP" FakeGradle --seconds "$seconds" --mb "$mb"
fi
# No precompiled tool on this host: the JDK's source launcher compiles FakeGradle in memory first.
exec java $args src/FakeGradle.java --seconds "$seconds" --mb "$mb"
