#!/usr/bin/env bash
# A throwaway PostgreSQL on 127.0.0.1 for tests and local runs (never the Debian cluster).
#   scripts/pg.sh start DIR PORT   initdb into DIR (once) and start; prints the URL
#   scripts/pg.sh stop DIR         stop the server started from DIR (by its postmaster PID)
#   scripts/pg.sh url PORT         the URL tests use
# As root, the server runs as the `postgres` OS user (initdb refuses root).
set -euo pipefail
cmd=${1:?start|stop|url}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$BIN" ]]; then echo "pg.sh: PostgreSQL is not installed (scripts/install-deps.sh)" >&2; exit 1; fi
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then (cd /tmp && runuser -u postgres -- "$@"); else "$@"; fi
}
url() { echo "postgresql://postgres@127.0.0.1:$1/postgres"; }
case "$cmd" in
  start)
    DIR=${2:?DIR} PORT=${3:?PORT}
    mkdir -p "$DIR/sock"
    if [[ $(id -u) -eq 0 ]]; then chown -R postgres:postgres "$DIR"; fi
    if [[ -f "$DIR/data/postmaster.pid" ]]; then
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [[ ! -f "$DIR/data/PG_VERSION" ]]; then
      as_pg "$BIN/initdb" -D "$DIR/data" --auth=trust --username=postgres --encoding=UTF8 \
        --locale=C >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    fi
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
      -o "-p $PORT -k $DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null </dev/null || { tail -20 "$DIR/server.log" >&2; exit 1; }
    url "$PORT"
    ;;
  stop)
    DIR=${2:?DIR}
    if [[ -f "$DIR/data/postmaster.pid" ]]; then
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null
    fi
    ;;
  url) url "${2:?PORT}" ;;
  *) echo "usage: pg.sh start DIR PORT | stop DIR | url PORT" >&2; exit 2 ;;
esac
