# shellcheck shell=bash
# PostgreSQL (Debian `postgresql`) on 127.0.0.1:55432, data under $ENGINES_DIR/postgres.
#
# Source it and call postgres_install | postgres_up | postgres_down | postgres_status | postgres_env,
# or run it: tools/engines/postgres.sh up|down|status|env|install
#
# Layout ($ENGINES_DIR/postgres, owned by the `postgres` user, mode 0700):
#   data/          the cluster (initdb), with coffer.conf included from postgresql.conf
#   run/           unix socket folder (admin connections, peer auth)
#   postgres.log   server log (pg_ctl -l)
#
# The server refuses to run as root, so initdb/pg_ctl/psql-admin run as `postgres` via runuser.
# Auth: local socket = peer (admin), TCP 127.0.0.1 = scram-sha-256 password.
# Role `coffer` / password `coffer`: LOGIN CREATEDB NOSUPERUSER; database `coffer` owned by it.

_postgres_here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib.sh
source "$_postgres_here/lib.sh"

POSTGRES_PORT=55432
POSTGRES_HOST=127.0.0.1
POSTGRES_USER_OS=postgres
POSTGRES_ROOT="$ENGINES_DIR/postgres"
POSTGRES_DATA="$POSTGRES_ROOT/data"
POSTGRES_LOG="$POSTGRES_ROOT/postgres.log"

