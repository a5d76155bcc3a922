#!/usr/bin/env bash
# Circuits per 100 connections in each isolate mode on the private Tor network (needs tor; run from the project
# root after `mvn -B -q install -DskipTests`). Prints a Markdown table.
# Usage: bench/isolation-circuits.sh [JAVA_HOME]
set -euo pipefail
export JAVA_HOME=${1:-${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}}
STREAMISO_REQUIRE_TOR=1 mvn -B -q -o test -pl agent/it -Dtest=IsolationCircuitsBench \
  -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | sed -n '/^| isolate/,/^$/p'
