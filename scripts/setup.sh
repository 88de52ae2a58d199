#!/usr/bin/env bash
# Brings a machine to the point where LEAP can run and be tested:
#   1. system tools later stages call as binaries (ffmpeg/ffprobe, espeak-ng, yt-dlp, pocketsphinx), from Debian's apt
#   2. PostgreSQL and Redis answering at DATABASE_URL / REDIS_URL (started, or installed, when local)
#   3. node_modules from the lockfile
# Idempotent: what is already there is skipped. Used by `npm start` (scripts/start.sh) and CI (.ci/run).
#
#   bash scripts/setup.sh          install node_modules only when missing or older than package-lock.json
#   bash scripts/setup.sh --ci     always `npm ci`; a tool that cannot be installed is an error
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CI_MODE=false
for arg in "$@"; do
  case "$arg" in
    --ci) CI_MODE=true ;;
    *) echo "usage: bash scripts/setup.sh [--ci]" >&2; exit 2 ;;
  esac
done

# A developer's .env (see .env.example) applies here as it does in scripts/start.sh.
. scripts/dotenv.sh
DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/leap}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

mkdir -p var/log
APT_LOG="$ROOT/var/log/apt.log"

step() { printf '  %s\n' "$*"; }
ok() { printf '  \342\234\223 %s\n' "$*"; }
warn() { printf '  ! %s\n' "$*" >&2; }
die() { printf '  \342\234\227 %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [[ "$(id -u)" -eq 0 ]]; }

APT_UPDATED=false
apt_install() {
  if ! is_root || ! have apt-get; then return 1; fi
  export DEBIAN_FRONTEND=noninteractive
  if [[ "$APT_UPDATED" == false ]]; then
    step "apt-get update"
    apt-get -o DPkg::Lock::Timeout=300 update -qq >>"$APT_LOG" 2>&1 || { tail -n 20 "$APT_LOG" >&2; return 1; }
    APT_UPDATED=true
  fi
  step "apt-get install $* (log: var/log/apt.log)"
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >>"$APT_LOG" 2>&1 \
    || { tail -n 20 "$APT_LOG" >&2; return 1; }
}

# Waits up to $1 seconds for the command in the remaining arguments to succeed.
wait_for() {
  local seconds="$1"; shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

url_part() { node -e 'const u = new URL(process.argv[1]); console.log(process.argv[2] === "host" ? u.hostname.replace(/^\[|\]$/g, "") : (u.port || process.argv[3]))' "$1" "$2" "${3:-}"; }
is_local() { [[ "$1" == 127.* || "$1" == localhost || "$1" == ::1 ]]; }
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

check_node() {
  have node || die "Node.js is not installed (need >= 20.19)"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
    || die "Node.js $(node --version) is too old (need >= 20.19)"
  ok "node $(node --version), npm $(npm --version 2>/dev/null)"
}

install_media_tools() {
  local missing=()
  have ffmpeg && have ffprobe || missing+=(ffmpeg)
  have espeak-ng || missing+=(espeak-ng)
  have yt-dlp || missing+=(yt-dlp)
  # Offline English speech recognition (the `local` transcription provider, docs/ai.md).
  have pocketsphinx_continuous || missing+=(pocketsphinx)
  [[ -d /usr/share/pocketsphinx/model/en-us ]] || missing+=(pocketsphinx-en-us)
  if ((${#missing[@]} == 0)); then
    ok "ffmpeg, espeak-ng, yt-dlp, pocketsphinx already installed"
    return
  fi
  if apt_install "${missing[@]}"; then
    ok "installed ${missing[*]}"
  elif [[ "$CI_MODE" == true ]]; then
    die "could not install ${missing[*]} (run as root on Debian/Ubuntu, or install them yourself)"
  else
    warn "missing ${missing[*]}: later pipeline stages need them (as root: apt-get install ${missing[*]})"
  fi
}

pg_ready() {
  if have pg_isready; then pg_isready -q -h "$1" -p "$2"; else tcp_open "$1" "$2"; fi
}

ensure_postgres() {
  local host port
  host="$(url_part "$DATABASE_URL" host)"
  port="$(url_part "$DATABASE_URL" port 5432)"
  if pg_ready "$host" "$port"; then ok "PostgreSQL is up at $host:$port"; return; fi
  if is_local "$host"; then
    if ! have pg_ctlcluster; then
      apt_install postgresql || die "PostgreSQL is not installed; install it or point DATABASE_URL at a server"
    fi
    step "starting PostgreSQL"
    local dir
    for dir in /etc/postgresql/*/main; do
      [[ -d "$dir" ]] || continue
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$dir")")" main start >/dev/null 2>&1 || true
    done
  fi
  wait_for 60 pg_ready "$host" "$port" || die "PostgreSQL at $host:$port is not accepting connections"
  ok "PostgreSQL is up at $host:$port"
}

redis_ready() {
  if have redis-cli; then [[ "$(redis-cli -h "$1" -p "$2" ping 2>/dev/null)" == PONG ]]; else tcp_open "$1" "$2"; fi
}

ensure_redis() {
  local host port
  host="$(url_part "$REDIS_URL" host)"
  port="$(url_part "$REDIS_URL" port 6379)"
  if redis_ready "$host" "$port"; then ok "Redis is up at $host:$port"; return; fi
  if is_local "$host"; then
    if ! have redis-server; then
      apt_install redis-server || die "Redis is not installed; install it or point REDIS_URL at a server"
    fi
    step "starting Redis"
    local dir=/var/lib/redis logfile=/var/log/redis/ci.log
    if ! is_root; then dir="$ROOT/var/redis" logfile="$ROOT/var/log/redis.log"; fi
    mkdir -p "$dir" "$(dirname "$logfile")"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
      --dir "$dir" --logfile "$logfile" >/dev/null
  fi
  wait_for 30 redis_ready "$host" "$port" || die "Redis at $host:$port does not answer PING"
  ok "Redis is up at $host:$port"
}

install_node_modules() {
  if [[ "$CI_MODE" == false && -f node_modules/.package-lock.json && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
    ok "node_modules up to date"
    return
  fi
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  ok "node_modules installed from package-lock.json"
}

check_node
install_media_tools
ensure_postgres
ensure_redis
install_node_modules
