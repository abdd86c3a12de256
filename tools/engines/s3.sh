# shellcheck shell=bash
# S3: MinIO server built from its Go module (pinned), on 127.0.0.1:59000, data under $ENGINES_DIR/s3.
#
# Source it and call s3_install | s3_up | s3_down | s3_status | s3_env,
# or run it: tools/engines/s3.sh up|down|status|env|install
#
# Layout ($ENGINES_DIR/s3):
#   bin/minio           the server, built with `go install github.com/minio/minio@<pinned>`
#   bin/minio.version   stamp: "<module>@<version>" of the binary; the build is skipped when it matches
#   data/               the single drive of the server (bucket data and .minio.sys metadata)
#   certs/              --certs-dir (kept empty: plain HTTP)
#   home/               HOME of the server process (MinIO creates ~/.minio even with --certs-dir;
#                       this keeps it out of the user's home)
#   minio.log           server stdout/stderr (appended)
#   minio.pid           server pid
#
# MinIO is AGPLv3. It runs only as a separate test-server process; nothing links it.
# See tools/engines/NOTES-s3.md for the choice, build time and verification.
#
# Environment: COFFER_ENGINES_DIR, COFFER_ENGINES_TIMEOUT (see lib.sh).

_s3_here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$_s3_here/lib.sh"

S3_MINIO_MODULE="github.com/minio/minio"
# Pinned: the community repository is archived; this is what @latest resolved to on the proxy.
S3_MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"

S3_HOST=127.0.0.1
S3_PORT=59000
S3_CONSOLE_PORT=59001
S3_ACCESS_KEY=coffer-test
S3_SECRET_KEY=coffer-test-secret-key
S3_REGION=us-east-1

S3_ROOT="$ENGINES_DIR/s3"
S3_BIN_DIR="$S3_ROOT/bin"
S3_BIN="$S3_BIN_DIR/minio"
S3_STAMP="$S3_BIN_DIR/minio.version"
S3_DATA="$S3_ROOT/data"
S3_CERTS="$S3_ROOT/certs"
S3_HOME="$S3_ROOT/home"
S3_LOG="$S3_ROOT/minio.log"
# Pid-file checks pass "$S3_BIN" as the lib.sh <pattern>: a stale pid reused by another process is never ours.
S3_PIDFILE="$S3_ROOT/minio.pid"

s3_env() {
  echo "COFFER_TEST_S3_ENDPOINT=http://${S3_HOST}:${S3_PORT}"
  echo "COFFER_TEST_S3_ACCESS_KEY=${S3_ACCESS_KEY}"
  echo "COFFER_TEST_S3_SECRET_KEY=${S3_SECRET_KEY}"
  echo "COFFER_TEST_S3_REGION=${S3_REGION}"
}

_s3_stamp_wanted() {
  printf '%s@%s\n' "$S3_MINIO_MODULE" "$S3_MINIO_VERSION"
}

_s3_binary_current() {
  [[ -x "$S3_BIN" && -f "$S3_STAMP" ]] && [[ "$(cat -- "$S3_STAMP")" == "$(_s3_stamp_wanted)" ]]
}

s3_install() {
  if _s3_binary_current; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    die_engine s3 "the Go toolchain (go) is needed to build MinIO ($(_s3_stamp_wanted)); install Go 1.24+ or put a built binary at $S3_BIN with the stamp $S3_STAMP"
    return 1
  fi
  mkdir -p -- "$S3_BIN_DIR"
  rm -f -- "$S3_STAMP"
  log s3 "building MinIO $(_s3_stamp_wanted) into $S3_BIN_DIR (cold: ~6 min on 2 cores; Go caches make rebuilds fast)"
  local t0=$SECONDS build_log="$S3_ROOT/build.log"
  # Outside any module/workspace so the repo's files cannot interfere; static, reproducible paths.
  if ! (
    cd -- "$S3_ROOT" &&
      GOBIN="$S3_BIN_DIR" CGO_ENABLED=0 GOWORK=off GO111MODULE=on \
        go install -trimpath "$(_s3_stamp_wanted)"
  ) >"$build_log" 2>&1; then
    die_engine s3 "building MinIO with 'go install $(_s3_stamp_wanted)' failed" --log "$build_log"
    return 1
  fi
  if [[ ! -x "$S3_BIN" ]]; then
    die_engine s3 "go install succeeded but $S3_BIN is missing" --log "$build_log"
    return 1
  fi
  _s3_stamp_wanted >"$S3_STAMP"
  log s3 "built $S3_BIN in $((SECONDS - t0))s ($(du -h -- "$S3_BIN" | cut -f1))"
}

# _s3_http_ok <path>: 0 when GET http://127.0.0.1:59000<path> answers 2xx.
_s3_http_ok() {
  curl -sf -o /dev/null --max-time 3 "http://${S3_HOST}:${S3_PORT}$1"
}

_s3_ready() {
  _s3_http_ok /minio/health/ready
}

_s3_live() {
  _s3_http_ok /minio/health/live
}

# _s3_wait_ready <pid> <timeout>: 0 when ready; 1 on timeout or when the process exits.
_s3_wait_ready() {
  local pid="$1" timeout="$2"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if _s3_ready; then
      return 0
    fi
    pid_alive "$pid" || return 1
    sleep 0.2
  done
  _s3_ready
}

