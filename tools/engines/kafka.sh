# shellcheck shell=bash
# Apache Kafka (KRaft, one node that is both broker and controller) for the tests' real engine.
#
# Sourced by tools/engines/engines.sh, which calls kafka_install, kafka_up, kafka_down,
# kafka_status and kafka_env. Can also be run directly:
#   bash tools/engines/kafka.sh install|up|down|status|env
#
# Ports, folders and variable names are fixed by tools/engines/PORTS.md:
#   PLAINTEXT 127.0.0.1:59092, CONTROLLER 127.0.0.1:59093,
#   data under ${COFFER_ENGINES_DIR:-<repo>/.coffer/engines}/kafka,
#   COFFER_TEST_KAFKA_BROKERS=127.0.0.1:59092.
#
# The broker jars come from Maven Central: tools/engines/kafka/pom.xml pins the version
# (kafka.version) and `mvn dependency:copy-dependencies` copies them, with all their
# dependencies, into <ENGINES_DIR>/kafka/libs. They run on the JDK (17+).
# Findings and timings: tools/engines/NOTES-kafka.md.

# ------------------------------------------------------------------ shared helpers

KAFKA_SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

if [[ -f "$KAFKA_SCRIPT_DIR/lib.sh" ]]; then
  # shellcheck source=tools/engines/lib.sh
  source "$KAFKA_SCRIPT_DIR/lib.sh"
fi

