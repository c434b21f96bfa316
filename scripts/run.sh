#!/usr/bin/env bash
# The main job: start the local stack, prepare it, and serve both APIs with the sample catalog.
#   ./scripts/run.sh                 # http://127.0.0.1:8080 (every route), Ctrl-C to stop
# Settings come from the environment (see docs/CONFIGURATION.md); the defaults below are for
# local development only.
set -euo pipefail
cd "$(dirname "$0")/.."

export DYNAMODB_ENDPOINT=${DYNAMODB_ENDPOINT-http://127.0.0.1:8000}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local}
export AWS_REGION=${AWS_REGION:-us-east-1}
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/mediamesh}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export MEDIAMESH_API_KEYS=${MEDIAMESH_API_KEYS:-dev-key}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8080}
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

./scripts/bootstrap.sh
./scripts/ensure-services.sh
mm=.venv/bin/mediamesh

ddb_port=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 8000)' "$DYNAMODB_ENDPOINT")
started_ddb=0
if [ -n "$DYNAMODB_ENDPOINT" ] && ! (echo >"/dev/tcp/127.0.0.1/$ddb_port") 2>/dev/null; then
  say "starting DynamoDB Local on port $ddb_port"
  $mm stack dynamodb-local start --port "$ddb_port"
  started_ddb=1
fi
stop_ddb() { [ "$started_ddb" = 1 ] && $mm stack dynamodb-local stop --port "$ddb_port" >/dev/null || true; }
trap stop_ddb EXIT

say "migrating PostgreSQL"; $mm db migrate
say "provisioning DynamoDB tables"; $mm tables create
say "loading the sample catalog"; $mm load --sample --if-empty
if [ "$(psql "$DATABASE_URL" -Atc 'SELECT EXISTS (SELECT 1 FROM engagement_simulations WHERE finished_at IS NULL)')" = t ]; then
  say "finishing the interrupted engagement simulation"; $mm events simulate --resume
elif [ "$(psql "$DATABASE_URL" -Atc 'SELECT EXISTS (SELECT 1 FROM engagement_hourly)')" = f ]; then
  say "simulating engagement (1M events over 30 days)"; $mm events simulate --events 1000000 --days 30
fi

cat >&2 <<MSG

  MediaMesh is up on http://$HOST:$PORT
    web explorer   http://$HOST:$PORT/
    API docs       http://$HOST:$PORT/docs
    trending       curl 'http://$HOST:$PORT/v1/discovery/trending?contentType=PROGRAM&limit=5'
    search         curl 'http://$HOST:$PORT/v1/search?q=godfather'
    write API key  $MEDIAMESH_API_KEYS   (Authorization: Bearer <key>)
  Ctrl-C stops the server (and the DynamoDB Local this script started).

MSG
# The server runs as a child that this script signals: a SIGTERM to the script (a supervisor,
# `kill`) used to end the script alone, leaving the server running with no parent. Now the
# server shuts down gracefully first, then the EXIT trap stops DynamoDB Local.
$mm serve all --host "$HOST" --port "$PORT" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' TERM INT
status=0
wait "$server" || status=$?
# a trapped signal ends the first wait early: wait again for the server's graceful shutdown
if kill -0 "$server" 2>/dev/null; then wait "$server" || status=$?; fi
exit "$status"
