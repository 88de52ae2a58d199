#!/usr/bin/env bash
# `npm run stop`: stops the API and workers that `npm start` launched (pids in var/run/).
# SIGTERM first, so they finish in-flight requests and jobs; SIGKILL after 15 s.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/var/run"

# Only a pid whose command line is still ours: a stale pid file must not kill a stranger.
running() { local state; state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)"; [[ -n "$state" && "$state" != Z ]]; }
ours() { [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "--import tsx $2"; }

stopped=0
for name in workers api; do
  pidfile="$RUN_DIR/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  entry=src/server.ts
  [[ "$name" == workers ]] && entry=workers/index.ts
  if ours "$pid" "$entry"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
      running "$pid" || break
      sleep 0.5
    done
    if running "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      echo "  $name (pid $pid) killed after 15 s"
    else
      echo "  ✓ $name (pid $pid) stopped"
    fi
    stopped=$((stopped + 1))
  fi
  rm -f "$pidfile"
done
((stopped > 0)) || echo "  LEAP was not running"
