#!/usr/bin/env bash
# Name lookups: latency under dns=remote and dns=mapped against an uncached local lookup of a hosts-file name,
# side by side in one run (interleaved rounds, one JVM per variant and round, medians of the per-round medians
# and p90s), then the memory of the dns=mapped name table at NAMES names.
#
#   (a)  no agent: InetAddress.getByName(hosts-file name), JDK cache off, glibc reads /etc/hosts
#   (b)  agent dns=remote: a distinct name per lookup, one SOCKS RESOLVE to bench/SocksResolve.java on loopback,
#        which answers at once (the agent's cost; Tor's latency is not in it)
#   (b0) no agent: the same RESOLVE bytes written by hand to the same peer, the floor of (b): one TCP connection
#        and one round trip per lookup
#   (c)  agent dns=mapped: a distinct name per lookup, a placeholder from the in-agent table, no round trip
#   (d)  agent: the hosts-file name of (a) through the agent's resolver guard: localhost is answered by the agent
#        itself (no glibc); another HOSTS_NAME is added to the bypass, so the guard hands it to glibc
#   (e)  agent dns=remote, no InetAddress lookup: a DNS query over UDP to 10.53.0.1:53 on a blocking channel, answered
#        by the in-JVM DNS server through the same RESOLVE as (b), in the sending thread; (e)-(b) is the server's own
#        cost. (f) the same on a non-blocking channel with a Selector, answered by the server's threads. Only inside a network namespace
#        that has only loopback, which the script enters itself when run as root (unshare -n); else (e) is skipped
# Every variant runs with -Dsun.net.inetaddr.ttl=0, so the JDK cache answers nothing (DnsBench checks it).
#
# Usage: bench/dns.sh [JAVA_HOME] [ROUNDS] [N] [NAMES]   (defaults: the JDK 17, 7, 2000, 100000; run from the
# project root after mvn package). N lookups are timed per JVM after N warm-up lookups
# (at least 20,000 for a, c, d, which open no TCP connection). HOSTS_NAME picks the
# name of (a) and (d) (default localhost); it must be in /etc/hosts, or (a) would ask a DNS server.
set -euo pipefail
if [ -z "${STREAMISO_BENCH_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
  # (e) aims at a nameserver that must not exist: a namespace with only loopback, where nothing can leave.
  exec unshare -n env STREAMISO_BENCH_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
JAVA=${1:-${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}}/bin/java
ROUNDS=${2:-7}
N=${3:-2000}
NAMES=${4:-100000}
HOSTS_NAME=${HOSTS_NAME:-localhost}
AGENT=agent/target/streamiso.jar
[ -f "$AGENT" ] || { echo "$AGENT: missing (expected: mvn package first, from the project root)" >&2; exit 2; }
grep -Eq "^[^#]*[[:space:]]${HOSTS_NAME//./\\.}([[:space:]]|\$)" /etc/hosts \
  || { echo "HOSTS_NAME: \"$HOSTS_NAME\" (expected: a name in /etc/hosts; any other name would reach a DNS server)" >&2; exit 2; }
BYPASS=127.0.0.0/8+::1+localhost$([ "$HOSTS_NAME" = localhost ] || echo "+$HOSTS_NAME")
T=-Dsun.net.inetaddr.ttl=0

work=$(mktemp -d)
mkfifo $work/port; "$JAVA" bench/SocksResolve.java > $work/port 2> $work/peer.err & peer=$!
trap 'kill $peer; rm -rf $work' EXIT
read socks < $work/port

run() {
  if ! "$JAVA" -Xshare:auto $T "$@" 2> $work/err; then
    echo "failed: $JAVA $*" >&2; tail -5 $work/err >&2; exit 1
  fi
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A med p90
for i in $(seq "$ROUNDS"); do
  for v in a b b0 c d $([ -n "${STREAMISO_BENCH_NETNS:-}" ] && echo e f); do
    case $v in
      a)  out=$(run bench/DnsBench.java local "$HOSTS_NAME" $N) ;;
      b)  out=$(run -javaagent:$AGENT=port=$socks,dns=remote bench/DnsBench.java remote bench.example $N) ;;
      b0) out=$(run bench/DnsBench.java raw bench.example $N $socks) ;;
      c)  out=$(run -javaagent:$AGENT=port=$socks,dns=mapped bench/DnsBench.java mapped bench.example $N) ;;
      d)  out=$(run -javaagent:$AGENT=port=$socks,bypass=$BYPASS bench/DnsBench.java local "$HOSTS_NAME" $N) ;;
      e)  out=$(run -javaagent:$AGENT=port=$socks,dns=remote bench/DnsBench.java dns-server bench.example $N) ;;
      f)  out=$(run -javaagent:$AGENT=port=$socks,dns=remote bench/DnsBench.java dns-server-nb bench.example $N) ;;
    esac
    med[$v]+="${out% *} "; p90[$v]+="${out#* } "
  done
