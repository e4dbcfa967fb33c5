#!/usr/bin/env bash
# Builds and installs the Python package from this checkout, then runs its tests: the CI entry
# point (.ci/run calls it).
#
#   python/run-tests.sh [PYTEST ARGS...]
#
# 1. creates python/.venv (CPython 3.11 if there is one) with the pinned requirements-test.txt,
#    again whenever that file changes;
# 2. builds the package's wheel with the pinned maturin (cargo build --release of python/, sharing
#    the workspace's target/ with the command line) and installs it into the venv;
# 3. runs pytest on python/tests against the command line at $CJMH_BIN (default: cargo's
#    release binary, built here if missing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
venv="$here/.venv"
start=$SECONDS
step() { echo "== $* (at $((SECONDS - start)) s)"; }

step "python environment"
# shellcheck source=../.ci/python-venv.sh
. "$repo/.ci/python-venv.sh"
python_venv "$venv" "$here/requirements-test.txt"
# maturin's build hook runs the `maturin` program it installed there.
export PATH="$venv/bin:$PATH"

step "build and install the package"
# The wheel (one for every CPython from 3.10: the stable ABI) goes to $CJMH_WHEELS, by default
# target/wheels, where notebooks/run.sh can install the same one (CJMH_WHEEL), rather than build
# the package again for its own venv.
wheels="${CJMH_WHEELS:-$repo/target/wheels}"
rm -rf "$wheels"
maturin build --quiet --release --manifest-path "$here/Cargo.toml" --interpreter "$venv/bin/python" --out "$wheels"
wheel="$(ls "$wheels"/cjmh-*.whl)"
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
echo "installed $wheel"

step "command line"
if [ -z "${CJMH_BIN:-}" ]; then
    (cd "$repo" && cargo build --release --quiet)
    CJMH_BIN="$(bash "$repo/notebooks/ci/cjmh-bin.sh" "$repo")"
fi
CJMH_BIN="$(cd "$(dirname "$CJMH_BIN")" && pwd)/$(basename "$CJMH_BIN")"
export CJMH_BIN

step "pytest"
# From the repository's top folder, so that python/cjmh (the sources, without the built module)
# is not the `cjmh` imported.
cd "$repo"
"$venv/bin/python" -m pytest -q python/tests "$@"
echo "== done in $((SECONDS - start)) s"
