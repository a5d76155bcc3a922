#!/usr/bin/env bash
# proxy-core against a direct loopback connection, microsocks and dante-server, side by side in one run, with
# a plain upstream standing in for Tor; then many idle streams through proxy-core with -Xmx256m.
#
# Paths (the asymmetry is on purpose: proxy-core relays only to Tor SocksPorts):
#   direct       client -> sink
#   proxy-core   client -> proxy-core -> fake Tor SocksPort (SOCKS5 with credentials, then the sink itself)
#   proxy-core-p the same, the client sending greeting and request in one write, as the agent does
#   microsocks   client -> microsocks -> sink
#   dante        client -> danted -> sink
#   dante-socks  client -> danted -> fake Tor SocksPort (dante chained to the upstream proxy-core relays to: the
#                like-for-like peer of proxy-core's path, with the same extra SOCKS handshake in every set-up)
# proxy-core's path has one extra SOCKS handshake (with the fake Tor) in every set-up; the bytes after it take
# the same number of hops as through microsocks and dante.
#
# Usage: bench/proxy-core/run.sh [ROUNDS] [SECONDS] [IDLE_STREAMS]   (defaults 3, 2, 10000; from anywhere)
# JAVA_HOME picks the JDK (default: the java on PATH). Installs microsocks and dante-server with apt-get when
# missing (as root), and builds proxy-core.jar when missing. BASELINE_JAR=path/to/an/older/proxy-core.jar adds
# that build as "proxy-core-before", in the same rounds, for before/after ratios from one run.
set -euo pipefail
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-2}
IDLE_STREAMS=${3:-10000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAVAC=${JAVA_HOME:+$JAVA_HOME/bin/}javac
JCMD=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jcmd
JAR=$ROOT/proxy-core/target/proxy-core.jar

missing=()
command -v microsocks >/dev/null || missing+=(microsocks)
command -v danted >/dev/null || [ -x /usr/sbin/danted ] || missing+=(dante-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "needs ${missing[*]}: sudo apt-get install ${missing[*]}" >&2; exit 2
  fi
fi
DANTED=$(command -v danted || echo /usr/sbin/danted)
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q -pl proxy-core/server -am package -DskipTests)

WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$JAVAC" -nowarn -d "$WORK/classes" -cp "$JAR" "$ROOT/bench/proxy-core/ProxyBench.java"
CP=$WORK/classes:$JAR

read -r P_CORE P_MICRO P_DANTE P_DANTE_SOCKS <<< "$("$JAVA" -cp "$CP" ProxyBench ports 4)"
wait_port() {  # $1 port, $2 the listener's log
  for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on 127.0.0.1:$1; its log:" >&2; cat "$2" >&2; exit 1
}

# The upstream: sink and fake Tor SocksPort, in a JVM of their own (thread per connection, small stacks).
mkfifo "$WORK/ports"
"$JAVA" -Xss256k -cp "$CP" ProxyBench serve > "$WORK/ports" & pids+=($!)
read -r SINK FAKE_TOR < "$WORK/ports"

start_proxy_core() {  # $1 port; prints the pid
  "$JAVA" -Xmx256m -jar "$JAR" --listen "127.0.0.1:$1" --tor-socks "127.0.0.1:$FAKE_TOR" --max-streams 10000 \
    > "$WORK/proxy-core.$1.log" 2>&1 &
  echo $!
}
core=$(start_proxy_core "$P_CORE"); pids+=("$core")
before_target=()
if [ -n "${BASELINE_JAR:-}" ]; then
  P_BEFORE=$("$JAVA" -cp "$CP" ProxyBench ports 1)
  "$JAVA" -Xmx256m -jar "$BASELINE_JAR" --listen "127.0.0.1:$P_BEFORE" --tor-socks "127.0.0.1:$FAKE_TOR" \
    --max-streams 10000 > "$WORK/proxy-core-before.log" 2>&1 & pids+=($!)
  before_target=(proxy-core-before=socks:"$P_BEFORE")
fi
microsocks -i 127.0.0.1 -p "$P_MICRO" > "$WORK/microsocks.log" 2>&1 & pids+=($!)
cat > "$WORK/danted.conf" <<EOF
logoutput: $WORK/danted.log
internal: 127.0.0.1 port = $P_DANTE
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }
EOF
"$DANTED" -f "$WORK/danted.conf" -p "$WORK/danted.pid" & pids+=($!)
# The same dante, chained to the fake Tor SocksPort (it offers no authentication there; the fake Tor takes that).
sed -e "s|port = $P_DANTE|port = $P_DANTE_SOCKS|" -e "s|danted.log|danted-socks.log|" "$WORK/danted.conf" \
  > "$WORK/danted-socks.conf"
cat >> "$WORK/danted-socks.conf" <<EOF
route { from: 0.0.0.0/0 to: 0.0.0.0/0 via: 127.0.0.1 port = $FAKE_TOR
  proxyprotocol: socks_v5
  command: connect
}
EOF
"$DANTED" -f "$WORK/danted-socks.conf" -p "$WORK/danted-socks.pid" & pids+=($!)
wait_port "$P_CORE" "$WORK/proxy-core.$P_CORE.log"; wait_port "$P_MICRO" "$WORK/microsocks.log"
wait_port "$P_DANTE" "$WORK/danted.log"; wait_port "$P_DANTE_SOCKS" "$WORK/danted-socks.log"
[ -z "${BASELINE_JAR:-}" ] || wait_port "$P_BEFORE" "$WORK/proxy-core-before.log"

echo "$("$JAVA" -version 2>&1 | head -1); $(nproc) cores; microsocks $(dpkg-query -W -f '${Version}' microsocks 2>/dev/null), dante $(dpkg-query -W -f '${Version}' dante-server 2>/dev/null); proxy-core with -Xmx256m"
echo "bench/proxy-core/run.sh $ROUNDS $SECONDS_PER_RUN $IDLE_STREAMS: 3000 set-ups through each target first, then rounds interleaved, ${SECONDS_PER_RUN} s per throughput run after 0.5 s warm-up"
"$JAVA" -cp "$CP" ProxyBench compare "$ROUNDS" "$SECONDS_PER_RUN" "$SINK" \
  direct=direct "${before_target[@]}" proxy-core=socks:"$P_CORE" proxy-core-p=socks-pipelined:"$P_CORE" \
  microsocks=socks:"$P_MICRO" dante=socks:"$P_DANTE" dante-socks=socks:"$P_DANTE_SOCKS"

# Many idle streams, with a proxy-core of their own. Each stream holds two descriptors in proxy-core (client and
# Tor side), so the open-files limit caps how many can be open at once.
kill "$core"; wait "$core" 2>/dev/null || true
P_IDLE=$("$JAVA" -cp "$CP" ProxyBench ports 1)
idle=$(start_proxy_core "$P_IDLE"); pids+=("$idle"); wait_port "$P_IDLE" "$WORK/proxy-core.$P_IDLE.log"
limit=$(awk '/Max open files/ {print $4}' "/proc/$idle/limits")
fds=$(ls "/proc/$idle/fd" | wc -l)
fit=$(( (limit - fds - 16) / 2 ))
n=$IDLE_STREAMS
if [ "$fit" -lt "$n" ]; then
  echo "note: proxy-core's open-files limit is $limit and it holds $fds already: at most $fit streams fit (2 descriptors each); opening $fit of $n"
  n=$fit
fi
echo
"$JAVA" -cp "$CP" ProxyBench idle "$n" "$P_IDLE" "$SINK" "$idle" "$JCMD"
