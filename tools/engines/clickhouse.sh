# shellcheck shell=bash
# ClickHouse (Debian `clickhouse-server` 18.16) on 127.0.0.1: HTTP 58123, native TCP 59010.
#
# Source it and call clickhouse_install | clickhouse_up | clickhouse_down | clickhouse_status |
# clickhouse_env, or run it: tools/engines/clickhouse.sh up|down|status|env|install
#
# It does not use /etc/clickhouse-server/config.xml (which binds 8123/9000/9009 and logs to
# /var/log): every up writes a complete private config to $ENGINES_DIR/clickhouse/etc/ that
# declares only the two ports above, no interserver_http_port (so no replication listener on
# 9009 or elsewhere), no https/secure/mysql ports, listen_host 127.0.0.1, and puts data, tmp,
# user files, format schemas, logs and the pid file under $ENGINES_DIR/clickhouse. 18.16 runs
# as root without complaint. User `default`, no password, loopback networks only.

_clickhouse_here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib.sh
source "$_clickhouse_here/lib.sh"

CLICKHOUSE_HTTP_PORT=58123
CLICKHOUSE_TCP_PORT=59010
CLICKHOUSE_HOST=127.0.0.1
CLICKHOUSE_ROOT="$ENGINES_DIR/clickhouse"
CLICKHOUSE_ETC="$CLICKHOUSE_ROOT/etc"
CLICKHOUSE_DATA="$CLICKHOUSE_ROOT/data"
CLICKHOUSE_LOGDIR="$CLICKHOUSE_ROOT/log"
CLICKHOUSE_PIDFILE="$CLICKHOUSE_ROOT/clickhouse.pid"
CLICKHOUSE_STDOUT="$CLICKHOUSE_LOGDIR/stdout.log"

clickhouse_env() {
  echo "COFFER_TEST_CLICKHOUSE_URL=http://127.0.0.1:${CLICKHOUSE_HTTP_PORT}"
}

_clickhouse_server_bin() {
  local b
  for b in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    [[ -x "$b" ]] && { printf '%s\n' "$b"; return 0; }
  done
  command -v clickhouse-server
}

clickhouse_install() {
  apt_install clickhouse-server clickhouse-client curl || return 1
}

# _clickhouse_query <sql>: runs it over HTTP, prints the answer.
_clickhouse_query() {
  curl -fsS --max-time 5 "http://$CLICKHOUSE_HOST:$CLICKHOUSE_HTTP_PORT/" --data-binary "$1"
}

_clickhouse_ready() {
  [[ -n "$(_clickhouse_query 'SELECT version()' 2>/dev/null)" ]]
}

