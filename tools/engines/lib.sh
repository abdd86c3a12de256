# shellcheck shell=bash
# Shared helpers for tools/engines/*.sh. Source it; do not run it.
#
#   ENGINES_LIB_DIR   tools/engines (this folder)
#   REPO_ROOT         the repository root (derived from this file's location)
#   ENGINES_DIR       ${COFFER_ENGINES_DIR:-$REPO_ROOT/.coffer/engines}, made absolute
#   ENGINES_TIMEOUT   readiness timeout in seconds (${COFFER_ENGINES_TIMEOUT:-60})
#
# Everything here is `set -euo pipefail` safe. Messages go to stderr so that
# stdout stays clean for `<engine>_env` and `<engine>_status`.

if [[ -n "${COFFER_ENGINES_LIB_LOADED:-}" ]]; then
  return 0
fi
COFFER_ENGINES_LIB_LOADED=1

ENGINES_LIB_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

# Repository root: this file is <repo>/tools/engines/lib.sh.
engines_repo_root() {
  (cd -- "$ENGINES_LIB_DIR/../.." && pwd -P)
}
REPO_ROOT="$(engines_repo_root)"

ENGINES_DIR="${COFFER_ENGINES_DIR:-$REPO_ROOT/.coffer/engines}"
mkdir -p -- "$ENGINES_DIR"
ENGINES_DIR="$(cd -- "$ENGINES_DIR" && pwd -P)"
ENGINES_TIMEOUT="${COFFER_ENGINES_TIMEOUT:-60}"

# ---------------------------------------------------------------- logging

# log <engine> <message...>
log() {
  local engine="$1"
  shift
  printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "$engine" "$*" >&2
}

# warn <engine> <message...>
warn() {
  local engine="$1"
  shift
  printf '%s [%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$engine" "$*" >&2
}

