#!/usr/bin/env bash
# Tests the board paper `cjmh report` writes in a real headless browser: the CI entry point.
#
#   tests/browser/run.sh
#
# 1. installs Debian's chromium (and a font) when /usr/bin/chromium is missing: apt-get, as root;
#    Playwright's own browser download is not used;
# 2. creates tests/browser/.venv (CPython 3.11 if there is one) and installs requirements.txt,
#    again whenever requirements.txt changes;
# 3. builds cjmh (cargo build --release), unless CJMH_BIN names a binary to use; the binary is
#    looked for under $CARGO_TARGET_DIR when that is set, as cargo puts it there;
# 4. makes small inputs in a temporary folder from notebooks/ci/: two paired PSA sweeps (the small
#    base and the liaison and diversion policy) and a compare of the same two scenarios with them;
# 5. writes the report and workbook with `cjmh report`, and runs test_report.py on them: first the
#    checks, then its self-test (each check shown to catch a fault put into a copy of the report).
#
# Exits non-zero if anything fails. Set CJMH_BROWSER_KEEP=1 to keep the temporary folder (it is
# printed), with the report and workbook in it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
chromium=/usr/bin/chromium
start=$SECONDS
step() { echo "== $* (at $((SECONDS - start)) s)"; }

# 1. The browser. CI runs as root on a clean Debian machine, so a missing browser is installed
# rather than skipped: a test that silently does not run would read as a pass.
step "chromium"
# Without any font Chromium prints pages with no text; fc-list may be absent, so look for the files.
has_font() {
    [ -n "$(find /usr/share/fonts -type f \( -name '*.ttf' -o -name '*.otf' \) -print -quit 2>/dev/null)" ]
}
if [ ! -x "$chromium" ] || ! has_font; then
    if [ "$(id -u)" != 0 ]; then
        echo "error: $chromium or a font is missing and this is not root, so apt-get cannot install them;" \
            "run as root or install Debian's chromium and fonts-dejavu-core" >&2
        exit 1
    fi
    echo "installing Debian's chromium and fonts-dejavu-core with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
fi
if [ ! -x "$chromium" ]; then
    echo "error: apt-get finished but there is no $chromium" >&2
    exit 1
fi
# Debian's wrapper script prints a harmless shell warning on some machines; only the version matters.
"$chromium" --version 2>/dev/null
browser_done=$SECONDS

# 2. The Python environment.
step "python environment"
# shellcheck source=../../.ci/python-venv.sh
. "$repo/.ci/python-venv.sh"
python_venv "$venv" "$here/requirements.txt"
pip_done=$SECONDS

# 3. cjmh.
step "cjmh"
if [ -z "${CJMH_BIN:-}" ]; then
    (cd "$repo" && cargo build --release --quiet)
    CJMH_BIN="$(bash "$repo/notebooks/ci/cjmh-bin.sh" "$repo")"
fi
cjmh="$(cd "$(dirname "$CJMH_BIN")" && pwd)/$(basename "$CJMH_BIN")"
if ! "$cjmh" report --help >/dev/null 2>&1; then
    echo "error: $cjmh has no \`report\` command" >&2
    exit 1
fi
build_done=$SECONDS

# 4. Small inputs: one scenario per PSA sweep, with the same names, as `compare --psa` requires.
work="$(mktemp -d "${TMPDIR:-/tmp}/cjmh-browser.XXXXXX")"
if [ "${CJMH_BROWSER_KEEP:-0}" = 1 ]; then
    echo "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
step "inputs in $work"
(
    cd "$repo/notebooks/ci"
    "$cjmh" sweep small-psa-base.toml --out "$work/psa-base" -q
    "$cjmh" sweep small-psa-policy.toml --out "$work/psa-policy" -q
    "$cjmh" compare --baseline small-base.toml small-liaison-diversion.toml -r 2 \
        --psa "$work/psa-base" --psa "$work/psa-policy" --out "$work/compare" -q
)
inputs_done=$SECONDS

# 5. The report, the workbook and the test.
step "cjmh report"
report=(--report "$work/compare/report.html" --compare "$work/compare" --psa)
xlsx=()
if "$cjmh" report --help | grep -q -- '--xlsx'; then
    xlsx=(--xlsx "$work/compare/report.xlsx")
else
    echo "SKIP (workbook): \`cjmh report\` has no --xlsx yet, so the workbook is not tested"
fi
"$cjmh" report "$work/compare" --psa "$work/psa-base" --psa "$work/psa-policy" \
    --out "$work/compare/report.html" "${xlsx[@]}"
if [ "${#xlsx[@]}" -gt 0 ] && [ ! -s "$work/compare/report.xlsx" ]; then
    echo "error: \`cjmh report --xlsx $work/compare/report.xlsx\` exited 0 but wrote no workbook" >&2
    exit 1
fi
report_done=$SECONDS

step "checks"
"$venv/bin/python" "$here/test_report.py" "${report[@]}" "${xlsx[@]}"
step "self-test of the checks"
"$venv/bin/python" "$here/test_report.py" "${report[@]}" "${xlsx[@]}" --self-test

echo "== done in $((SECONDS - start)) s: chromium $((browser_done - start)) s," \
    "python environment $((pip_done - browser_done)) s, cjmh $((build_done - pip_done)) s," \
    "inputs $((inputs_done - build_done)) s, report $((report_done - inputs_done)) s," \
    "test $((SECONDS - report_done)) s"