s3_up() {
  s3_install || return 1
  if ! mkdir -p -- "$S3_DATA" "$S3_CERTS" "$S3_HOME" 2>/dev/null ||
    [[ ! -d "$S3_DATA" || ! -d "$S3_CERTS" || ! -d "$S3_HOME" ]]; then
    die_engine s3 "cannot create the folders $S3_DATA, $S3_CERTS and $S3_HOME"
    return 1
  fi

  if _s3_live; then
    if pidfile_running "$S3_PIDFILE" "$S3_BIN"; then
      if ! _s3_wait_ready "$(pidfile_read "$S3_PIDFILE")" "$ENGINES_TIMEOUT"; then
        die_engine s3 "MinIO (pid $(pidfile_read "$S3_PIDFILE")) is live but not ready after ${ENGINES_TIMEOUT}s" --log "$S3_LOG"
        return 1
      fi
      log s3 "already running (${S3_HOST}:${S3_PORT}, pid $(pidfile_read "$S3_PIDFILE"))"
      return 0
    fi
    die_engine s3 "${S3_HOST}:${S3_PORT} answers /minio/health/live but not from our pid file $S3_PIDFILE ($(port_owner "$S3_PORT" || true)); stop it first"
    return 1
  fi
  if pidfile_running "$S3_PIDFILE" "$S3_BIN"; then
    warn s3 "pid $(pidfile_read "$S3_PIDFILE") is alive but ${S3_HOST}:${S3_PORT} does not answer; restarting it"
    pidfile_stop s3 "$S3_PIDFILE" 15 "$S3_BIN"
  fi
  rm -f -- "$S3_PIDFILE"
  require_port_free s3 "$S3_PORT" || return 1
  require_port_free s3 "$S3_CONSOLE_PORT" || return 1

  log s3 "starting MinIO on ${S3_HOST}:${S3_PORT} (data $S3_DATA)"
  printf '\n===== %s s3_up: %s server =====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(_s3_stamp_wanted)" >>"$S3_LOG"
  # setsid: own session, so the server outlives the calling shell and its terminal.
  # MINIO_BROWSER=off: no web console (the console address is still given so that it never
  # picks a random port). MINIO_UPDATE=off / MINIO_CALLHOME_ENABLE=off: no phoning home.
  HOME="$S3_HOME" \
    MINIO_ROOT_USER="$S3_ACCESS_KEY" \
    MINIO_ROOT_PASSWORD="$S3_SECRET_KEY" \
    MINIO_REGION="$S3_REGION" \
    MINIO_BROWSER=off \
    MINIO_UPDATE=off \
    MINIO_CALLHOME_ENABLE=off \
    setsid "$S3_BIN" server "$S3_DATA" \
    --address "${S3_HOST}:${S3_PORT}" \
    --console-address "${S3_HOST}:${S3_CONSOLE_PORT}" \
    --certs-dir "$S3_CERTS" \
    </dev/null >>"$S3_LOG" 2>&1 &
  local pid=$!
  pidfile_write "$S3_PIDFILE" "$pid"

  local t0=$SECONDS
  if ! _s3_wait_ready "$pid" "$ENGINES_TIMEOUT"; then
    if pid_alive "$pid"; then
      pidfile_stop s3 "$S3_PIDFILE" 10 "$S3_BIN"
      die_engine s3 "MinIO did not become ready on http://${S3_HOST}:${S3_PORT}/minio/health/ready within ${ENGINES_TIMEOUT}s (stopped it)" --log "$S3_LOG"
    else
      rm -f -- "$S3_PIDFILE"
      die_engine s3 "MinIO exited during startup" --log "$S3_LOG"
    fi
    return 1
  fi
  log s3 "ready in $((SECONDS - t0))s (pid $pid): COFFER_TEST_S3_ENDPOINT=http://${S3_HOST}:${S3_PORT}"
}

s3_down() {
  if ! pidfile_running "$S3_PIDFILE" "$S3_BIN"; then
    rm -f -- "$S3_PIDFILE"
    if _s3_live; then
      die_engine s3 "${S3_HOST}:${S3_PORT} still answers but is not ours (no live pid in $S3_PIDFILE; $(port_owner "$S3_PORT" || true))"
      return 1
    fi
    log s3 "not running"
    return 0
  fi
  # TERM, wait up to 30 s, then KILL.
  pidfile_stop s3 "$S3_PIDFILE" 30 "$S3_BIN"
  if _s3_live; then
    die_engine s3 "${S3_HOST}:${S3_PORT} still answers after stop; it is not ours ($(port_owner "$S3_PORT" || true))"
    return 1
  fi
  log s3 "stopped"
}

# One line; 0 only when /minio/health/ready answers.
s3_status() {
  if _s3_ready; then
    if pidfile_running "$S3_PIDFILE" "$S3_BIN"; then
      echo "s3: up (${S3_HOST}:${S3_PORT}, MinIO ${S3_MINIO_VERSION}, pid $(pidfile_read "$S3_PIDFILE"))"
    else
      echo "s3: up (${S3_HOST}:${S3_PORT}, not started by this script: no live pid in $S3_PIDFILE)"
    fi
    return 0
  fi
  if pidfile_running "$S3_PIDFILE" "$S3_BIN"; then
    echo "s3: down (pid $(pidfile_read "$S3_PIDFILE") alive but ${S3_HOST}:${S3_PORT} not ready)"
  elif ! _s3_binary_current; then
    echo "s3: down (not built: $S3_BIN for $(_s3_stamp_wanted))"
  elif tcp_open "$S3_HOST" "$S3_PORT"; then
    echo "s3: down (${S3_HOST}:${S3_PORT} accepts TCP but /minio/health/ready does not answer 2xx: $(port_owner "$S3_PORT" || true))"
  else
    echo "s3: down (${S3_HOST}:${S3_PORT}: no answer)"
  fi
  return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    install | up | down | status | env) "s3_$1" ;;
    *) echo "usage: $0 install|up|down|status|env" >&2; exit 2 ;;
  esac
fi
