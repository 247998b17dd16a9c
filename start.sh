#!/usr/bin/env bash
# Runs LiteLLM and the sidecar without Docker, for local development:
#   LiteLLM  on 127.0.0.1:${LITELLM_PORT:-4001}  (from a Python venv, same version as the image)
#   sidecar  on ${HOST:-0.0.0.0}:${PORT:-4000}   (clients point here, as they would at LiteLLM)
# Needs Python >= 3.10 and Node >= 20.19. Reads .env when present (see env.example).
# Usage: ./start.sh            start both; Ctrl-C stops both
#        ./start.sh --install  only create the venv and install LiteLLM, then exit
set -euo pipefail

cd "$(dirname "$0")"

# Same LiteLLM release as requirements.txt (what is installed), docker-compose.yml and litellm/Dockerfile;
# sidecar/e2e/check-litellm-pin.ts holds them equal.
LITELLM_VERSION="1.110.2"

if [[ -f .env ]]; then
  set -a
  # shellcheck disable=SC1091
  . ./.env
  set +a
fi

LITELLM_PORT="${LITELLM_PORT:-4001}"
LITELLM_VENV="${LITELLM_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '[start.sh] %s\n' "$*" >&2; }

install_litellm() {
  if [[ ! -x "$LITELLM_VENV/bin/python" ]]; then
    log "creating $LITELLM_VENV"
    "$PYTHON" -m venv "$LITELLM_VENV"
  fi
  if ! "$LITELLM_VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('litellm') != '$LITELLM_VERSION')" 2>/dev/null; then
    log "installing requirements.txt (LiteLLM $LITELLM_VERSION with its proxy extra) into $LITELLM_VENV"
    "$LITELLM_VENV/bin/pip" install --quiet --upgrade pip
    "$LITELLM_VENV/bin/pip" install --quiet -r requirements.txt
  fi
}

install_litellm
if [[ "${1:-}" == "--install" ]]; then
  log "LiteLLM $LITELLM_VERSION is installed in $LITELLM_VENV"
  exit 0
fi

if [[ ! -d node_modules ]]; then
  log "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
log "building the sidecar (npm run build)"
npm run build --silent

litellm_pid=""
sidecar_pid=""

# Waits up to $2 seconds for process $1 to exit.
wait_for_exit() {
  local waited=0
  while kill -0 "$1" 2>/dev/null && ((waited < $2)); do
    sleep 1
    waited=$((waited + 1))
  done
}

# Stops the sidecar first (it drains in-flight calls, which still need LiteLLM, and flushes
# traces), then LiteLLM. $1 is the signal that stopped the script.
stop_all() {
  trap - INT TERM EXIT
  local grace=$(((${SIDECAR_SHUTDOWN_GRACE_MS:-25000} + 999) / 1000 + 5))
  if [[ -n "$sidecar_pid" ]] && kill -0 "$sidecar_pid" 2>/dev/null; then
    log "stopping the sidecar (draining, up to ${grace}s)"
    # Ctrl-C already reached the sidecar (same process group) and a second signal would cut
    # its drain short: after INT only wait, and send SIGTERM if it is still running at the end.
    [[ "${1:-}" == INT ]] || kill -TERM "$sidecar_pid" 2>/dev/null || true
    wait_for_exit "$sidecar_pid" "$grace"
    kill -TERM "$sidecar_pid" 2>/dev/null || true
  fi
  if [[ -n "$litellm_pid" ]] && kill -0 "$litellm_pid" 2>/dev/null; then
    log "stopping LiteLLM"
    kill -TERM "$litellm_pid" 2>/dev/null || true
    wait_for_exit "$litellm_pid" 15
    kill -KILL "$litellm_pid" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
}
trap 'stop_all INT; exit 130' INT
trap 'stop_all TERM; exit 143' TERM
trap 'stop_all EXIT' EXIT

# --host 127.0.0.1: LiteLLM is only for the sidecar; without it LiteLLM binds every interface.
log "starting LiteLLM on 127.0.0.1:$LITELLM_PORT"
DISABLE_ADMIN_UI=True "$LITELLM_VENV/bin/litellm" --config config.yaml --host 127.0.0.1 --port "$LITELLM_PORT" &
litellm_pid=$!

log "waiting for LiteLLM's /health/liveliness"
waited=0
until "$LITELLM_VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$LITELLM_PORT/health/liveliness', timeout=2)" 2>/dev/null; do
  if ! kill -0 "$litellm_pid" 2>/dev/null; then
    log "LiteLLM exited; see its output above"
    exit 1
  fi
  if ((waited >= 180)); then
    log "LiteLLM did not become live within 180s"
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done

log "starting the sidecar on ${HOST:-0.0.0.0}:${PORT:-4000} -> http://127.0.0.1:$LITELLM_PORT"
LITELLM_BASE_URL="http://127.0.0.1:$LITELLM_PORT" node dist/index.js &
sidecar_pid=$!

# Returns when either process exits (a loop rather than `wait -n`, which macOS's bash 3.2
# lacks); the EXIT trap then stops the other one.
while kill -0 "$sidecar_pid" 2>/dev/null && kill -0 "$litellm_pid" 2>/dev/null; do
  sleep 1
done
