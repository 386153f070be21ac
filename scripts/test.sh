#!/usr/bin/env bash
# The project's test command (README "Tests"; CI runs exactly this through .ci/run):
# start the real services, then lint, type-check and run the test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k contract
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

# what the tests need, into .venv/ when it is missing (after the README's quickstart, say)
if [ "$PYTHON" = .venv/bin/python ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  if ! .venv/bin/python -c "import pytest, ruff, mypy, importlinter, statsmodels, playwright, schemathesis, babel, jinja2, pypdf" \
      2>/dev/null; then
    echo "== installing the test dependencies into .venv (pip install -e '.[dev]')"
    .venv/bin/pip install --quiet -e '.[dev]'
  fi
fi

scripts/services.sh start
eval "$(scripts/services.sh env)"

echo "== ruff" && "$PYTHON" -m ruff check . && "$PYTHON" -m ruff format --check .
echo "== mypy" && "$PYTHON" -m mypy
echo "== import contracts (pyproject.toml [tool.importlinter])"
"$PYTHON" -c 'from importlinter.cli import lint_imports_command as lint; lint.main(["--no-cache"])'
echo "== pytest"
set +e
"$PYTHON" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
