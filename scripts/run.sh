#!/usr/bin/env bash
# `make run`: starts the whole system in one process with demo data. Unless
# DATABASE_URL points elsewhere it uses a local PostgreSQL cluster kept in
# $KEHOU_PG_DATA (default /var/tmp/kehou-pg), started from this machine's
# PostgreSQL binaries; the data stays between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DATABASE_URL:-}" ] && [ -z "${KEHOU_DATABASE_URL:-}" ]; then
  data=${KEHOU_PG_DATA:-/var/tmp/kehou-pg}
  port=${KEHOU_PG_PORT:-54329}
  scripts/pg.sh start "$data" "$port"
  stop_pg() { scripts/pg.sh stop "$data"; }
  psql_bin="$(scripts/pg.sh bindir)/psql"
  if ! "$psql_bin" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kehou'" | grep -q 1; then
    "$psql_bin" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE kehou"
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/kehou?sslmode=disable"
  echo "database: $DATABASE_URL (data in $data)"
fi
mkdir -p bin
go build -o bin/kehou ./cmd/kehou
# Run kehou as a child so that Ctrl-C or SIGTERM reaches it, it shuts down
# gracefully, and then the local PostgreSQL (if we started it) stops too.
# Token keys and the operator password are generated beside the data on the
# first start and kept, so a restart keeps everyone signed in.
export KEHOU_DEV_SECRETS_DIR=${KEHOU_DEV_SECRETS_DIR:-${data:-/var/tmp/kehou}.secrets}
bin/kehou serve --demo --log-format text "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM
status=0
wait "$child" || status=$?
if kill -0 "$child" 2>/dev/null; then wait "$child" || status=$?; fi
if declare -F stop_pg >/dev/null; then stop_pg; fi
exit "$status"
