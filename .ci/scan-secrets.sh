#!/usr/bin/env bash
# Secret scan with secretlint (recommended preset): every tracked file, then every line ever added in the history.
# gitleaks does the same on GitHub (see .github/workflows/ci.yml); this is the local equivalent from npm.
# A finding in history that was already rotated can be accepted by adding its commit to .ci/secret-history-allow.
set -euo pipefail
cd "$(dirname "$0")/.."

rc_file=.ci/secretlintrc.json
secretlint=(node_modules/.bin/secretlint --secretlintrc "$rc_file" --no-glob --maskSecrets --no-color)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

echo "secret scan: $(git ls-files | wc -l) tracked files"
if ! git ls-files -z | xargs -0 "${secretlint[@]}"; then
  echo "secret scan: secrets in the working tree (above); move them to environment variables" >&2
  status=1
fi

# The history, as added lines only, with an index from each line back to its commit and file.
git log --all -p --no-color --no-ext-diff --format='@@commit %H' |
  awk -v out="$work/history.txt" -v idx="$work/index.tsv" '
    /^@@commit / { commit = $2; next }
    /^\+\+\+ b\// { file = substr($0, 7); next }
    /^\+\+\+ / { next }
    /^\+/ { print substr($0, 2) > out; n++; print n "\t" commit "\t" file > idx }
  '
touch "$work/history.txt" "$work/index.tsv"
echo "secret scan: $(git rev-list --all | wc -l) commits, $(wc -l <"$work/history.txt") added lines"
if ! "${secretlint[@]}" --format=unix "$work/history.txt" >"$work/findings.txt"; then
  allow=.ci/secret-history-allow
  [ -f "$allow" ] || allow=/dev/null
  # unix format: PATH:LINE:COL: MESSAGE. Print each finding with its commit and file, minus allowed commits.
  awk -F'\t' -v allowfile="$allow" '
    BEGIN { while ((getline line < allowfile) > 0) if (line !~ /^#/ && line != "") allowed[line] = 1 }
    FILENAME == ARGV[1] { commit[$1] = $2; file[$1] = $3; next }
    {
      split($0, parts, ":")
      n = parts[2]
      if (!(n in commit)) next
      if (commit[n] in allowed) next
      msg = $0; sub(/^[^:]*:[0-9]+:[0-9]+: */, "", msg)
      printf "commit %s %s: %s\n", substr(commit[n], 1, 12), file[n], msg
      found++
    }
    END { exit found > 0 ? 1 : 0 }
  ' "$work/index.tsv" "$work/findings.txt" >&2 || {
    echo "secret scan: secrets in the git history (above); rotate them, then list the commit in .ci/secret-history-allow" >&2
    status=1
  }
fi

[ "$status" -eq 0 ] && echo "secret scan: no secrets found"
exit "$status"
