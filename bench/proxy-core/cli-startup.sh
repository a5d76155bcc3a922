#!/usr/bin/env bash
# proxy-core's command line from start to exit, this build against an older one, interleaved in one run:
#   help     java -jar proxy-core.jar --help
#   start    a run up to binding its port (the port is taken, so it exits with 3 right there)
#   status   the status command against a running proxy-core (JSON read and printed as a table)
# Prints, per case and jar, the median wall time and the median CPU time (user + sys) in ms.
#
# Usage: BASELINE_JAR=path/to/an/older/proxy-core.jar bench/proxy-core/cli-startup.sh [RUNS]   (default 15)
# JAVA_HOME picks the JDK (default: the java on PATH). Needs proxy-core/target/proxy-core.jar and GNU time.
set -euo pipefail
RUNS=${1:-15}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
NEW=$ROOT/proxy-core/target/proxy-core.jar
OLD=${BASELINE_JAR:?BASELINE_JAR=path/to/an/older/proxy-core.jar}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

# A taken loopback port, and a proxy-core with a status endpoint (the older jar: both clients read the same).
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(3600)' > "$WORK/taken" &
"$JAVA" -jar "$OLD" --listen 127.0.0.1:0 --tor-socks 127.0.0.1:9 --status 127.0.0.1:0 2> "$WORK/server.log" &
for _ in $(seq 1 100); do
  STATUS=$(sed -n 's#.*status on http://\([0-9.:]*\)/status.*#\1#p' "$WORK/server.log")
  [ -n "$STATUS" ] && [ -s "$WORK/taken" ] && break
  sleep 0.1
done
TAKEN=$(cat "$WORK/taken")
[ -n "$STATUS" ] || { echo "cli-startup: the proxy-core with --status did not start: $(cat "$WORK/server.log")" >&2; exit 1; }

for _ in $(seq 1 "$RUNS"); do
  for jar in before:"$OLD" after:"$NEW"; do
    name=${jar%%:*} file=${jar#*:}
    for case in help start status; do
      case $case in
        help) args=(--help) ;;
        start) args=(--listen "127.0.0.1:$TAKEN" --tor-socks 127.0.0.1:9) ;;
        status) args=(status --status "$STATUS") ;;
      esac
      /usr/bin/time -o "$WORK/t" -f "$case $name %e %U %S %x" "$JAVA" -jar "$file" "${args[@]}" > /dev/null 2>&1 || true
      cat "$WORK/t" >> "$WORK/times"
    done
  done
done
python3 - "$WORK/times" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    if line.startswith("Command exited"):  # GNU time's note before a non-zero exit
        continue
    case, name, wall, user, system, code = line.split()
    runs.setdefault((case, name), []).append((float(wall) * 1000, (float(user) + float(system)) * 1000, code))
print("%-8s %-7s %5s %10s %9s  %s" % ("case", "jar", "runs", "wall (ms)", "CPU (ms)", "exit codes"))
for case in ("help", "start", "status"):
    for name in ("before", "after"):
        r = runs[(case, name)]
        print("%-8s %-7s %5d %10.0f %9.0f  %s" % (case, name, len(r), statistics.median(x[0] for x in r),
                                              statistics.median(x[1] for x in r), ",".join(sorted({x[2] for x in r}))))
EOF