# Minimal fallbacks, only used if lib.sh is absent (the script then still works on its own).
if ! declare -F log >/dev/null; then
  REPO_ROOT="$(cd -- "$KAFKA_SCRIPT_DIR/../.." && pwd -P)"
  ENGINES_DIR="${COFFER_ENGINES_DIR:-$REPO_ROOT/.coffer/engines}"
  mkdir -p -- "$ENGINES_DIR"
  ENGINES_DIR="$(cd -- "$ENGINES_DIR" && pwd -P)"
  ENGINES_TIMEOUT="${COFFER_ENGINES_TIMEOUT:-60}"
  log() { local e="$1"; shift; printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "$e" "$*" >&2; }
  warn() { local e="$1"; shift; printf '%s [%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$e" "$*" >&2; }
  die_engine() {
    local e="$1"; shift
    local logfile="" msg=()
    while [[ $# -gt 0 ]]; do
      if [[ "$1" == "--log" && $# -ge 2 ]]; then logfile="$2"; shift 2; else msg+=("$1"); shift; fi
    done
    printf '%s [%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$e" "${msg[*]}" >&2
    if [[ -n "$logfile" && -s "$logfile" ]]; then
      printf -- '----- last 40 lines of %s -----\n' "$logfile" >&2
      tail -n 40 -- "$logfile" >&2 || true
      printf -- '----- end of %s -----\n' "$logfile" >&2
    fi
    return 1
  }
  tcp_open() { (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1; }
  pid_alive() {
    local pid="${1:-}"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(ps -o stat= -p "$pid" 2>/dev/null || true)" != Z* ]]
  }
  pidfile_read() { [[ -f "$1" ]] || return 0; head -n 1 -- "$1" 2>/dev/null | tr -dc '0-9'; }
  pidfile_running() { local p; p="$(pidfile_read "$1")"; [[ -n "$p" ]] && pid_alive "$p"; }
  pidfile_stop() {
    local e="$1" f="$2" timeout="${3:-30}" pid
    pid="$(pidfile_read "$f")"
    if [[ -z "$pid" ]] || ! pid_alive "$pid"; then rm -f -- "$f"; return 0; fi
    log "$e" "stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    if pid_alive "$pid"; then
      warn "$e" "pid $pid did not stop within ${timeout}s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    rm -f -- "$f"
  }
  apt_install() {
    local missing=() p
    for p in "$@"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  }
fi

# ------------------------------------------------------------------ settings

KAFKA_HOST=127.0.0.1
KAFKA_PORT=59092
KAFKA_CONTROLLER_PORT=59093
KAFKA_NODE_ID=1
KAFKA_POM="$KAFKA_SCRIPT_DIR/kafka/pom.xml"
# The pinned version is the pom's kafka.version (one place to change it).
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n 1)"

KAFKA_DIR="$ENGINES_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_CONF="$KAFKA_DIR/config"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_PIDFILE="$KAFKA_DIR/kafka.pid"
KAFKA_OUT="$KAFKA_LOGS/kafka.out"          # the JVM's own stdout/stderr
KAFKA_SERVER_LOG="$KAFKA_LOGS/server.log"  # log4j2
# A pid counts as our broker only if its command line names our config (stale pid files).
KAFKA_PID_PATTERN="$KAFKA_CONF/server.properties"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

# ------------------------------------------------------------------ internals

_kafka_need_tools() {
  local pkgs=()
  command -v java >/dev/null 2>&1 || pkgs+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
  if [[ ${#pkgs[@]} -gt 0 ]]; then
    log kafka "installing ${pkgs[*]} (Debian)"
    apt_install "${pkgs[@]}"
  fi
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1)"
  if [[ -n "$major" && "${major%%.*}" -lt 17 ]]; then
    die_engine kafka "Kafka $KAFKA_VERSION needs Java 17 or newer; 'java' is $major"
    return 1
  fi
}

# Fingerprint of what the libs folder was resolved from: the version and the pom's content.
_kafka_libs_stamp() {
  printf 'kafka %s pom %s\n' "$KAFKA_VERSION" "$(sha256sum <"$KAFKA_POM" | cut -d' ' -f1)"
}

_kafka_libs_ok() {
  [[ -f "$KAFKA_LIBS/.resolved" && -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] &&
    [[ "$(cat -- "$KAFKA_LIBS/.resolved")" == "$(_kafka_libs_stamp)" ]]
}

# java -cp libs/* with a quiet log4j2 config: for the storage and cluster tools.
_kafka_tool() {
  java -Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$KAFKA_CONF/tools-log4j2.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

_kafka_write_config() {
  mkdir -p -- "$KAFKA_CONF" "$KAFKA_DATA" "$KAFKA_LOGS"
  cat >"$KAFKA_CONF/server.properties" <<EOF
# Written by tools/engines/kafka.sh on every 'up'; edit the script, not this file.
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_NODE_ID@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=1
# Topics are provisioned explicitly (with their partition counts) by the event bus; an auto-created
# one-partition topic would silently lose the per-key parallelism, so auto-creation is off.
auto.create.topics.enable=false
# One node: every internal topic has one replica, or consumer groups and transactions
# fail with "coordinator not available".
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=104857600
EOF

  cat >"$KAFKA_CONF/log4j2.properties" <<'EOF'
# Broker logging (Kafka 4 uses log4j2 through slf4j). Written by tools/engines/kafka.sh.
status = warn
name = coffer-kafka
# Kafka logs its own shutdown from a JVM shutdown hook; log4j's hook would close the file
# first (losing those lines and printing "Unable to register Log4j shutdown hook").
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 10MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
# Chatty per-partition / per-request loggers: warnings only.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.storagelog.name = org.apache.kafka.storage.internals.log
logger.storagelog.level = WARN
logger.unifiedlog.name = kafka.log
logger.unifiedlog.level = WARN
logger.partition.name = kafka.cluster
logger.partition.level = WARN
logger.fetcher.name = kafka.server.ReplicaFetcherManager
logger.fetcher.level = WARN
logger.alterlogdirs.name = kafka.server.ReplicaAlterLogDirsManager
logger.alterlogdirs.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
logger.metadataloader.name = org.apache.kafka.image.loader
logger.metadataloader.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
# One line per partition created/loaded (50 __consumer_offsets + 50 __transaction_state ...).
logger.replication.name = org.apache.kafka.controller.ReplicationControlManager
logger.replication.level = WARN
logger.partitionchange.name = org.apache.kafka.controller.PartitionChangeBuilder
logger.partitionchange.level = WARN
logger.coordruntime.name = org.apache.kafka.coordinator.common.runtime.CoordinatorRuntime
logger.coordruntime.level = WARN
logger.groupshard.name = org.apache.kafka.coordinator.group.GroupCoordinatorShard
logger.groupshard.level = WARN
logger.txnstate.name = kafka.coordinator.transaction
logger.txnstate.level = WARN
# Kept at INFO: org.apache.kafka.coordinator.group.GroupMetadataManager (joins, leaves,
# rebalances of consumer groups), the controller and the broker lifecycle.
EOF

  cat >"$KAFKA_CONF/tools-log4j2.properties" <<'EOF'
# Command-line tools (storage format, readiness check): warnings to stderr only.
status = warn
name = coffer-kafka-tools
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = err
EOF

  # Admin client settings for the readiness check: fail fast instead of the 60 s default.
  cat >"$KAFKA_CONF/check-admin.properties" <<'EOF'
request.timeout.ms=3000
default.api.timeout.ms=4000
socket.connection.setup.timeout.ms=1000
socket.connection.setup.timeout.max.ms=2000
EOF
}

# Formats the log folder once (KRaft needs a cluster id written before the first start).
_kafka_format() {
  if [[ -f "$KAFKA_DATA/meta.properties" ]]; then
    return 0
  fi
  local id
  id="$(_kafka_tool kafka.tools.StorageTool random-uuid 2>>"$KAFKA_OUT" | tail -n 1 | tr -d '[:space:]')" || true
  if [[ ! "$id" =~ ^[A-Za-z0-9_-]{22}$ ]]; then
    die_engine kafka "could not generate a cluster id (kafka.tools.StorageTool random-uuid gave '$id')" --log "$KAFKA_OUT"
    return 1
  fi
  log kafka "formatting $KAFKA_DATA (cluster id $id)"
  if ! _kafka_tool kafka.tools.StorageTool format --config "$KAFKA_CONF/server.properties" \
    --cluster-id="$id" --ignore-formatted >>"$KAFKA_OUT" 2>&1; then
    die_engine kafka "kafka.tools.StorageTool format failed" --log "$KAFKA_OUT"
    return 1
  fi
  printf '%s\n' "$id" >"$KAFKA_DIR/cluster-id"
}

# 0 when the broker answers a metadata request (DescribeCluster) with our cluster id.
_kafka_serves_metadata() {
  local out want=""
  out="$(_kafka_tool org.apache.kafka.tools.ClusterTool cluster-id \
    --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --config "$KAFKA_CONF/check-admin.properties" 2>/dev/null)" || return 1
  [[ -f "$KAFKA_DIR/cluster-id" ]] && want="$(cat -- "$KAFKA_DIR/cluster-id")"
  [[ "$out" == "Cluster ID: "* ]] || return 1
  [[ -z "$want" || "$out" == "Cluster ID: $want" ]]
}

# Pid of a kafka.Kafka that listens on our port with our config but has no pid file
# (e.g. the pid file was deleted); empty when there is none.
_kafka_orphan_pid() {
  local pid
  for pid in $(pgrep -f 'kafka\.Kafka' 2>/dev/null || true); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$KAFKA_CONF/server.properties"; then
      printf '%s\n' "$pid"
      return 0
    fi
  done
}

# ------------------------------------------------------------------ the five entry points

# Resolves the pinned broker jars into <ENGINES_DIR>/kafka/libs (skipped when already there).
kafka_install() {
  if _kafka_libs_ok; then
    log kafka "Kafka $KAFKA_VERSION jars already in $KAFKA_LIBS"
    return 0
  fi
  _kafka_need_tools || return 1
  mkdir -p -- "$KAFKA_DIR" "$KAFKA_LOGS"
  local tmp="$KAFKA_DIR/libs.tmp.$$" mvnlog="$KAFKA_LOGS/mvn.log" t0=$SECONDS
  rm -rf -- "$tmp"
  log kafka "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies from Maven Central"
  if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" >"$mvnlog" 2>&1; then
    rm -rf -- "$tmp"
    die_engine kafka "mvn could not resolve the Kafka $KAFKA_VERSION jars (see $mvnlog)" --log "$mvnlog"
    return 1
  fi
  if [[ ! -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    rm -rf -- "$tmp"
    die_engine kafka "mvn ran but kafka_2.13-$KAFKA_VERSION.jar is missing" --log "$mvnlog"
    return 1
  fi
  _kafka_libs_stamp >"$tmp/.resolved"
  rm -rf -- "$KAFKA_LIBS"
  mv -- "$tmp" "$KAFKA_LIBS"
  log kafka "Kafka $KAFKA_VERSION: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS ($((SECONDS - t0))s)"
}

# Starts the broker in the background (idempotent) and waits until it serves metadata.
kafka_up() {
  # At least 180 s: after an unclean stop (SIGKILL, power loss) the broker waits out its old
  # registration and recovers every partition's log before it serves. The fault injection
  # measured 58 s on a broker holding ~2,000 partitions of earlier test runs; 60 s was too tight.
  local timeout=$(( ${ENGINES_TIMEOUT:-60} > 180 ? ${ENGINES_TIMEOUT:-60} : 180 )) t0=$SECONDS pid started_here=0
  kafka_install || return 1
  _kafka_need_tools || return 1
  mkdir -p -- "$KAFKA_DIR" "$KAFKA_LOGS"

  if ! pidfile_running "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN"; then
    pid="$(_kafka_orphan_pid)"
    if [[ -n "$pid" ]]; then
      printf '%s\n' "$pid" >"$KAFKA_PIDFILE"
      log kafka "found a running broker without pid file (pid $pid); adopting it"
    fi
  fi

  if pidfile_running "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN"; then
    pid="$(pidfile_read "$KAFKA_PIDFILE")"
    if _kafka_serves_metadata; then
      log kafka "already running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
      return 0
    fi
    log kafka "pid $pid is running but not serving yet; waiting"
  else
    rm -f -- "$KAFKA_PIDFILE"
    local p
    for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
      if tcp_open "$KAFKA_HOST" "$p"; then
        die_engine kafka "port $KAFKA_HOST:$p is already in use by something else$(declare -F port_owner >/dev/null && printf ' (%s)' "$(port_owner "$p")"); stop it or free the port"
        return 1
      fi
    done
    # Each start gets fresh log files; the previous start's are kept as *.prev.
    local f
    for f in "$KAFKA_OUT" "$KAFKA_SERVER_LOG"; do
      if [[ -f "$f" ]]; then mv -f -- "$f" "$f.prev"; fi
    done
    rm -f -- "$KAFKA_SERVER_LOG".[0-9]*
    _kafka_write_config
    _kafka_format || return 1
    log kafka "starting Kafka $KAFKA_VERSION on $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT), logs in $KAFKA_LOGS"
    printf '===== %s starting kafka.Kafka =====\n' "$(date '+%F %T')" >>"$KAFKA_OUT"
    started_here=1
    # setsid: own session, so the broker outlives the shell that started it and a Ctrl-C
    # there. The small bash writes its own pid and then exec's java, keeping that pid.
    # shellcheck disable=SC2086,SC2016
    setsid -f bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-launch "$KAFKA_PIDFILE" \
      java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent \
      -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KAFKA_LOGS" \
      -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2.properties" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF/server.properties" \
      </dev/null >>"$KAFKA_OUT" 2>&1
    local _
    for _ in $(seq 1 50); do
      [[ -s "$KAFKA_PIDFILE" ]] && break
      sleep 0.1
    done
  fi

  pid="$(pidfile_read "$KAFKA_PIDFILE")"
  local deadline=$((t0 + timeout))
  # 1) the port accepts, 2) a real client gets metadata (DescribeCluster) with our cluster id.
  while ! tcp_open "$KAFKA_HOST" "$KAFKA_PORT" || ! _kafka_serves_metadata; do
    if ! pid_alive "$pid"; then
      rm -f -- "$KAFKA_PIDFILE"
      _kafka_fail_log "the Kafka broker (pid ${pid:-?}) exited during startup"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      if ((started_here)); then
        _kafka_fail_log "the Kafka broker (pid $pid) did not serve metadata on $KAFKA_HOST:$KAFKA_PORT within ${timeout}s (COFFER_ENGINES_TIMEOUT); stopping it" || true
        pidfile_stop kafka "$KAFKA_PIDFILE" 30 "$KAFKA_PID_PATTERN"
      else
        _kafka_fail_log "the running Kafka broker (pid $pid) did not serve metadata on $KAFKA_HOST:$KAFKA_PORT within ${timeout}s (left running; 'down' stops it)" || true
      fi
      return 1
    fi
    sleep 0.5
  done
  log kafka "ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid, cluster id $(cat -- "$KAFKA_DIR/cluster-id" 2>/dev/null || echo '?'), $((SECONDS - t0))s)"
}

# Error naming kafka, then this start's JVM output (kafka.out) and broker log (server.log) tails.
_kafka_fail_log() {
  die_engine kafka "$1" --log "$KAFKA_SERVER_LOG" || true
  if [[ -s "$KAFKA_OUT" ]]; then
    printf -- '----- last 20 lines of %s -----\n' "$KAFKA_OUT" >&2
    tail -n 20 -- "$KAFKA_OUT" >&2 || true
    printf -- '----- end of %s -----\n' "$KAFKA_OUT" >&2
  fi
  return 1
}

# Stops the broker: SIGTERM (controlled shutdown), wait up to 30 s, then SIGKILL. Idempotent.
kafka_down() {
  local pid
  if ! pidfile_running "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN"; then
    pid="$(_kafka_orphan_pid)"
    [[ -n "$pid" ]] && printf '%s\n' "$pid" >"$KAFKA_PIDFILE"
  fi
  if ! pidfile_running "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN"; then
    rm -f -- "$KAFKA_PIDFILE"
    log kafka "not running"
    return 0
  fi
  pidfile_stop kafka "$KAFKA_PIDFILE" 30 "$KAFKA_PID_PATTERN"
  log kafka "stopped"
}

# Prints one line; returns 0 when the broker serves metadata, 1 otherwise.
kafka_status() {
  local pid
  pid=""
  if pidfile_running "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN"; then
    pid="$(pidfile_read "$KAFKA_PIDFILE")"
  else
    pid="$(_kafka_orphan_pid)"
  fi
  if tcp_open "$KAFKA_HOST" "$KAFKA_PORT" && [[ -f "$KAFKA_LIBS/.resolved" ]] && _kafka_serves_metadata; then
    printf 'kafka: up (%s:%s, Kafka %s, pid %s, data %s)\n' "$KAFKA_HOST" "$KAFKA_PORT" "$KAFKA_VERSION" "${pid:-?}" "$KAFKA_DATA"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    printf 'kafka: down (pid %s runs but does not serve metadata on %s:%s yet; log %s)\n' "$pid" "$KAFKA_HOST" "$KAFKA_PORT" "$KAFKA_SERVER_LOG"
  elif tcp_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    printf 'kafka: down (%s:%s is taken by something that is not this broker)\n' "$KAFKA_HOST" "$KAFKA_PORT"
  else
    printf 'kafka: down (not running)\n'
  fi
  return 1
}

# Prints the connection variables (PORTS.md), one NAME=value a line.
kafka_env() {
  printf 'COFFER_TEST_KAFKA_BROKERS=%s:%s\n' "$KAFKA_HOST" "$KAFKA_PORT"
}

# ------------------------------------------------------------------ direct use

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    install | up | down | status | env) "kafka_$1" ;;
    *)
      echo "usage: $0 install|up|down|status|env" >&2
      exit 2
      ;;
  esac
fi
