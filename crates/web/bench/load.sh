#!/usr/bin/env bash
# Load benchmark of the web application on the 4,000-member demo union (issue 5): the member
# statement page and the API statement endpoint, 64 connections, with wrk on loopback.
#
#   crates/web/bench/load.sh [path/to/tequio] [seconds]
#
# Starts `tequio serve` on a fresh SQLite file (which loads the demo union and its users), signs
# in as the demo member `socio`, views the statement once (the cold view folds the
# organisation's log; its time is printed), then prints wrk's latency distribution for both
# routes: what a warm statement costs under 64 connections.
set -euo pipefail
BIN=${1:-target/release/tequio}
SECS=${2:-10}
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 2; }
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --database-url "sqlite://$DIR/bench.db" serve --addr "127.0.0.1:$PORT" >"$DIR/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 $PID 2>/dev/null || { cat "$DIR/serve.log" >&2; exit 1; }
  sleep 1
done
TOKEN=$(curl -sf -X POST -H 'Content-Type: application/json' \
  -d '{"login":"socio","password":"tequio-demo-2026"}' \
  "http://127.0.0.1:$PORT/api/v1/session" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
STATEMENT=$(curl -s -o /dev/null -w '%{redirect_url}' -H "Cookie: tequio_session=$TOKEN" \
  "http://127.0.0.1:$PORT/odf/alfareros-morelos/mi-estado")
MEMBER=${STATEMENT##*/}
curl -s -o /dev/null -w 'cold page view: %{time_total} s (HTTP %{http_code})\n' \
  -H "Cookie: tequio_session=$TOKEN" "$STATEMENT"
curl -s -o /dev/null -w 'cold API view: %{time_total} s (HTTP %{http_code})\n' \
  -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$PORT/api/v1/orgs/alfareros-morelos/members/$MEMBER/statement"
echo "== page: $STATEMENT"
wrk -t2 -c64 -d"${SECS}s" --latency -H "Cookie: tequio_session=$TOKEN" "$STATEMENT"
echo "== api: /api/v1/orgs/alfareros-morelos/members/$MEMBER/statement"
wrk -t2 -c64 -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$PORT/api/v1/orgs/alfareros-morelos/members/$MEMBER/statement"
