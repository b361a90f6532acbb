#!/usr/bin/env bash
# Throughput of edgeproxy-load vs wrk against the same nginx endpoint at the same connection count.
#
#   apt-get install -y wrk nginx-light
#   dotnet build -c Release loadtests/EdgeProxy.LoadTests
#   loadtests/bench/compare-wrk.sh [--workers 1|auto] [--rounds 3] [--seconds 10] [CONNECTIONS...]   # default 16 64 256
#
# Starts nginx from a temporary prefix on 127.0.0.1:18081 (not the system service), serving a 18-byte
# `return 200` on /hello, then alternates wrk -t2 and an edgeproxy-load closed-model run (2 s unrecorded warm-up
# + the same measured seconds) ROUNDS times per connection count, so background noise hits both alike.
# Prints one line per round and the median ratio per connection count; stops nginx on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
workers=1 rounds=3 seconds=10 port=18081
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then connections=(16 64 256); else connections=("$@"); fi
runner=loadtests/EdgeProxy.LoadTests/bin/Release/net10.0/edgeproxy-load
[ -x "$runner" ] || { echo "build the runner first: dotnet build -c Release loadtests/EdgeProxy.LoadTests" >&2; exit 2; }
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx: apt-get install -y wrk nginx-light" >&2; exit 2; }

prefix=$(mktemp -d /tmp/edgeproxy-load-nginx.XXXXXX)
mkdir -p "$prefix/logs" "$prefix/conf"
cat > "$prefix/conf/nginx.conf" <<CONF
worker_processes $workers;
error_log $prefix/logs/error.log warn;
pid $prefix/logs/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_temp_path $prefix/body; proxy_temp_path $prefix/proxy; fastcgi_temp_path $prefix/fastcgi;
  uwsgi_temp_path $prefix/uwsgi; scgi_temp_path $prefix/scgi;
  server {
    listen 127.0.0.1:$port;
    location /hello { default_type text/plain; return 200 "Hello from nginx!\n"; }
  }
}
CONF
nginx -p "$prefix" -c "$prefix/conf/nginx.conf"
trap 'kill "$(cat "$prefix/logs/nginx.pid")" 2>/dev/null || true; rm -rf "$prefix"' EXIT
sleep 0.3
echo "nginx $(nginx -v 2>&1 | sed 's/.*\///') workers=$workers on 127.0.0.1:$port; wrk -t2; ${seconds}s per run; $(nproc) cores"

for c in "${connections[@]}"; do
  scenario="$prefix/hello-$c.toml"
  cat > "$scenario" <<TOML
[scenario]
name = "nginx-hello-$c"
target = "http://127.0.0.1:$port"
timeout = "5s"
[[steps]]
name = "hello"
path = "/hello"
[[phases]]
name = "warm-up"
model = "closed"
concurrency = $c
duration = "2s"
record = false
[[phases]]
name = "measured"
model = "closed"
concurrency = $c
duration = "${seconds}s"
[slo]
error_rate = "< 1%"
TOML
  ratios=()
  for round in $(seq 1 "$rounds"); do
    w=$(wrk -t2 -c"$c" -d"${seconds}s" "http://127.0.0.1:$port/hello" | awk '/Requests\/sec/ {print $2}')
    r=$("$runner" run "$scenario" --report-dir "$prefix/report-$c" --quiet | awk '$1=="hello" {gsub(",","",$6); print $6}')
    ratio=$(awk -v r="$r" -v w="$w" 'BEGIN { printf "%.2f", r / w }')
    ratios+=("$ratio")
    echo "c=$c round=$round wrk=$w req/s edgeproxy-load=$r req/s ratio=$ratio loadavg=$(cut -d' ' -f1 /proc/loadavg)"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
  echo "c=$c median ratio $median"
done
