#!/usr/bin/env bash
# Starts or stops Azurite (tables and queues) on loopback, installed from npm by tools/azurite.
# Usage: scripts/azurite.sh start|stop|status    (data lives in .azurite/, the log in .azurite/azurite.log)
# AZURITE_IN_MEMORY=1 keeps the data in memory only: tests and benchmarks use it, because Azurite's periodic
# save of a large data set to disk blocks its single thread and would slow what they measure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.azurite"
pidfile="$data/azurite.pid"
bin="$root/tools/azurite/node_modules/.bin/azurite"

listening() { (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; }

start() {
  if listening; then echo "azurite: already listening on 127.0.0.1:10001/10002"; return 0; fi
  if [ ! -x "$bin" ]; then
    echo "azurite: installing from npm (tools/azurite)"
    (cd "$root/tools/azurite" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  mkdir -p "$data"
  # The queue SDK's newest service version is ahead of Azurite's, hence --skipApiVersionCheck.
  if [ "${AZURITE_IN_MEMORY:-0}" = 1 ]; then persistence=(--inMemoryPersistence); else persistence=(--location "$data"); fi
  "$bin" --silent --skipApiVersionCheck --disableProductStyleUrl \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    "${persistence[@]}" >"$data/azurite.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if listening; then echo "azurite: started (pid $(cat "$pidfile"))"; return 0; fi
    sleep 0.1
  done
  echo "azurite: did not start; see $data/azurite.log" >&2
  cat "$data/azurite.log" >&2 || true
  return 1
}

stop() {
  [ -f "$pidfile" ] || { echo "azurite: not started by this script"; return 0; }
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do listening || break; sleep 0.1; done
  if listening; then kill -INT "$pid" 2>/dev/null || true; sleep 0.5; fi
  if listening; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  echo "azurite: stopped"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if listening; then echo "azurite: listening"; else echo "azurite: not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
