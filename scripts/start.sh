#!/usr/bin/env bash
# `npm start`: sets the machine up (scripts/setup.sh), generates code, applies migrations, starts the
# API and the workers in the background (logs in var/log/, pids in var/run/), waits until they are
# ready, runs the demo (scripts/demo.ts) against the running API, and leaves the platform running.
# `npm run stop` stops it. Running `npm start` again restarts it with the current code.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

. scripts/dotenv.sh
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-4000}"
PROBE_HOST="$HOST"
[[ "$HOST" == 0.0.0.0 || "$HOST" == :: ]] && PROBE_HOST=127.0.0.1
BASE_URL="http://$PROBE_HOST:$PORT"
export LEAP_API_URL="${LEAP_API_URL:-$BASE_URL/graphql}"

LOG_DIR="$ROOT/var/log"
RUN_DIR="$ROOT/var/run"
mkdir -p "$LOG_DIR" "$RUN_DIR"

section() { printf '\n\342\226\266 %s\n' "$*"; }
ok() { printf '  \342\234\223 %s\n' "$*"; }
fail() { printf '  \342\234\227 %s\n' "$*" >&2; }

started=false
on_interrupt() {
  trap - INT TERM
  printf '\nInterrupted.\n' >&2
  if [[ "$started" == true ]]; then bash scripts/stop.sh; fi
  exit 130
}
trap on_interrupt INT TERM

# Starts `node --import tsx <entry>` in its own session (so terminal signals and hang-ups do not
# reach it), appending to var/log/<name>.log and recording the pid in var/run/<name>.pid.
# Sets LOG_START to the size of the log before the process wrote to it.
launch() {
  local name="$1" entry="$2"
  printf '\n--- %s started %s ---\n' "$name" "$(date -Is)" >>"$LOG_DIR/$name.log"
  LOG_START="$(stat -c %s "$LOG_DIR/$name.log")" # where this run's lines begin
  setsid node --import tsx "$entry" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  started=true
}

# Running and not a zombie.
alive() {
  [[ -f "$RUN_DIR/$1.pid" ]] || return 1
  local state
  state="$(awk '{ print $3 }' "/proc/$(cat "$RUN_DIR/$1.pid")/stat" 2>/dev/null)"
  [[ -n "$state" && "$state" != Z ]]
}

# Gives up when the process died or $3 seconds passed; shows the end of its log either way.
wait_until() {
  local name="$1" probe="$2" seconds="$3" deadline=$((SECONDS + $3))
  until eval "$probe" >/dev/null 2>&1; do
    if ! alive "$name"; then
      fail "$name exited; last lines of var/log/$name.log:"
      tail -n 30 "$LOG_DIR/$name.log" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      fail "$name not ready after $seconds s; last lines of var/log/$name.log:"
      tail -n 30 "$LOG_DIR/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
}

section "Setup"
bash scripts/setup.sh

section "Generate code and apply migrations"
npm run generate --silent
ok "Prisma client and typed SDK generated"
npm run migrate:deploy --silent
ok "database migrated"

section "Start API and workers"
if alive api || alive workers; then
  echo "  LEAP is already running; restarting it"
  bash scripts/stop.sh
fi
if (exec 3<>"/dev/tcp/$PROBE_HOST/$PORT") 2>/dev/null; then
  fail "port $PORT on $PROBE_HOST is taken by another program; free it or run: PORT=4100 npm start"
  exit 1
fi

launch api src/server.ts
if ! wait_until api "node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' '$BASE_URL/readyz'" 60; then bash scripts/stop.sh; exit 1; fi
ok "API ready at $LEAP_API_URL (pid $(cat "$RUN_DIR/api.pid"))"

launch workers workers/index.ts
if ! wait_until workers "tail -c +$((LOG_START + 1)) '$LOG_DIR/workers.log' | grep -q 'workers ready'" 60; then bash scripts/stop.sh; exit 1; fi
ok "workers ready (pid $(cat "$RUN_DIR/workers.pid"))"

section "Demo"
if ! node --import tsx scripts/demo.ts; then
  fail "the demo failed; LEAP is still running (logs in var/log/, stop it with: npm run stop)"
  exit 1
fi

trap - INT TERM
cat <<EOF

LEAP is running.
  GraphQL + GraphiQL  $LEAP_API_URL
  Health              $BASE_URL/healthz   $BASE_URL/readyz
  Logs (JSON lines)   var/log/api.log  var/log/workers.log
  Stop                npm run stop
EOF
