#!/usr/bin/env bash
# Starts the demo upstream, the gateway (on a copy of config/ plus the demo API product in scripts/portal-demo/)
# and edgeproxy-manager together, then prints the URLs and the one-time admin setup link. Ctrl-C stops all.
#
#   scripts/try-portal.sh            # run until Ctrl-C
#   scripts/try-portal.sh --smoke    # scripted newcomer: sign up, create an app, subscribe, get a key, call the
#                                    # gateway with it; prints the time from start to the first successful call,
#                                    # then waits for that call in the manager's analytics
#
# The demo API's route (config/routes/demo.toml, demo-secure) allows the portal's origin http://127.0.0.1:9900 by CORS,
# so Swagger UI's try-it-out on the portal calls the gateway from the browser with the developer's key.
#
# Analytics are on: a fresh random secret is shared by the manager (--analytics-secret) and the gateway (an
# [analytics] section added to the config copy), so the dashboard (/analytics, as the admin) and the app page's
# usage show the newcomer's own calls within a second or so.
#
# Ports (loopback only): gateway 8080, its admin 9901, demo upstream 9001, portal 9900. Work files (config copy,
# manager.db, logs) go to $EDGEPROXY_PORTAL_DIR or a fresh temp directory; the repository stays untouched.
set -euo pipefail

start_ms=$(( $(date +%s%N) / 1000000 ))
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${EDGEPROXY_PORTAL_DIR:-$(mktemp -d -t edgeproxy-portal.XXXXXX)}
smoke=false
[[ "${1:-}" == "--smoke" ]] && smoke=true

echo "Building gateway and manager (Release)..."
dotnet build -c Release --nologo -v quiet "$repo/src/EdgeProxy.Manager/EdgeProxy.Manager.csproj" >"$work/build.log" 2>&1 \
  && dotnet build -c Release --nologo -v quiet "$repo/src/EdgeProxy/EdgeProxy.csproj" >>"$work/build.log" 2>&1 \
  || { echo "build failed; see $work/build.log" >&2; exit 1; }

mkdir -p "$work/config" "$work/data"
cp -r "$repo/config/." "$work/config/"
mkdir -p "$work/config/portal-demo"
cp -r "$repo/scripts/portal-demo/." "$work/config/portal-demo/"

# A random analytics secret for this run (never the sample's placeholder); the config copy and the work directory
# are the script's own.
analytics_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >>"$work/config/edgeproxy.toml" <<TOML

# Added by scripts/try-portal.sh: ship analytics to the manager started beside the gateway.
[analytics]
endpoint = "http://127.0.0.1:9900/api/ingest"
secret = "$analytics_secret"
flush_interval = "500ms"
spool_dir = "$work/analytics-spool"
TOML

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

dotnet "$repo/src/EdgeProxy/bin/Release/net10.0/edgeproxy.dll" --config "$work/config" --demo-upstream 127.0.0.1:9001 \
  >"$work/gateway.log" 2>&1 &
pids+=($!)
dotnet "$repo/src/EdgeProxy.Manager/bin/Release/net10.0/edgeproxy-manager.dll" --config "$work/config" --data "$work/data" \
  --listen 127.0.0.1:9900 --gateway http://127.0.0.1:8080 --analytics-secret "$analytics_secret" >"$work/manager.log" 2>&1 &
pids+=($!)

# Both answer within seconds; give up after 60 s rather than hang.
for _ in $(seq 1 120); do
  if curl -fs -o /dev/null http://127.0.0.1:9900/catalog && curl -s -o /dev/null http://127.0.0.1:8080/hello; then break; fi
  sleep 0.5
done
curl -fs -o /dev/null http://127.0.0.1:9900/catalog || { echo "the manager did not start; see $work/manager.log" >&2; exit 1; }

token=$(grep -o 'setup?token=[A-Za-z0-9_-]*' "$work/manager.log" | head -n 1 || true)
cat <<INFO

  Developer portal   http://127.0.0.1:9900/           (catalog: /catalog, your apps: /apps)
  First admin        ${token:+http://127.0.0.1:9900/$token}   (one-time link; printed once)
  Admin API          http://127.0.0.1:9900/api/admin/openapi.json  (browse it at /docs/)
  Gateway            http://127.0.0.1:8080/secure/hello  (needs a key from the portal in X-Api-Key)
  Try it out         http://127.0.0.1:9900/catalog/demo/v1/docs  (Authorize with your key, then Execute)
  Analytics          http://127.0.0.1:9900/analytics  (as the admin: every call through the gateway; your app page shows its own)
  Work directory     $work  (logs, config copy, manager.db)

INFO

if ! $smoke; then
  echo "Press Ctrl-C to stop."
  wait
  exit 0
fi

# The scripted newcomer, through the manager's JSON API (the same calls the pages make).
jar="$work/cookies"
api() { curl -fsS -b "$jar" -c "$jar" -H 'Content-Type: application/json' "$@"; }
api -X POST http://127.0.0.1:9900/api/signup -d '{"email":"newcomer@example.com","name":"Newcomer","password":"a long enough password"}' >/dev/null
api -X POST http://127.0.0.1:9900/api/session -d '{"email":"newcomer@example.com","password":"a long enough password"}' >/dev/null
app=$(api -X POST http://127.0.0.1:9900/api/apps -d '{"name":"First app"}' | sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | head -n 1)
sub=$(api -X POST "http://127.0.0.1:9900/api/apps/$app/subscriptions" -d '{"api":"demo","plan":"demo"}' | sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | head -n 1)
key=$(api -X POST "http://127.0.0.1:9900/api/subscriptions/$sub/keys" | sed -n 's/.*"key": *"\([^"]*\)".*/\1/p')
for _ in $(seq 1 50); do
  if curl -fs -H "X-Api-Key: $key" http://127.0.0.1:8080/secure/hello >"$work/first-call.txt"; then
    elapsed_ms=$(( $(date +%s%N) / 1000000 - start_ms ))
    echo "First successful call through the gateway $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s after start (build included): $(cat "$work/first-call.txt")"
    # What the browser does before try-it-out sends the key: a CORS preflight from the portal's origin.
    if curl -fsS -o /dev/null -D "$work/preflight.txt" -X OPTIONS -H 'Origin: http://127.0.0.1:9900' \
         -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: x-api-key' http://127.0.0.1:8080/secure/hello \
       && grep -qi '^access-control-allow-origin: http://127.0.0.1:9900' "$work/preflight.txt"; then
      echo "CORS preflight from the portal's origin: allowed by the gateway (Swagger UI try-it-out works in the browser)"
      # The call reaches the manager's analytics: the app's own usage series counts it (bounded wait).
      for _ in $(seq 1 100); do
        if api "http://127.0.0.1:9900/api/analytics/apps/$app/series" | grep -Eq '"requests": *[1-9]'; then
          echo "Analytics: the manager counted the newcomer's call (app page usage, dashboard at /analytics)"
          exit 0
        fi
        sleep 0.1
      done
      echo "the call did not show in the manager's analytics within 10 s; see $work/gateway.log and $work/manager.log" >&2
      exit 1
    fi
    echo "the gateway did not allow the portal's CORS preflight; see $work/preflight.txt" >&2
    exit 1
  fi
  sleep 0.1
done
echo "the key did not work at the gateway within 5 s; see $work/gateway.log" >&2
exit 1
