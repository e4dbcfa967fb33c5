#!/usr/bin/env bash
# Runs every notebook in this folder end to end on small inputs: the CI entry point.
#
#   notebooks/run.sh
#
# 1. creates notebooks/.venv (CPython 3.11 if there is one) and installs requirements.txt, again
#    whenever requirements.txt changes, then builds and installs the cjmh package (python/);
# 2. builds cjmh (cargo build --release), unless CJMH_BIN names a binary to use; the binary is
#    looked for under $CARGO_TARGET_DIR when that is set, as cargo puts it there;
# 3. produces small inputs in a temporary folder from the scenario and sweep files in ci/: a
#    compare run, two paired PSA sweeps and their CEAC, a one-way sweep, and a few benchmarks
#    (the beds-by-limit grid is run by its notebook, through the package);
# 4. executes every notebook against them with nbclient. The executed copies go to
#    $CJMH_NOTEBOOKS_OUT (default: the temporary folder, removed at the end); the notebooks in
#    this folder are never written, and the script checks that they carry no outputs.
#
# Exits non-zero if anything fails, including any notebook cell. Set CJMH_NOTEBOOKS_KEEP=1 to
# keep the temporary folder (it is printed).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
venv="$here/.venv"
start=$SECONDS
step() { echo "== $* (at $((SECONDS - start)) s)"; }

# 1. The Python environment.
step "python environment"
# shellcheck source=../.ci/python-venv.sh
. "$repo/.ci/python-venv.sh"
python_venv "$venv" "$here/requirements.txt"
export PATH="$venv/bin:$PATH"
"$venv/bin/python" "$here/ci/check_clean.py" "$here"/*.ipynb
# The cjmh package, which transfer-limit-sweep.ipynb imports: the wheel $CJMH_WHEEL if given
# (.ci/run passes the one python/run-tests.sh built from this checkout), else built from this
# checkout by the pinned maturin (the README's `pip install ./python`, without build isolation).
if [ -n "${CJMH_WHEEL:-}" ]; then
    "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$CJMH_WHEEL"
else
    PATH="$venv/bin:$PATH" "$venv/bin/python" -m pip install --quiet --no-build-isolation \
        --force-reinstall --no-deps "$repo/python"
fi
pip_done=$SECONDS

# 2. cjmh.
step "cjmh"
if [ -z "${CJMH_BIN:-}" ]; then
    (cd "$repo" && cargo build --release --quiet)
    CJMH_BIN="$(bash "$here/ci/cjmh-bin.sh" "$repo")"
fi
cjmh="$(cd "$(dirname "$CJMH_BIN")" && pwd)/$(basename "$CJMH_BIN")"
export CJMH_BIN="$cjmh"
build_done=$SECONDS

# 3. Small inputs.
work="$(mktemp -d "${TMPDIR:-/tmp}/cjmh-notebooks.XXXXXX")"
if [ "${CJMH_NOTEBOOKS_KEEP:-0}" = 1 ]; then
    echo "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
export MPLCONFIGDIR="$work/matplotlib"

step "inputs in $work"
cd "$here/ci"
"$cjmh" compare --baseline small-base.toml \
    small-liaison-diversion.toml small-release-support.toml small-transfer-14-day.toml \
    -r 2 --out "$work/compare" -q
"$cjmh" sweep small-psa-base.toml --out "$work/psa-base" -q
"$cjmh" sweep small-psa-policy.toml --out "$work/psa-policy" -q
"$cjmh" ceac "$work/psa-base" "$work/psa-policy" --out "$work/ceac" > /dev/null
"$cjmh" sweep small-one-way.toml --out "$work/one-way" -q
for threads in 1 2; do
    # At 40,000 people the national 70 transfer assessors scale to 2 places, one per catchment.
    for cohort in 40000 80000 160000; do
        "$cjmh" bench --model pathway --cohort "$cohort" --threads "$threads" --json
    done
done > "$work/bench.jsonl"
cd "$here"
inputs_done=$SECONDS

# 4. The notebooks.
step "notebooks"
export CJMH_COMPARE_DIR="$work/compare"
export CJMH_CEAC_DIR="$work/ceac"
export CJMH_SWEEP_FILE="$here/ci/small-beds-by-limit.toml"
export CJMH_PSA_BASE_DIR="$work/psa-base"
export CJMH_PSA_POLICY_DIR="$work/psa-policy"
export CJMH_ONEWAY_DIR="$work/one-way"
export CJMH_BENCH_JSON="$work/bench.jsonl"
export CJMH_BENCH_RUN=0
"$venv/bin/python" "$here/ci/execute.py" --out "${CJMH_NOTEBOOKS_OUT:-$work/executed}" "$here"/*.ipynb
"$venv/bin/python" "$here/ci/check_clean.py" "$here"/*.ipynb

echo "== done in $((SECONDS - start)) s: python environment $((pip_done - start)) s," \
    "cjmh build $((build_done - pip_done)) s, inputs $((inputs_done - build_done)) s," \
    "notebooks $((SECONDS - inputs_done)) s"
