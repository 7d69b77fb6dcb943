#!/usr/bin/env bash
# PostgreSQL helper for `make run` and `make test`: finds (or installs) the
# server binaries and starts a private cluster. As root, the cluster runs as
# the postgres user, because initdb and postgres refuse to run as root.
#
#   scripts/pg.sh bindir                 print the server binary directory
#   scripts/pg.sh start DATADIR PORT     init DATADIR if new, start on PORT
#   scripts/pg.sh stop DATADIR           stop the cluster in DATADIR
#   scripts/pg.sh freeport               print a free TCP port on 127.0.0.1
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

bindir() {
  if find_bindir; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "pg.sh: PostgreSQL server binaries not found; installing them with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2 || die "apt-get install postgresql failed"
    find_bindir && return 0
  fi
  die "PostgreSQL server binaries not found: install PostgreSQL 13 or newer (Debian/Ubuntu: sudo apt-get install postgresql), or set DATABASE_URL"
}

# as_pg runs a command as the cluster owner: postgres when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local data=$1 port=$2 bin
  bin=$(bindir)
  mkdir -p "$data"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres "$data"
  fi
  chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$data.initdb.log" 2>&1 \
      || { cat "$data.initdb.log" >&2; die "initdb failed"; }
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    return 0
  fi
  as_pg "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB" \
    start >/dev/null || { tail -20 "$data/server.log" >&2; die "postgres did not start"; }
}

stop() {
  local data=$1 bin
  bin=$(bindir)
  [ -f "$data/PG_VERSION" ] || return 0
  as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

freeport() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

case "${1:-}" in
  bindir) bindir ;;
  start) [ $# -eq 3 ] || die "usage: pg.sh start DATADIR PORT"; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || die "usage: pg.sh stop DATADIR"; stop "$2" ;;
  freeport) freeport ;;
  *) die "usage: pg.sh bindir|start DATADIR PORT|stop DATADIR|freeport" ;;
esac
