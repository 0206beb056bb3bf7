#!/usr/bin/env bash
# action.yml, step 1: energy-lint in a virtual environment of its own under $RUNNER_TEMP, so that
# it neither needs nor disturbs the job's Python packages. The light install: no TensorFlow.
set -euo pipefail
venv="${RUNNER_TEMP:?}/energy-lint-venv"
"${INPUT_PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${INPUT_INSTALL:-$GITHUB_ACTION_PATH}"
"$venv/bin/energy-lint" --version
