#!/usr/bin/env bash
# JVM start-up cost of the agent: hello world with and without -javaagent, paired runs interleaved,
# medians, for each JDK; a third column starts the agent with isolate=first-party (the Public Suffix List loads at
# the first connection, never in premain). Usage: bench/startup.sh [RUNS]   (from the project root after mvn package);
# BASELINE_JAR=path/to/an/older/streamiso.jar adds its column, interleaved in the same runs.
set -euo pipefail
RUNS=${1:-21}
dir=$(mktemp -d); trap 'rm -rf $dir' EXIT
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > $dir/Hello.java
AGENT=$(pwd)/agent/target/streamiso.jar
for jdk in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
  "$jdk/bin/javac" --release 17 -d $dir $dir/Hello.java
  : > $dir/base; : > $dir/agent; : > $dir/fp; : > $dir/old
  for i in $(seq "$RUNS"); do
    a=$(date +%s%N); "$jdk/bin/java" -cp $dir Hello > /dev/null; b=$(date +%s%N)
    "$jdk/bin/java" -javaagent:$AGENT -cp $dir Hello > /dev/null; c=$(date +%s%N)
    "$jdk/bin/java" -javaagent:$AGENT=isolate=first-party -cp $dir Hello > /dev/null; d=$(date +%s%N)
    echo $(( (b - a) / 1000000 )) >> $dir/base; echo $(( (c - b) / 1000000 )) >> $dir/agent
    echo $(( (d - c) / 1000000 )) >> $dir/fp
    if [ -n "${BASELINE_JAR:-}" ]; then
      "$jdk/bin/java" -javaagent:$BASELINE_JAR -cp $dir Hello > /dev/null; e=$(date +%s%N)
      echo $(( (e - d) / 1000000 )) >> $dir/old
    fi
  done
  mb=$(sort -n $dir/base | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  ma=$(sort -n $dir/agent | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mf=$(sort -n $dir/fp | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mo=$([ -n "${BASELINE_JAR:-}" ] && sort -n $dir/old | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' || true)
  echo "$("$jdk/bin/java" -version 2>&1 | head -1): no agent ${mb} ms, agent ${ma} ms, cost +$((ma - mb)) ms; isolate=first-party ${mf} ms, +$((mf - mb)) ms$([ -n "$mo" ] && echo "; BASELINE_JAR ${mo} ms, +$((mo - mb)) ms") (median of $RUNS)"
done
