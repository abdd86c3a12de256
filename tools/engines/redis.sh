# shellcheck shell=bash
# Redis (Debian `redis-server`) on 127.0.0.1:56379, no persistence, daemonized.
#
# Source it and call redis_install | redis_up | redis_down | redis_status | redis_env,
# or run it: tools/engines/redis.sh up|down|status|env|install
#
# Layout ($ENGINES_DIR/redis): redis.pid, redis.log, data/ (working dir; stays empty since
# RDB snapshots and the AOF are off).

_redis_here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib.sh
source "$_redis_here/lib.sh"

REDIS_PORT=56379
REDIS_HOST=127.0.0.1
REDIS_ROOT="$ENGINES_DIR/redis"
REDIS_PIDFILE="$REDIS_ROOT/redis.pid"
REDIS_LOG="$REDIS_ROOT/redis.log"

redis_env() {
  echo "COFFER_TEST_REDIS_URL=redis://127.0.0.1:${REDIS_PORT}"
}

redis_install() {
  apt_install redis-server redis-tools || return 1
}

_redis_cli() {
  timeout 5 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"
}

_redis_ping() {
  [[ "$(_redis_cli PING 2>/dev/null)" == "PONG" ]]
}

redis_up() {
  redis_install || return 1
  mkdir -p -- "$REDIS_ROOT/data" || return 1

  if _redis_ping; then
    if pidfile_running "$REDIS_PIDFILE" redis-server; then
      log redis "already running (127.0.0.1:$REDIS_PORT, pid $(pidfile_read "$REDIS_PIDFILE"))"
      log redis "ready: $(redis_env)"
      return 0
    fi
    die_engine redis "127.0.0.1:$REDIS_PORT answers PING but not from our pid file $REDIS_PIDFILE ($(port_owner "$REDIS_PORT" || true)); stop it first"
    return 1
  fi
  if pidfile_running "$REDIS_PIDFILE" redis-server; then
    warn redis "pid $(pidfile_read "$REDIS_PIDFILE") is alive but does not answer PING; restarting it"
    pidfile_stop redis "$REDIS_PIDFILE" 10 redis-server
  fi
  rm -f -- "$REDIS_PIDFILE"
  require_port_free redis "$REDIS_PORT" || return 1

  log redis "starting on 127.0.0.1:$REDIS_PORT (no persistence)"
  # Config on the command line: no config file, no RDB, no AOF, loopback only, daemonized.
  if ! redis-server \
      --port "$REDIS_PORT" \
      --bind "$REDIS_HOST" \
      --protected-mode yes \
      --save "" \
      --appendonly no \
      --daemonize yes \
      --supervised no \
      --pidfile "$REDIS_PIDFILE" \
      --logfile "$REDIS_LOG" \
      --dir "$REDIS_ROOT/data" \
      </dev/null >>"$REDIS_LOG" 2>&1; then
    die_engine redis "redis-server exited with an error" --log "$REDIS_LOG"
    return 1
  fi

  if ! wait_until "$ENGINES_TIMEOUT" _redis_ping; then
    die_engine redis "no PONG from 127.0.0.1:$REDIS_PORT within ${ENGINES_TIMEOUT}s" --log "$REDIS_LOG"
    return 1
  fi
  # The pid file is written right after the fork; give it a moment.
  wait_until 5 pidfile_running "$REDIS_PIDFILE" redis-server || warn redis "pid file $REDIS_PIDFILE missing"
  log redis "ready: $(redis_env)"
}

redis_down() {
  if ! _redis_ping && ! pidfile_running "$REDIS_PIDFILE" redis-server; then
    rm -f -- "$REDIS_PIDFILE"
    log redis "not running"
    return 0
  fi
  if _redis_ping && pidfile_running "$REDIS_PIDFILE" redis-server; then
    log redis "stopping (SHUTDOWN NOSAVE)"
    _redis_cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true
    local pid
    pid="$(pidfile_read "$REDIS_PIDFILE")"
    local deadline=$((SECONDS + 10))
    while pid_alive "$pid" && ((SECONDS < deadline)); do
      sleep 0.1
    done
  fi
  if pidfile_running "$REDIS_PIDFILE" redis-server; then
    pidfile_stop redis "$REDIS_PIDFILE" 10 redis-server
  else
    rm -f -- "$REDIS_PIDFILE"
  fi
  if _redis_ping; then
    die_engine redis "127.0.0.1:$REDIS_PORT still answers after stop; it is not ours ($(port_owner "$REDIS_PORT" || true))"
    return 1
  fi
  log redis "stopped"
}

# One line; 0 only when PING answers PONG.
redis_status() {
  if ! command -v redis-cli >/dev/null 2>&1; then
    echo "redis: down (redis-cli not installed)"
    return 1
  fi
  local pong version
  pong="$(_redis_cli PING 2>&1 || true)"
  if [[ "$pong" == "PONG" ]]; then
    version="$(_redis_cli INFO server 2>/dev/null | tr -d '\r' | sed -n 's/^redis_version://p' || true)"
    echo "redis: up (127.0.0.1:$REDIS_PORT, Redis ${version:-?})"
    return 0
  fi
  pong="$(printf '%s' "$pong" | tr -s '\n\t ' ' ' | cut -c1-160)"
  echo "redis: down (127.0.0.1:$REDIS_PORT: ${pong:-no answer})"
  return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    install | up | down | status | env) "redis_$1" ;;
    *) echo "usage: $0 install|up|down|status|env" >&2; exit 2 ;;
  esac
fi
