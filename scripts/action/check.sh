#!/usr/bin/env bash
# action.yml, step 2: energy-lint check with GitHub annotations and a job summary, optionally a
# SARIF file; on a pull request, each model is compared with the base branch. The exit code is
# check's own: 0 clean, 1 a violation at or above fail-on, 2 an input that could not be used.
set -uo pipefail
energy_lint="${RUNNER_TEMP:?}/energy-lint-venv/bin/energy-lint"

base="${INPUT_DIFF_BASE:-}"
if [ -z "$base" ] && [ -n "${PULL_REQUEST_BASE:-}" ]; then
    base="origin/$PULL_REQUEST_BASE"
    if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
        # actions/checkout fetches one commit: bring the base branch's tip too.
        git fetch --quiet --no-tags --depth=1 origin \
            "+refs/heads/$PULL_REQUEST_BASE:refs/remotes/origin/$PULL_REQUEST_BASE" ||
            echo "::warning title=energy-lint::could not fetch $base; no comparison"
    fi
    git rev-parse --verify --quiet "$base^{commit}" >/dev/null || base=""
fi
[ "$base" = "none" ] && base=""

options=()
[ -n "${INPUT_PROFILE:-}" ] && options+=(--profile "$INPUT_PROFILE")
[ -n "${INPUT_CONFIG:-}" ] && options+=(--config "$INPUT_CONFIG")
[ -n "$base" ] && options+=(--diff-base "$base")
read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
[ "${#paths[@]}" -gt 0 ] || paths=(.)

"$energy_lint" check --format github --fail-on "${INPUT_FAIL_ON:-error}" "${options[@]}" -- "${paths[@]}"
status=$?

if [ -n "${INPUT_SARIF:-}" ]; then
    # The annotations above decide the step; this run only writes the file.
    "$energy_lint" check --format sarif --output "$INPUT_SARIF" --exit-zero "${options[@]}" -- "${paths[@]}" \
        >/dev/null || true
    [ -n "${GITHUB_OUTPUT:-}" ] && echo "sarif=$INPUT_SARIF" >>"$GITHUB_OUTPUT"
fi
exit "$status"
