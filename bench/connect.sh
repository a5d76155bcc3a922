#!/usr/bin/env bash
# Connect latency: agent vs the JVM's own -DsocksProxyHost to the same SOCKS5 server on loopback, and a
# bypassed loopback connect with and without the agent. Paired runs, interleaved, medians of medians.
# Usage: [BASELINE_JAR=old/streamiso.jar] bench/connect.sh [JAVA_HOME] [ROUNDS] [N]   (from the project root after
# mvn package). BASELINE_JAR adds the same agent row for an older build in the same rounds, and the isolate rows
# show what computing each stream's key costs (isolate=first-party, isolate=connection).
set -euo pipefail
JAVA=${1:-${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}}/bin/java
ROUNDS=${2:-5}
N=${3:-2000}
AGENT=agent/target/streamiso.jar
mkfifo /tmp/socksecho.$$ ; "$JAVA" bench/SocksEcho.java > /tmp/socksecho.$$ & peer=$!
trap 'kill $peer; rm -f /tmp/socksecho.$$' EXIT
read socks echo < /tmp/socksecho.$$
run() { "$JAVA" -Xshare:auto "$@" 2>/dev/null | cut -d' ' -f1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A r
for i in $(seq "$ROUNDS"); do
  r[agent]+="$(run -javaagent:$AGENT=port=$socks bench/ConnectBench.java socket bench.example $socks $N) "
  r[agent_fp]+="$(run -javaagent:$AGENT=port=$socks,isolate=first-party bench/ConnectBench.java socket bench.example $socks $N) "
  r[agent_conn]+="$(run -javaagent:$AGENT=port=$socks,isolate=connection bench/ConnectBench.java socket bench.example $socks $N) "
  if [ -n "${BASELINE_JAR:-}" ]; then
    r[baseline]+="$(run -javaagent:$BASELINE_JAR=port=$socks bench/ConnectBench.java socket bench.example $socks $N) "
  fi
  r[jdk]+="$(run -DsocksProxyHost=127.0.0.1 -DsocksProxyPort=$socks bench/ConnectBench.java socket bench.example $socks $N) "
  r[bypass_agent]+="$(run -javaagent:$AGENT=port=$socks bench/ConnectBench.java socket 127.0.0.1 $echo $N) "
  r[bypass_none]+="$(run bench/ConnectBench.java socket 127.0.0.1 $echo $N) "
  r[nb_agent]+="$(run -javaagent:$AGENT=port=$socks bench/ConnectBench.java channel-nb bench.example $socks $N) "
  r[nb_direct]+="$(run bench/ConnectBench.java channel-nb 127.0.0.1 $echo $N) "
done
m() { echo ${r[$1]} | tr ' ' '\n' | median; }
printf '%s\n' "$("$JAVA" -version 2>&1 | head -1)"
printf 'Socket via SOCKS, agent            %8s us\n' "$(m agent)"
printf 'Socket via SOCKS, -DsocksProxyHost %8s us   ratio agent/jdk %s\n' "$(m jdk)" "$(echo "$(m agent) $(m jdk)" | awk '{printf "%.2f", $1/$2}')"
printf 'Socket via SOCKS, isolate=first-party %5s us   ratio to isolate=app %s\n' "$(m agent_fp)" "$(echo "$(m agent_fp) $(m agent)" | awk '{printf "%.2f", $1/$2}')"
printf 'Socket via SOCKS, isolate=connection %6s us   ratio to isolate=app %s\n' "$(m agent_conn)" "$(echo "$(m agent_conn) $(m agent)" | awk '{printf "%.2f", $1/$2}')"
if [ -n "${BASELINE_JAR:-}" ]; then
  printf 'Socket via SOCKS, BASELINE_JAR       %6s us   ratio agent/baseline %s\n' "$(m baseline)" "$(echo "$(m agent) $(m baseline)" | awk '{printf "%.2f", $1/$2}')"
fi
printf 'Loopback bypass, agent             %8s us\n' "$(m bypass_agent)"
printf 'Loopback, no agent                 %8s us   ratio %s\n' "$(m bypass_none)" "$(echo "$(m bypass_agent) $(m bypass_none)" | awk '{printf "%.2f", $1/$2}')"
printf 'Non-blocking channel via SOCKS, agent (handshake inside connect) %s us; direct loopback %s us\n' "$(m nb_agent)" "$(m nb_direct)"
