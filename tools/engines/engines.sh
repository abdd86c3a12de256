#!/usr/bin/env bash
# Real engines on loopback, without Docker (ports and folders: tools/engines/PORTS.md).
#
#   tools/engines/engines.sh up     [engine...]   install what is missing, start, wait until ready,
#                                                 then write $ENGINES_DIR/env
#   tools/engines/engines.sh down   [engine...]   stop (fine when not running), rewrite the env file
#   tools/engines/engines.sh status [engine...]   one line per engine; exit 1 if any is down
#   tools/engines/engines.sh env    [engine...]   print the engines' KEY=value lines (static)
#
# Engines default to: postgres redis kafka s3 clickhouse. Each lives in tools/engines/<engine>.sh
# and defines <engine>_install/_up/_down/_status/_env. A missing script fails that engine only;
# the others still run, and the exit code is non-zero.
#
# $ENGINES_DIR/env (default <repo>/.coffer/engines/env) holds the KEY=value lines of every known
# engine that answers its status check when up/down finishes, so "variable set" means "engine
# is up". It is plain KEY=value (no quotes, no spaces): `set -a; . .coffer/engines/env; set +a`
# in bash, or any dotenv parser.
#
# Environment: COFFER_ENGINES_DIR (data root), COFFER_ENGINES_TIMEOUT (readiness, seconds, 60).
set -euo pipefail

ENGINES_HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib.sh
source "$ENGINES_HERE/lib.sh"

DEFAULT_ENGINES=(postgres redis kafka s3 clickhouse)
# Engine scripts run in child processes: pin the data root, and share one apt-get update per run.
export COFFER_ENGINES_DIR="$ENGINES_DIR"
export COFFER_APT_STAMP="$ENGINES_DIR/.apt-updated.$$"
trap 'rm -f -- "$COFFER_APT_STAMP"' EXIT
ENV_FILE="$ENGINES_DIR/env"

usage() {
  echo "usage: $0 up|down|status|env [engine...]   (engines: ${DEFAULT_ENGINES[*]})" >&2
}

engine_script() {
  printf '%s/%s.sh\n' "$ENGINES_HERE" "$1"
}

# run_engine <engine> <action>: runs <engine>_<action> in a fresh bash with errexit on. A fresh
# process (not a subshell) because callers test its exit code (`|| rc=$?`), and bash ignores
# `set -e` inside anything run in such a context; one engine's failure never stops the others.
run_engine() {
  local engine="$1" action="$2"
  local script
  script="$(engine_script "$engine")"
  if [[ ! "$engine" =~ ^[a-z0-9_]+$ ]]; then
    log "$engine" "ERROR: not an engine name"
    return 2
  fi
  if [[ ! -f "$script" ]]; then
    log "$engine" "ERROR: ${script#"$REPO_ROOT"/} is missing (engine not scripted yet)"
    return 1
  fi
  # fd 9 (the up/down lock) is closed so that started servers do not inherit and hold it.
  bash -c '
    set -euo pipefail
    # shellcheck source=/dev/null
    source "$1"
    if ! declare -F "$2" >/dev/null; then
      printf "[%s] ERROR: %s does not define %s\n" "$3" "$1" "$2" >&2
      exit 1
    fi
    "$2"
  ' "engines.sh" "$script" "${engine}_${action}" "$engine" 9>&-
}