done
m() { echo ${med[$1]} | tr ' ' '\n' | median; }
p() { echo ${p90[$1]} | tr ' ' '\n' | median; }
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
row() { printf '%-62s %9s %9s %8s\n' "$1" "$(m $2)" "$(p $2)" "$(ratio "$(m $2)" "$(m a)")"; }

printf '%s\n' "$("$JAVA" -version 2>&1 | head -1)"
printf 'Lookup latency, JDK cache off; median of %s rounds of %s lookups per JVM after warm-up (us)\n' "$ROUNDS" "$N"
printf '%-62s %9s %9s %8s\n' "" median p90 "x (a)"
row "(a)  no agent, $HOSTS_NAME from /etc/hosts" a
row "(b)  agent dns=remote, RESOLVE to loopback peer, distinct names" b
row "(b0) no agent, the same RESOLVE bytes by hand (floor of b)" b0
row "(c)  agent dns=mapped, distinct names" c
row "(d)  agent, $HOSTS_NAME as a local name through the guard" d
if [ -n "${STREAMISO_BENCH_NETNS:-}" ]; then
  row "(e)  agent dns=remote, UDP query to the in-JVM DNS server" e
  row "(f)  the same, non-blocking channel and Selector" f
  printf 'The in-JVM DNS server'\''s own part: (e)-(b) = %s us (median), %s us (p90); (f)-(b) = %s us (median)\n' \
    "$(echo "$(m e) $(m b)" | awk '{printf "%.1f", $1-$2}')" "$(echo "$(p e) $(p b)" | awk '{printf "%.1f", $1-$2}')" \
    "$(echo "$(m f) $(m b)" | awk '{printf "%.1f", $1-$2}')"
  # (b) and (e) interleaved lookup by lookup in one JVM, ROUNDS JVMs: the server's own cost with the same JIT and load.
  for i in $(seq "$ROUNDS"); do
    run -javaagent:$AGENT=port=$socks,dns=remote bench/DnsBench.java compare bench.example $N >> $work/compare
  done
  printf 'The same, (b) and (e) interleaved in one JVM (medians over %s JVMs): (b) %s us, (e) %s us, (e)-(b) per pair %s us\n' \
    "$ROUNDS" "$(cut -d' ' -f1 $work/compare | median)" "$(cut -d' ' -f2 $work/compare | median)" \
    "$(cut -d' ' -f3 $work/compare | median)"
else
  echo "(e)  skipped: it needs a loopback-only network namespace (run as root, with unshare)"
fi
printf 'The agent'\''s own part of (b): (b)-(b0) = %s us; the TCP connection and round trip (b0) = %s us\n' \
  "$(echo "$(m b) $(m b0)" | awk '{printf "%.1f", $1-$2}')" "$(m b0)"

# One JVM per collector: heap used after full GCs before and after NAMES more names, fixed heap. G1 (the default
# here) keeps each HashMap table above half a region in whole humongous regions; Serial counts only the objects.
mem() { "$JAVA" -Xshare:auto $T -Xms256m -Xmx256m "$@" -javaagent:$AGENT=port=$socks,dns=mapped \
  bench/DnsBench.java memory "$NAMES"; }
mem > $work/mem; mem -XX:+UseSerialGC > $work/mem.serial
read g1 len < $work/mem; read serial len < $work/mem.serial
printf 'Name table under dns=mapped at %s names of %s characters, -Xmx256m; live heap growth (MemoryMXBean after System.gc()):\n' \
  "$NAMES" "$len"
printf '  %s bytes/name with G1, %s bytes/name with Serial GC\n' "$g1" "$serial"
echo "growth by class (GC.class_histogram, G1 JVM, before and after the names):"
tail -n +2 $work/mem | sed 's/^/  /'
