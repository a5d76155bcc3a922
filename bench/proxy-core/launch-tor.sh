#!/usr/bin/env bash
# proxy-core --launch-tor N on the private Tor network (examples/testnet): circuits built per second (every stream
# a key of its own) and streams set up per second (streams that reuse their key's circuit), for each N given.
# Usage: bench/proxy-core/launch-tor.sh [WORKERS] [NEW_KEYS] [STREAMS] [N...]   (defaults 8 200 1000, N = 1 2)
# JAVA_HOME picks the JDK. Needs tor; builds the jars when missing.
set -euo pipefail
WORKERS=${1:-8}; NEW_KEYS=${2:-200}; STREAMS=${3:-1000}; shift $(( $# < 3 ? $# : 3 ))
DAEMONS=("${@:-1 2}"); [ $# -eq 0 ] && DAEMONS=(1 2)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAR=$ROOT/proxy-core/target/proxy-core.jar
NET_JAR=$(ls "$ROOT"/examples/testnet/target/streamiso-testnet-*-standalone.jar 2>/dev/null | head -1 || true)
[ -f "$JAR" ] && [ -n "$NET_JAR" ] || (cd "$ROOT" && mvn -B -q install -DskipTests)
NET_JAR=$(ls "$ROOT"/examples/testnet/target/streamiso-testnet-*-standalone.jar | head -1)
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
"$JAVA" -jar "$NET_JAR" --dir "$WORK/net" > "$WORK/net.log" 2>&1 & PIDS+=($!)
until grep -q "Press Ctrl-C" "$WORK/net.log"; do sleep 1; kill -0 "${PIDS[0]}" || { cat "$WORK/net.log"; exit 1; }; done
for n in "${DAEMONS[@]}"; do
  "$JAVA" -jar "$JAR" --launch-tor "$n" --tor-data-dir "$WORK/tor-$n" --tor-config "$WORK/net/other-client.torrc" \
      --listen 127.0.0.1:0 > "$WORK/pc-$n.log" 2>&1 & pc=$!; PIDS+=($pc)
  until grep -q "proxy-core listening" "$WORK/pc-$n.log"; do sleep 0.5; kill -0 $pc || { cat "$WORK/pc-$n.log"; exit 1; }; done
  port=$(sed -n 's/.*proxy-core listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/pc-$n.log")
  echo "== --launch-tor $n: $WORKERS workers"
  "$JAVA" "$ROOT/bench/proxy-core/LaunchTorBench.java" "$port" "$WORKERS" "$NEW_KEYS" "$STREAMS"
  kill $pc; wait $pc || true
done
