#!/usr/bin/env bash
# End-to-end suite: a real LiteLLM Proxy (from PyPI, hash-locked) behind the built sidecar,
# driven by the official openai and @anthropic-ai/sdk clients. See docs/e2e.md.
#
# Needs only python3 (with venv/pip), node and npm. The LiteLLM virtualenv is built once into
# .cache/litellm-venv (git-ignored) and rebuilt when sidecar/e2e/requirements.lock changes.
# Extra arguments go to jest (e.g. `npm run test:e2e -- -t streaming`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

E2E_DIR="sidecar/e2e"
LOCK="$E2E_DIR/requirements.lock"
VENV="${E2E_LITELLM_VENV:-$ROOT/.cache/litellm-venv}"
STAMP="$VENV/.lock-sha256"
PYTHON="${PYTHON:-python3}"

started=$(date +%s)
log() { printf '[e2e %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }

# 1. The LiteLLM version is defined once: the lock must match the image tag (fails fast, before any install).
log "checking the LiteLLM version pin"
npx --no-install tsx "$E2E_DIR/check-litellm-pin.ts"

# 2. The LiteLLM virtualenv, keyed by the lock's hash.
# The key covers the interpreter too: a venv made by another Python version cannot be reused.
lock_hash=$( (cat "$LOCK"; "$PYTHON" -VV) | sha256sum | cut -d' ' -f1)
if [[ -x "$VENV/bin/litellm" && -f "$STAMP" && "$(cat "$STAMP")" == "$lock_hash" ]]; then
  log "reusing $VENV (key $lock_hash)"
else
  log "building $VENV from $LOCK (key $lock_hash); this takes a few minutes once"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # --require-hashes: every wheel must match a hash in the lock, so a swapped release cannot slip in.
  # --no-deps: the lock is complete; nothing outside it may be resolved.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --require-hashes --no-deps --only-binary=:all: -r "$LOCK"
  "$VENV/bin/python" -m pip check
  echo "$lock_hash" >"$STAMP"
fi
# (`litellm --version` would try to fetch the price list from the internet; ask pip's metadata instead.)
log "LiteLLM $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))') in $VENV"

# 3. The sidecar as users run it: the compiled CLI.
log "building the sidecar"
npm run --silent build

# 4. The suite. Jest's global setup starts the fakes, LiteLLM and the sidecar once.
log "running jest"
export E2E_LITELLM_BIN="$VENV/bin/litellm"
set +e
npx --no-install jest --config "$E2E_DIR/jest.config.js" "$@"
status=$?
set -e
log "done (exit $status)"
exit $status
