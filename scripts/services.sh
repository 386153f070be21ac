#!/usr/bin/env bash
# Run the real services enms's tests talk to -- InfluxDB 1.x and Mosquitto 2.x --
# as plain background processes bound to 127.0.0.1 (no systemd, no docker engine).
# Chromium, which the review-report test opens headless, is installed alongside.
#
#   scripts/services.sh start   install with apt if missing, start both, wait until they answer
#   scripts/services.sh stop    stop exactly the processes this script started (pid files)
#   scripts/services.sh status  exit 0 when both answer, 3 otherwise
#   scripts/services.sh env     print the exports the tests read
#   scripts/services.sh clean   stop, then remove the state directory
#
# Environment: ENMS_SERVICES_DIR (default /tmp/enms-services), ENMS_INFLUX_PORT (18086),
# ENMS_INFLUX_RPC_PORT (18088), ENMS_MQTT_PORT (11883), ENMS_START_TIMEOUT (30 s).
set -euo pipefail

DIR="${ENMS_SERVICES_DIR:-/tmp/enms-services}"
INFLUX_PORT="${ENMS_INFLUX_PORT:-18086}"
INFLUX_RPC_PORT="${ENMS_INFLUX_RPC_PORT:-18088}"
MQTT_PORT="${ENMS_MQTT_PORT:-11883}"
TIMEOUT="${ENMS_START_TIMEOUT:-30}"
HOST=127.0.0.1

say() { echo "[services] $*" >&2; }

install_missing() {
  local pkgs=()
  [ -x /usr/bin/influxd ] || command -v influxd >/dev/null || pkgs+=(influxdb)
  [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || pkgs+=(mosquitto)
  command -v chromium >/dev/null || pkgs+=(chromium)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  local sudo="" log="$DIR/apt.log" policy=/usr/sbin/policy-rc.d placed=0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  say "installing ${pkgs[*]} with apt (log: $log)"
  # The Debian packages would start system-wide daemons on default ports; forbid that.
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"; placed=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local rc=0
  if ! $sudo apt-get install -y -q --no-install-recommends "${pkgs[@]}" >"$log" 2>&1; then
    $sudo apt-get update -q >>"$log" 2>&1 || true
    $sudo apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$log" 2>&1 || rc=$?
  fi
  [ "$placed" -eq 1 ] && $sudo rm -f "$policy"
  if [ "$rc" -ne 0 ]; then say "apt-get failed:"; tail -n 20 "$log" >&2; exit 1; fi
}

# alive PIDFILE NAME: the recorded pid runs and is the program we started (not a recycled pid).
alive() {
  [ -s "$1" ] || return 1
  local pid; pid="$(cat "$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

influx_answers() {
  python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" \
    "http://$HOST:$INFLUX_PORT/ping" 2>/dev/null
}
mqtt_answers() { (exec 3<>"/dev/tcp/$HOST/$MQTT_PORT") 2>/dev/null; }
port_taken() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# await NAME CHECK PIDFILE LOG: poll until CHECK passes, the process dies, or TIMEOUT passes.
await() {
  local name="$1" check="$2" pidfile="$3" log="$4" deadline=$((SECONDS + TIMEOUT))
  until "$check"; do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      say "$name exited while starting:"; tail -n 20 "$log" >&2; return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "$name did not answer within ${TIMEOUT}s:"; tail -n 20 "$log" >&2; return 1
    fi
    sleep 0.1
  done
}

start_influx() {
  local pidfile="$DIR/influxd.pid"
  if alive "$pidfile" influxd && influx_answers; then say "influxd already up"; return 0; fi
  if ! alive "$pidfile" influxd; then
    if port_taken "$INFLUX_PORT"; then say "$HOST:$INFLUX_PORT is taken by another process"; return 1; fi
    mkdir -p "$DIR/influxdb"
    cat >"$DIR/influxdb.conf" <<CONF
reporting-enabled = false
bind-address = "$HOST:$INFLUX_RPC_PORT"
[meta]
  dir = "$DIR/influxdb/meta"
[data]
  dir = "$DIR/influxdb/data"
  wal-dir = "$DIR/influxdb/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "$HOST:$INFLUX_PORT"
  log-enabled = false
  max-body-size = 0
[ifql]
  enabled = false
[logging]
  level = "warn"
CONF
    setsid "$(command -v influxd || echo /usr/bin/influxd)" run -config "$DIR/influxdb.conf" \
      </dev/null >"$DIR/influxd.log" 2>&1 &
    echo $! >"$pidfile"
  fi
  await influxd influx_answers "$pidfile" "$DIR/influxd.log"
  say "influxd up: http://$HOST:$INFLUX_PORT (pid $(cat "$pidfile"))"
}

start_mqtt() {
  local pidfile="$DIR/mosquitto.pid"
  if alive "$pidfile" mosquitto && mqtt_answers; then say "mosquitto already up"; return 0; fi
  if ! alive "$pidfile" mosquitto; then
    if port_taken "$MQTT_PORT"; then say "$HOST:$MQTT_PORT is taken by another process"; return 1; fi
    cat >"$DIR/mosquitto.conf" <<CONF
per_listener_settings false
listener $MQTT_PORT $HOST
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
max_queued_messages 100000
CONF
    setsid "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$DIR/mosquitto.conf" \
      </dev/null >"$DIR/mosquitto.log" 2>&1 &
    echo $! >"$pidfile"
  fi
  await mosquitto mqtt_answers "$pidfile" "$DIR/mosquitto.log"
  say "mosquitto up: mqtt://$HOST:$MQTT_PORT (pid $(cat "$pidfile"))"
}

stop_one() { # stop_one NAME PIDFILE
  local pid i
  if ! alive "$2" "$1"; then rm -f "$2"; say "$1 not running"; return 0; fi
  pid="$(cat "$2")"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then say "$1 ignored SIGTERM; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$2"; say "$1 stopped (pid $pid)"
}

case "${1:-}" in
  start) mkdir -p "$DIR"; install_missing; start_influx; start_mqtt ;;
  stop) stop_one mosquitto "$DIR/mosquitto.pid"; stop_one influxd "$DIR/influxd.pid" ;;
  status)
    rc=0
    if alive "$DIR/influxd.pid" influxd && influx_answers; then echo "influxd   up   http://$HOST:$INFLUX_PORT"; else echo "influxd   down"; rc=3; fi
    if alive "$DIR/mosquitto.pid" mosquitto && mqtt_answers; then echo "mosquitto up   mqtt://$HOST:$MQTT_PORT"; else echo "mosquitto down"; rc=3; fi
    exit $rc ;;
  env)
    echo "export ENMS_TEST_INFLUX_URL=http://$HOST:$INFLUX_PORT"
    echo "export ENMS_TEST_MQTT_HOST=$HOST"
    echo "export ENMS_TEST_MQTT_PORT=$MQTT_PORT" ;;
  clean)
    "$0" stop
    case "$DIR" in /|"") say "refusing to remove '$DIR'"; exit 1 ;; esac
    rm -rf -- "$DIR"; say "removed $DIR" ;;
  *) echo "usage: $0 {start|stop|status|env|clean}" >&2; exit 2 ;;
esac