# Unix socket paths are limited to 107 bytes; a deep clone would exceed it inside the data
# root, so fall back to a short per-checkout folder under /tmp in that case.
_postgres_socket_dir() {
  local d="$POSTGRES_ROOT/run"
  if (( ${#d} + ${#POSTGRES_PORT} + 10 > 100 )); then
    d="/tmp/coffer-pg-$(printf '%s' "$POSTGRES_ROOT" | md5sum | cut -c1-10)"
  fi
  printf '%s\n' "$d"
}
POSTGRES_SOCKET_DIR="$(_postgres_socket_dir)"

postgres_env() {
  echo "COFFER_TEST_POSTGRES_URL=postgres://coffer:coffer@127.0.0.1:${POSTGRES_PORT}/coffer"
}

# Newest installed PostgreSQL server bin folder (Debian: /usr/lib/postgresql/<major>/bin).
_postgres_bindir() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/pg_ctl" && -x "$d/initdb" ]] || continue
    if [[ -z "$best" ]] || [[ "$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n 1)" == "$d" ]]; then
      best="$d"
    fi
  done
  [[ -n "$best" ]] || return 1
  printf '%s\n' "$best"
}

# Run a command as the postgres OS user from a folder it can read.
_postgres_as() {
  (cd / && runuser -u "$POSTGRES_USER_OS" -- "$@")
}

postgres_install() {
  apt_install postgresql || return 1
  if ! id -u "$POSTGRES_USER_OS" >/dev/null 2>&1; then
    die_engine postgres "the Debian package did not create the '$POSTGRES_USER_OS' user"
    return 1
  fi
  _postgres_bindir >/dev/null || { die_engine postgres "no /usr/lib/postgresql/*/bin/pg_ctl after installing postgresql"; return 1; }
}

_postgres_running() {
  local bin
  bin="$(_postgres_bindir)" || return 1
  [[ -f "$POSTGRES_DATA/PG_VERSION" ]] || return 1
  _postgres_as "$bin/pg_ctl" -D "$POSTGRES_DATA" status >/dev/null 2>&1
}

# SQL as the postgres superuser over the unix socket (peer auth).
# shellcheck disable=SC2120 # called with arguments through wait_until
_postgres_admin_psql() {
  local bin
  bin="$(_postgres_bindir)" || return 1
  _postgres_as "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$POSTGRES_SOCKET_DIR" -p "$POSTGRES_PORT" -U postgres -d postgres "$@"
}

_postgres_init_cluster() {
  local bin="$1"
  mkdir -p -- "$POSTGRES_ROOT" || return 1
  chown "$POSTGRES_USER_OS:$POSTGRES_USER_OS" -- "$POSTGRES_ROOT" || return 1
  chmod 0700 -- "$POSTGRES_ROOT" || return 1
  ensure_user_can_traverse "$POSTGRES_USER_OS" "$POSTGRES_ROOT" || return 1
  mkdir -p -- "$POSTGRES_SOCKET_DIR" || return 1
  chown "$POSTGRES_USER_OS:$POSTGRES_USER_OS" -- "$POSTGRES_SOCKET_DIR" || return 1
  chmod 0700 -- "$POSTGRES_SOCKET_DIR" || return 1
  touch -- "$POSTGRES_LOG" || return 1
  chown "$POSTGRES_USER_OS:$POSTGRES_USER_OS" -- "$POSTGRES_LOG" || return 1

  local major
  major="$(basename -- "$(dirname -- "$bin")")"
  if [[ -f "$POSTGRES_DATA/PG_VERSION" ]]; then
    local have
    have="$(cat -- "$POSTGRES_DATA/PG_VERSION")"
    if [[ "$have" != "$major" ]]; then
      die_engine postgres "$POSTGRES_DATA holds a PostgreSQL $have cluster but the installed server is $major; delete $POSTGRES_ROOT to start over"
      return 1
    fi
    # A cluster copied or restored by root: give it back to postgres.
    chown -R "$POSTGRES_USER_OS:$POSTGRES_USER_OS" -- "$POSTGRES_DATA" || return 1
  else
    if [[ -e "$POSTGRES_DATA" ]] && [[ -n "$(ls -A -- "$POSTGRES_DATA" 2>/dev/null)" ]]; then
      die_engine postgres "$POSTGRES_DATA exists but is not a cluster (no PG_VERSION); delete it to start over"
      return 1
    fi
    log postgres "initdb $POSTGRES_DATA (PostgreSQL $major, as user $POSTGRES_USER_OS)"
    _postgres_as "$bin/initdb" -D "$POSTGRES_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 >>"$POSTGRES_LOG" 2>&1 \
      || { die_engine postgres "initdb failed" --log "$POSTGRES_LOG"; return 1; }
  fi

  # Our settings live in coffer.conf (rewritten on every up), included from postgresql.conf.
  local sock_escaped="${POSTGRES_SOCKET_DIR//\'/\'\'}"
  cat >"$POSTGRES_DATA/coffer.conf" <<EOF || return 1
# Written by tools/engines/postgres.sh on every 'up'; edits are overwritten.
port = $POSTGRES_PORT
listen_addresses = '$POSTGRES_HOST'
unix_socket_directories = '$sock_escaped'
max_connections = 200
password_encryption = 'scram-sha-256'
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  chown "$POSTGRES_USER_OS:$POSTGRES_USER_OS" -- "$POSTGRES_DATA/coffer.conf" || return 1
  chmod 0600 -- "$POSTGRES_DATA/coffer.conf" || return 1
  if ! grep -q "^include_if_exists = 'coffer.conf'" "$POSTGRES_DATA/postgresql.conf"; then
    printf "\n# tools/engines\ninclude_if_exists = 'coffer.conf'\n" >>"$POSTGRES_DATA/postgresql.conf" || return 1
  fi
}

_postgres_bootstrap_sql() {
  # Idempotent: role and database are created once; the password and attributes are re-applied.
  # shellcheck disable=SC2119
  _postgres_admin_psql <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coffer') THEN
    CREATE ROLE coffer LOGIN CREATEDB NOSUPERUSER NOCREATEROLE PASSWORD 'coffer';
  ELSE
    ALTER ROLE coffer LOGIN CREATEDB NOSUPERUSER NOCREATEROLE PASSWORD 'coffer';
  END IF;
END
$$;
SELECT 'CREATE DATABASE coffer OWNER coffer'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'coffer')
\gexec
SQL
}

postgres_up() {
  postgres_install || return 1
  local bin
  bin="$(_postgres_bindir)" || return 1
  _postgres_init_cluster "$bin" || return 1

  if _postgres_running; then
    log postgres "already running (127.0.0.1:$POSTGRES_PORT)"
  else
    require_port_free postgres "$POSTGRES_PORT" || return 1
    log postgres "starting on 127.0.0.1:$POSTGRES_PORT"
    if ! _postgres_as "$bin/pg_ctl" -D "$POSTGRES_DATA" -l "$POSTGRES_LOG" -w -t "$ENGINES_TIMEOUT" start >>"$POSTGRES_LOG" 2>&1; then
      die_engine postgres "server did not start within ${ENGINES_TIMEOUT}s" --log "$POSTGRES_LOG"
      return 1
    fi
  fi

  if ! wait_for_tcp "$POSTGRES_HOST" "$POSTGRES_PORT" "$ENGINES_TIMEOUT"; then
    die_engine postgres "127.0.0.1:$POSTGRES_PORT does not accept connections after ${ENGINES_TIMEOUT}s" --log "$POSTGRES_LOG"
    return 1
  fi
  if ! wait_until "$ENGINES_TIMEOUT" _postgres_admin_psql -c 'SELECT 1'; then
    die_engine postgres "admin connection over $POSTGRES_SOCKET_DIR fails" --log "$POSTGRES_LOG"
    return 1
  fi
  if ! _postgres_bootstrap_sql >/dev/null 2>>"$POSTGRES_LOG"; then
    die_engine postgres "creating role/database coffer failed" --log "$POSTGRES_LOG"
    return 1
  fi
  if ! postgres_status >/dev/null; then
    die_engine postgres "server runs but 'SELECT 1' as coffer over TCP fails" --log "$POSTGRES_LOG"
    return 1
  fi
  log postgres "ready: $(postgres_env)"
}

postgres_down() {
  local bin
  if ! bin="$(_postgres_bindir)" || [[ ! -f "$POSTGRES_DATA/PG_VERSION" ]]; then
    log postgres "not running (no cluster)"
    return 0
  fi
  if _postgres_running; then
    log postgres "stopping"
    if ! _postgres_as "$bin/pg_ctl" -D "$POSTGRES_DATA" -m fast -w -t "$ENGINES_TIMEOUT" stop >>"$POSTGRES_LOG" 2>&1; then
      warn postgres "fast shutdown timed out; trying immediate"
      _postgres_as "$bin/pg_ctl" -D "$POSTGRES_DATA" -m immediate -w -t "$ENGINES_TIMEOUT" stop >>"$POSTGRES_LOG" 2>&1 \
        || { die_engine postgres "could not stop the server" --log "$POSTGRES_LOG"; return 1; }
    fi
    log postgres "stopped"
  else
    log postgres "not running"
  fi
}

# One line; 0 only when `SELECT 1` as coffer over TCP with the password succeeds.
postgres_status() {
  local psql_bin out bin_dir
  if bin_dir="$(_postgres_bindir 2>/dev/null)"; then
    psql_bin="$bin_dir/psql"
  elif command -v psql >/dev/null 2>&1; then
    psql_bin="$(command -v psql)"
  else
    echo "postgres: down (not installed)"
    return 1
  fi
  if out="$(PGPASSWORD=coffer PGCONNECT_TIMEOUT=3 "$psql_bin" -X -A -t -q \
      -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U coffer -d coffer \
      -c "SELECT 1, current_setting('server_version')" 2>&1)" && [[ "$out" == 1\|* ]]; then
    echo "postgres: up (127.0.0.1:$POSTGRES_PORT, PostgreSQL ${out#1|})"
    return 0
  fi
  out="$(printf '%s' "$out" | tr -s '\n\t ' ' ' | cut -c1-160)"
  echo "postgres: down (127.0.0.1:$POSTGRES_PORT: ${out:-no answer})"
  return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    install | up | down | status | env) "postgres_$1" ;;
    *) echo "usage: $0 install|up|down|status|env" >&2; exit 2 ;;
  esac
fi