_clickhouse_write_config() {
  mkdir -p -- "$CLICKHOUSE_ETC" "$CLICKHOUSE_DATA" "$CLICKHOUSE_LOGDIR" \
    "$CLICKHOUSE_DATA/tmp" "$CLICKHOUSE_DATA/user_files" "$CLICKHOUSE_DATA/format_schemas" || return 1
  # XML-escape the paths (& < > would break the config).
  local data logdir
  data="$(printf '%s' "$CLICKHOUSE_DATA" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')"
  logdir="$(printf '%s' "$CLICKHOUSE_LOGDIR" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')"
  cat >"$CLICKHOUSE_ETC/config.xml" <<EOF || return 1
<?xml version="1.0"?>
<!-- Written by tools/engines/clickhouse.sh on every 'up'; edits are overwritten. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$logdir/clickhouse-server.log</log>
        <errorlog>$logdir/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>

    <!-- Only these two ports bind. No interserver_http_port, https_port or tcp_port_secure. -->
    <http_port>$CLICKHOUSE_HTTP_PORT</http_port>
    <tcp_port>$CLICKHOUSE_TCP_PORT</tcp_port>
    <listen_host>$CLICKHOUSE_HOST</listen_host>

    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>

    <path>$data/</path>
    <tmp_path>$data/tmp/</tmp_path>
    <user_files_path>$data/user_files/</user_files_path>
    <format_schema_path>$data/format_schemas/</format_schema_path>

    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>

    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>

    <query_log>
        <database>system</database>
        <table>query_log</table>
        <partition_by>toYYYYMM(event_date)</partition_by>
        <flush_interval_milliseconds>7500</flush_interval_milliseconds>
    </query_log>
</yandex>
EOF
  cat >"$CLICKHOUSE_ETC/users.xml" <<'EOF' || return 1
<?xml version="1.0"?>
<!-- Written by tools/engines/clickhouse.sh on every 'up'; edits are overwritten. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

# Prints the last lines of both the server log and the captured stdout/stderr.
_clickhouse_fail() {
  local msg="$1"
  local errlog="$CLICKHOUSE_LOGDIR/clickhouse-server.err.log"
  if [[ -s "$CLICKHOUSE_STDOUT" ]]; then
    printf -- '----- last 20 lines of %s -----\n' "$CLICKHOUSE_STDOUT" >&2
    tail -n 20 -- "$CLICKHOUSE_STDOUT" >&2 || true
  fi
  if [[ -s "$errlog" ]]; then
    die_engine clickhouse "$msg" --log "$errlog"
  else
    die_engine clickhouse "$msg" --log "$CLICKHOUSE_LOGDIR/clickhouse-server.log"
  fi
}

clickhouse_up() {
  clickhouse_install || return 1

  if _clickhouse_ready; then
    if pidfile_running "$CLICKHOUSE_PIDFILE" clickhouse-server; then
      log clickhouse "already running (http 127.0.0.1:$CLICKHOUSE_HTTP_PORT, pid $(pidfile_read "$CLICKHOUSE_PIDFILE"))"
      log clickhouse "ready: $(clickhouse_env)"
      return 0
    fi
    die_engine clickhouse "127.0.0.1:$CLICKHOUSE_HTTP_PORT answers but not from our pid file $CLICKHOUSE_PIDFILE ($(port_owner "$CLICKHOUSE_HTTP_PORT" || true)); stop it first"
    return 1
  fi
  if pidfile_running "$CLICKHOUSE_PIDFILE" clickhouse-server; then
    # Started but not answering yet (or wedged): give it the timeout, then restart.
    log clickhouse "pid $(pidfile_read "$CLICKHOUSE_PIDFILE") is alive; waiting for it to answer"
    if wait_until "$ENGINES_TIMEOUT" _clickhouse_ready; then
      log clickhouse "ready: $(clickhouse_env)"
      return 0
    fi
    warn clickhouse "pid $(pidfile_read "$CLICKHOUSE_PIDFILE") does not answer; restarting it"
    pidfile_stop clickhouse "$CLICKHOUSE_PIDFILE" 30 clickhouse-server
  fi
  rm -f -- "$CLICKHOUSE_PIDFILE"
  require_port_free clickhouse "$CLICKHOUSE_HTTP_PORT" || return 1
  require_port_free clickhouse "$CLICKHOUSE_TCP_PORT" || return 1

  _clickhouse_write_config || return 1
  local server
  server="$(_clickhouse_server_bin)" || { die_engine clickhouse "clickhouse-server binary not found after install"; return 1; }

  log clickhouse "starting (http 127.0.0.1:$CLICKHOUSE_HTTP_PORT, native 127.0.0.1:$CLICKHOUSE_TCP_PORT, data $CLICKHOUSE_DATA)"
  printf '\n==== %s start ====\n' "$(date -Is)" >>"$CLICKHOUSE_STDOUT"
  # Backgrounded in its own session (setsid: not killed with the caller's process group);
  # the server writes its own pid file. cwd = its folder so nothing lands elsewhere.
  local launcher=()
  if command -v setsid >/dev/null 2>&1; then
    launcher=(setsid)
  fi
  (
    cd -- "$CLICKHOUSE_ROOT"
    exec "${launcher[@]}" nohup "$server" \
      --config-file="$CLICKHOUSE_ETC/config.xml" \
      --pid-file="$CLICKHOUSE_PIDFILE" \
      </dev/null >>"$CLICKHOUSE_STDOUT" 2>&1
  ) &
  local child=$!

  local deadline=$((SECONDS + ENGINES_TIMEOUT))
  local started=$SECONDS
  while ((SECONDS < deadline)); do
    if _clickhouse_ready; then
      break
    fi
    # Fail fast when the server died (our child gone, and no live pid in its pid file).
    if ((SECONDS - started >= 2)) && ! pid_alive "$child" && ! pidfile_running "$CLICKHOUSE_PIDFILE" clickhouse-server; then
      _clickhouse_fail "clickhouse-server exited during startup"
      return 1
    fi
    sleep 0.3
  done
  if ! _clickhouse_ready; then
    _clickhouse_fail "no answer to 'SELECT version()' on http://127.0.0.1:$CLICKHOUSE_HTTP_PORT within ${ENGINES_TIMEOUT}s"
    return 1
  fi
  if ! pidfile_running "$CLICKHOUSE_PIDFILE" clickhouse-server; then
    if pid_alive "$child"; then
      pidfile_write "$CLICKHOUSE_PIDFILE" "$child"
    else
      warn clickhouse "server answers but its pid file $CLICKHOUSE_PIDFILE is missing"
    fi
  fi
  if ! wait_for_tcp "$CLICKHOUSE_HOST" "$CLICKHOUSE_TCP_PORT" 10; then
    _clickhouse_fail "HTTP answers but the native port 127.0.0.1:$CLICKHOUSE_TCP_PORT does not accept"
    return 1
  fi
  log clickhouse "ready: $(clickhouse_env)"
}

clickhouse_down() {
  if pidfile_running "$CLICKHOUSE_PIDFILE" clickhouse-server; then
    pidfile_stop clickhouse "$CLICKHOUSE_PIDFILE" 30 clickhouse-server
    log clickhouse "stopped"
  else
    rm -f -- "$CLICKHOUSE_PIDFILE"
    log clickhouse "not running"
  fi
  if _clickhouse_ready; then
    die_engine clickhouse "127.0.0.1:$CLICKHOUSE_HTTP_PORT still answers after stop; it is not ours ($(port_owner "$CLICKHOUSE_HTTP_PORT" || true))"
    return 1
  fi
}

# One line; 0 only when `SELECT version()` answers over HTTP.
clickhouse_status() {
  if ! command -v curl >/dev/null 2>&1; then
    echo "clickhouse: down (curl not installed)"
    return 1
  fi
  local out
  if out="$(_clickhouse_query 'SELECT version()' 2>&1)" && [[ -n "$out" ]]; then
    echo "clickhouse: up (http 127.0.0.1:$CLICKHOUSE_HTTP_PORT, native 127.0.0.1:$CLICKHOUSE_TCP_PORT, ClickHouse $out)"
    return 0
  fi
  out="$(printf '%s' "$out" | tr -s '\n\t ' ' ' | cut -c1-160)"
  echo "clickhouse: down (http 127.0.0.1:$CLICKHOUSE_HTTP_PORT: ${out:-no answer})"
  return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    install | up | down | status | env) "clickhouse_$1" ;;
    *) echo "usage: $0 install|up|down|status|env" >&2; exit 2 ;;
  esac
fi