# die_engine <engine> <message...> [--log <file>]: prints an error naming the engine,
# with the last 40 lines of <file> when given, then returns 1 (use: `die_engine ... ; return 1`
# or rely on set -e).
die_engine() {
  local engine="$1"
  shift
  local logfile=""
  local msg=()
  while [[ $# -gt 0 ]]; do
    if [[ "$1" == "--log" && $# -ge 2 ]]; then
      logfile="$2"
      shift 2
    else
      msg+=("$1")
      shift
    fi
  done
  printf '%s [%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$engine" "${msg[*]}" >&2
  if [[ -n "$logfile" ]]; then
    if [[ -s "$logfile" ]]; then
      printf -- '----- last 40 lines of %s -----\n' "$logfile" >&2
      tail -n 40 -- "$logfile" >&2 || true
      printf -- '----- end of %s -----\n' "$logfile" >&2
    else
      printf '(log %s is empty or missing)\n' "$logfile" >&2
    fi
  fi
  return 1
}

# ---------------------------------------------------------------- folders

# engine_dir <engine>: prints (and creates) ENGINES_DIR/<engine>
engine_dir() {
  local d="$ENGINES_DIR/$1"
  mkdir -p -- "$d"
  printf '%s\n' "$d"
}

# ---------------------------------------------------------------- network

# tcp_open <host> <port>: 0 when something accepts a TCP connection there.
tcp_open() {
  local host="$1" port="$2"
  (exec 3<>"/dev/tcp/$host/$port") >/dev/null 2>&1
}

# wait_for_tcp <host> <port> <timeout-seconds>: 0 once the port accepts, 1 on timeout.
wait_for_tcp() {
  local host="$1" port="$2" timeout="${3:-$ENGINES_TIMEOUT}"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if tcp_open "$host" "$port"; then
      return 0
    fi
    sleep 0.2
  done
  tcp_open "$host" "$port"
}

# wait_until <timeout-seconds> <command...>: retries the command every 0.3 s until it succeeds.
wait_until() {
  local timeout="$1"
  shift
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.3
  done
  "$@" >/dev/null 2>&1
}

# port_owner <port>: prints "pid/command" of what listens on the TCP port (best effort).
port_owner() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1
  fi
}

# require_port_free <engine> <port>: fails with a clear message when the port is taken.
require_port_free() {
  local engine="$1" port="$2"
  if tcp_open 127.0.0.1 "$port"; then
    die_engine "$engine" "port 127.0.0.1:$port is already in use by something else ($(port_owner "$port" || true)); stop it or free the port"
    return 1
  fi
}

# ---------------------------------------------------------------- pid files

# pid_alive <pid>: 0 when the process exists (and is not a zombie).
pid_alive() {
  local pid="${1:-}"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local state
  state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  [[ "$state" != Z* ]]
}

# pidfile_read <file>: prints the pid stored in the file (first line), nothing if absent.
pidfile_read() {
  local f="$1"
  [[ -f "$f" ]] || return 0
  local pid
  pid="$(head -n 1 -- "$f" 2>/dev/null | tr -dc '0-9')"
  printf '%s' "$pid"
}

# pid_matches <pid> <pattern>: 0 when the process's command line contains <pattern>
# (guards against a stale pid file whose pid now belongs to something else).
pid_matches() {
  local pid="$1" pattern="$2" args
  args="$(ps -o args= -p "$pid" 2>/dev/null || true)"
  [[ -n "$args" && "$args" == *"$pattern"* ]]
}

# pidfile_running <file> [pattern]: 0 when the file names a live process (whose command line
# contains <pattern>, when given).
pidfile_running() {
  local pid
  pid="$(pidfile_read "$1")"
  [[ -n "$pid" ]] && pid_alive "$pid" || return 1
  if [[ -n "${2:-}" ]]; then
    pid_matches "$pid" "$2" || return 1
  fi
}

# pidfile_write <file> <pid>
pidfile_write() {
  printf '%s\n' "$2" >"$1"
}

# pidfile_stop <engine> <file> [timeout] [pattern]: TERM, wait up to timeout (default 30 s),
# then KILL; removes the pid file. Fine when nothing runs. With <pattern>, a live pid whose
# command line does not contain it is left alone (stale pid file).
pidfile_stop() {
  local engine="$1" f="$2" timeout="${3:-30}" pattern="${4:-}"
  local pid
  pid="$(pidfile_read "$f")"
  if [[ -z "$pid" ]] || ! pid_alive "$pid"; then
    rm -f -- "$f"
    return 0
  fi
  if [[ -n "$pattern" ]] && ! pid_matches "$pid" "$pattern"; then
    warn "$engine" "stale pid file $f: pid $pid is not $pattern; leaving that process alone"
    rm -f -- "$f"
    return 0
  fi
  log "$engine" "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while pid_alive "$pid" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if pid_alive "$pid"; then
    warn "$engine" "pid $pid did not stop within ${timeout}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f -- "$f"
}

# ---------------------------------------------------------------- packages

# pkg_installed <pkg>: 0 when the Debian package is installed.
pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt_install <pkg...>: installs the missing packages; runs `apt-get update` at most once per
# run, and only when something is missing.
apt_install() {
  local missing=() p
  for p in "$@"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    die_engine apt "need root to install: ${missing[*]}"
    return 1
  fi
  # Once per run: COFFER_APT_UPDATED covers this process and its children; the stamp file
  # (COFFER_APT_STAMP, set by engines.sh) covers sibling processes of the same engines.sh run.
  if [[ -z "${COFFER_APT_UPDATED:-}" ]] && [[ -z "${COFFER_APT_STAMP:-}" || ! -e "${COFFER_APT_STAMP:-}" ]]; then
    log apt "apt-get update (missing: ${missing[*]})"
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || return 1
    if [[ -n "${COFFER_APT_STAMP:-}" ]]; then
      touch -- "$COFFER_APT_STAMP" || true
    fi
  fi
  export COFFER_APT_UPDATED=1
  log apt "installing: ${missing[*]}"
  # Lock timeout: other scripts may be installing in parallel.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}" >&2 || return 1
}

# ---------------------------------------------------------------- users and permissions

# ensure_user_can_traverse <user> <dir>: a service user (e.g. postgres) must be able to reach
# <dir>. When an ancestor folder denies it (a clone under /root, say), grant search (x) only,
# to that user only, with an ACL (installs `acl` when needed; falls back to chmod o+x).
ensure_user_can_traverse() {
  local user="$1" target="$2"
  local path="" part
  local parts=()
  IFS='/' read -r -a parts <<<"${target#/}"
  for part in "" "${parts[@]}"; do
    if [[ -z "$part" ]]; then
      path="/"
    else
      path="${path%/}/$part"
    fi
    [[ -d "$path" ]] || break
    if ! runuser -u "$user" -- test -x "$path" 2>/dev/null; then
      apt_install acl || true
      if command -v setfacl >/dev/null 2>&1 && setfacl -m "u:$user:x" -- "$path" 2>/dev/null; then
        warn "$user" "granted search permission on $path to user $user (setfacl u:$user:x)"
      else
        chmod o+x -- "$path"
        warn "$user" "granted search permission on $path to everyone (chmod o+x)"
      fi
    fi
  done
}