# write_env_file: env lines of every known engine whose status check passes.
write_env_file() {
  local known=("${DEFAULT_ENGINES[@]}") e extra
  for extra in "$@"; do
    [[ " ${known[*]} " == *" $extra "* ]] || known+=("$extra")
  done
  local tmp="$ENV_FILE.tmp.$$"
  local up_list=()
  {
    echo "# Written by tools/engines/engines.sh at $(date -u +%Y-%m-%dT%H:%M:%SZ)."
    echo "# Lines only for engines that answered their status check then. Plain KEY=value."
    for e in "${known[@]}"; do
      [[ -f "$(engine_script "$e")" ]] || continue
      if run_engine "$e" status >/dev/null 2>&1; then
        local line
        while IFS= read -r line; do
          [[ -z "$line" || "$line" == \#* ]] && continue
          if [[ "$line" =~ ^[A-Z_][A-Z0-9_]*=[^[:space:]\'\"\$\`\\\;\&\|\<\>\(\)]*$ ]]; then
            printf '%s\n' "$line"
          else
            log "$e" "WARNING: env line not plain KEY=value, left out: $line"
          fi
        done < <(run_engine "$e" env 2>/dev/null || true)
        up_list+=("$e")
      fi
    done
  } >"$tmp"
  mv -f -- "$tmp" "$ENV_FILE"
  log engines "wrote ${ENV_FILE} (up: ${up_list[*]:-none})"
}

# Serialize up/down across concurrent invocations (and their apt-get runs).
take_lock() {
  exec 9>"$ENGINES_DIR/.lock"
  if command -v flock >/dev/null 2>&1; then
    if ! flock -n 9; then
      log engines "another engines.sh up/down holds $ENGINES_DIR/.lock; waiting (up to 30 min)"
      flock -w 1800 9 || { log engines "ERROR: could not take $ENGINES_DIR/.lock"; exit 1; }
    fi
  fi
}

main() {
  local cmd="${1:-}"
  if [[ $# -gt 0 ]]; then shift; fi
  local engines=("$@")
  if [[ ${#engines[@]} -eq 0 ]]; then
    engines=("${DEFAULT_ENGINES[@]}")
  fi
  local failed=() e i=0 n=${#engines[@]} t0 rc

  case "$cmd" in
    up)
      take_lock
      for e in "${engines[@]}"; do
        i=$((i + 1))
        log engines "==> [$i/$n] $e: install + start"
        t0=$SECONDS
        rc=0
        run_engine "$e" up || rc=$?
        if [[ $rc -eq 0 ]]; then
          log engines "<== [$i/$n] $e: up ($((SECONDS - t0))s)"
        else
          log engines "<== [$i/$n] $e: FAILED (exit $rc, $((SECONDS - t0))s)"
          failed+=("$e")
        fi
      done
      write_env_file "${engines[@]}"
      if [[ ${#failed[@]} -gt 0 ]]; then
        log engines "ERROR: failed to start: ${failed[*]}"
        return 1
      fi
      log engines "all up: ${engines[*]} (env: $ENV_FILE)"
      ;;
    down)
      take_lock
      local k
      for ((k = n - 1; k >= 0; k--)); do
        e="${engines[$k]}"
        rc=0
        run_engine "$e" down || rc=$?
        if [[ $rc -ne 0 ]]; then
          log engines "$e: stop FAILED (exit $rc)"
          failed+=("$e")
        fi
      done
      write_env_file "${engines[@]}"
      if [[ ${#failed[@]} -gt 0 ]]; then
        log engines "ERROR: failed to stop: ${failed[*]}"
        return 1
      fi
      ;;
    status)
      for e in "${engines[@]}"; do
        local script out
        script="$(engine_script "$e")"
        if [[ ! -f "$script" ]]; then
          echo "$e: down (${script#"$REPO_ROOT"/} is missing)"
          failed+=("$e")
          continue
        fi
        rc=0
        out="$(run_engine "$e" status 2>/dev/null)" || rc=$?
        if [[ -z "$out" ]]; then
          out="$e: $([[ $rc -eq 0 ]] && echo up || echo down) (status printed nothing)"
        fi
        printf '%s\n' "$out" | head -n 1
        [[ $rc -eq 0 ]] || failed+=("$e")
      done
      if [[ ${#failed[@]} -gt 0 ]]; then
        log engines "down: ${failed[*]}"
        return 1
      fi
      ;;
    env)
      for e in "${engines[@]}"; do
        rc=0
        run_engine "$e" env || rc=$?
        [[ $rc -eq 0 ]] || failed+=("$e")
      done
      [[ ${#failed[@]} -eq 0 ]] || return 1
      ;;
    -h | --help | help)
      usage
      ;;
    *)
      usage
      return 2
      ;;
  esac
}

main "$@"
