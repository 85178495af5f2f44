#!/usr/bin/env bash
# The test command (as in the README): python -m pytest -q, failing loudly.
# Extra arguments are passed to pytest, e.g. ci/test.sh -m "not slow" tests/integration
set -uo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

# Hypothesis: the property tests pin derandomize=True themselves; the CI profile keeps the
# example database out of the tree.
export HYPOTHESIS_STORAGE_DIRECTORY="${HYPOTHESIS_STORAGE_DIRECTORY:-/tmp/fastcache-hypothesis}"

"$PYTHON" -m pytest -q -ra --durations=15 -p no:cacheprovider "$@"
rc=$?
case $rc in
  0) echo "ci/test.sh: all tests passed" ;;
  5) echo "ci/test.sh: FAILED: pytest collected no tests (exit 5)" >&2; rc=1 ;;
  *) echo "ci/test.sh: FAILED: pytest exit status $rc" >&2 ;;
esac
exit $rc
