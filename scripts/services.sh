#!/usr/bin/env bash
# Installs (when missing) and starts PostgreSQL and Redis on 127.0.0.1 for the test suite,
# creates the test database, and prints the two URLs as shell assignments:
#   TEST_DATABASE_URL=postgres://...   TEST_REDIS_URL=redis://...
# Idempotent: a second run finds both up and only prints the URLs.
# Usage: eval "$(scripts/services.sh)"   (progress goes to stderr)
set -euo pipefail

PG_DB="${CATALYNX_TEST_DB:-catalynx_test}"
PG_USER="${CATALYNX_TEST_DB_USER:-catalynx}"
PG_PASSWORD="${CATALYNX_TEST_DB_PASSWORD:-catalynx}"
REDIS_PORT="${CATALYNX_TEST_REDIS_PORT:-6379}"

log() { echo "services: $*" >&2; }

as_root() {
  if [ "$(id -u)" = "0" ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = "0" ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# --- PostgreSQL --------------------------------------------------------------
pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1; }

if [ -z "$(pg_version)" ] || [ ! -x "/usr/lib/postgresql/$(pg_version)/bin/postgres" ]; then
  apt_install postgresql
fi
PG_VER="$(pg_version)"
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PG_VER main"; then
  log "creating cluster $PG_VER/main"
  as_root pg_createcluster "$PG_VER" main >&2
fi
PG_PORT="$(pg_lsclusters -h | awk -v v="$PG_VER" '$1==v && $2=="main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$PG_VER" '$1==v && $2=="main" {print $4}' | grep -q online; then
  log "starting postgresql $PG_VER on port $PG_PORT"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VER" main start >&2
fi
for _ in $(seq 1 50); do
  if su postgres -c "psql -p $PG_PORT -h 127.0.0.1 -tAc 'select 1'" >/dev/null 2>&1 \
     || su postgres -c "psql -p $PG_PORT -tAc 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
psql_admin() { su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -tAc \"$1\""; }
if [ "$(psql_admin "select 1 from pg_roles where rolname='$PG_USER'")" != "1" ]; then
  log "creating role $PG_USER"
  psql_admin "create role $PG_USER login superuser password '$PG_PASSWORD'" >/dev/null
fi
if [ "$(psql_admin "select 1 from pg_database where datname='$PG_DB'")" != "1" ]; then
  log "creating database $PG_DB"
  psql_admin "create database $PG_DB owner $PG_USER" >/dev/null
fi

# --- Redis -------------------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  log "starting redis on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >&2
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
fi

echo "TEST_DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
echo "TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
