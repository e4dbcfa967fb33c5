#!/usr/bin/env bash
# Compares cjmh with the same models written for other discrete-event simulators, one core each.
#
# Two comparisons (see README.md beside this):
#
#   benches/peers/run.sh [mmc] [N_PY [N_RS [RUNS]]]
#     The M/M/c reference model in cjmh, SimPy and Ciw (the default).
#     N_PY  customers for each Python peer run   (default 100000; or env N_PY)
#     N_RS  customers for each cjmh run           (default 10000000; or env N_RS)
#     RUNS  runs of each tool; the fastest counts (default 3; or env RUNS)
#
#   benches/peers/run.sh pathway [COHORT [REPS]]
#     The reduced pathway (scenarios/reduced-pathway.toml) in cjmh and in SimPy
#     (pathway_simpy.py), on the same cohort: speed per person, and the headline metrics with
#     their 95% intervals over replications, and whether the two tools agree.
#     COHORT  new people over warm-up and horizon, as `cjmh run --cohort` (default 100000; or
#             env COHORT)
#     REPS    replications of each tool (default 10; or env REPS); at least 2
#
# Other environment: SEED (first seed, default 1), PYTHON (the interpreter that makes the venv,
# default python3).
#
# Creates benches/peers/.venv (pinned requirements.txt) if missing, builds cjmh with
# `cargo build --release`, runs the tools interleaved (run 1 of each, then run 2 of each, ...),
# and prints a Markdown report on stdout; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=report.sh
source "$here/report.sh"

MODE=mmc
case "${1:-}" in
    mmc | pathway)
        MODE="$1"
        shift
        ;;
esac

if [[ "$MODE" == pathway ]]; then
    COHORT="${1:-${COHORT:-100000}}"
    REPS="${2:-${REPS:-10}}"
    N_PY=1 N_RS=1 RUNS=1
else
    N_PY="${1:-${N_PY:-100000}}"
    N_RS="${2:-${N_RS:-10000000}}"
    RUNS="${3:-${RUNS:-3}}"
    COHORT=1 REPS=2
fi
SEED="${SEED:-1}"
PYTHON="${PYTHON:-python3}"

for v in N_PY N_RS RUNS SEED COHORT REPS; do
    if ! [[ "${!v}" =~ ^[1-9][0-9]*$ ]]; then
        echo "run.sh: $v must be a positive integer, got '${!v}'" >&2
        exit 2
    fi
done
if ((REPS < 2)); then
    echo "run.sh: REPS must be at least 2, so that the metrics have intervals" >&2
    exit 2
fi

say() { echo "run.sh: $*" >&2; }

# --- Python peers' environment -----------------------------------------------------------
venv="$here/.venv"
py="$venv/bin/python"
if [[ ! -x "$py" ]]; then
    say "creating $venv"
    "$PYTHON" -m venv "$venv"
fi
# Reinstall whenever requirements.txt differs from what was last installed into this venv.
if ! cmp -s "$here/requirements.txt" "$venv/requirements.installed"; then
    say "installing requirements.txt into the venv"
    "$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
    cp "$here/requirements.txt" "$venv/requirements.installed"
fi

# --- cjmh ----------------------------------------------------------------------------------
say "cargo build --release (in $root)"
(cd "$root" && cargo build --release) >&2
cjmh="$root/target/release/cjmh"

if [[ "$MODE" == pathway ]]; then
    exec "$here/pathway.sh" "$COHORT" "$REPS" "$SEED"
fi

# --- runs ----------------------------------------------------------------------------------
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
commands=()

# run NAME CMD...: runs CMD once (from the repo root), appends its JSON line to $out/NAME.jsonl.
run() {
    local name="$1"
    shift
    commands+=("$*")
    say "$*"
    (cd "$root" && "$@") >>"$out/$name.jsonl"
}

load_before="$(loadavg)"
started=$SECONDS
for ((r = 0; r < RUNS; r++)); do
    say "round $((r + 1)) of $RUNS"
    run cjmh target/release/cjmh bench --model mmc --cohort "$N_RS" --threads 1 --json
    # cjmh at the peers' size too, for the comparison at equal N (it takes milliseconds).
    run cjmh_small target/release/cjmh bench --model mmc --cohort "$N_PY" --threads 1 --json
    # The Python peers get a new seed each round, so their mean wait (averaged over the rounds)
    # rests on RUNS x N_PY customers; cjmh's bench has a fixed seed, so its rounds are identical.
    run simpy benches/peers/.venv/bin/python benches/peers/simpy_mmc.py "$N_PY" --seed $((SEED + r))
    run ciw benches/peers/.venv/bin/python benches/peers/ciw_mmc.py "$N_PY" --seed $((SEED + r))
done
elapsed=$((SECONDS - started))
load_after="$(loadavg)"

# --- report --------------------------------------------------------------------------------
report_header "cjmh vs SimPy vs Ciw: M/M/c (0.9 arrivals/day, 10 servers, mean service 10 days)" "$load_before" "$load_after" \
    "runs: $RUNS of each tool, interleaved; the fastest run's time counts; single core each"
"$py" - "$out" "$N_PY" "$N_RS" <<'PY'
import json, sys
from pathlib import Path

out, n_py, n_rs = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def load(name):
    rows = [json.loads(l) for l in (out / f"{name}.jsonl").read_text().splitlines() if l.strip()]
    for r in rows:
        r.setdefault("customers", r.get("cohort"))
    best = min(rows, key=lambda r: r["ns_per_person"])
    # Every run has the same N, so the plain mean of the runs' means is the mean over all customers.
    wait = sum(r["mean_wait_days"] for r in rows) / len(rows)
    return best, wait, len(rows)

cjmh, cjmh_wait, _ = load("cjmh")
small, small_wait, _ = load("cjmh_small")
rows = [
    ("cjmh", cjmh, cjmh_wait, None),
    ("cjmh", small, small_wait, None),
]
for name, label in (("simpy", "SimPy"), ("ciw", "Ciw")):
    best, wait, k = load(name)
    rows.append((f"{label} {best['version']}", best, wait, k))

print("| tool | customers | seconds | ns per person | mean wait (days) | cjmh faster by | at equal N |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for label, r, wait, k in rows:
    ns = r["ns_per_person"]
    if label == "cjmh":
        ratio = equal = "—"
    else:
        ratio = f"{ns / cjmh['ns_per_person']:,.0f}×"
        equal = f"{ns / small['ns_per_person']:,.0f}×"
    w = f"{wait:.3f}" + (f" ({k} seeds)" if k and k > 1 else "")
    print(f"| {label} | {r['customers']:,} | {r['seconds']:.3f} | {ns:,.1f} | {w} | {ratio} | {equal} |")
print()
print("Erlang C mean wait: 6.687 days (a finite run started empty gives a little less).")
print(f"'cjmh faster by' = the peer's ns per person / cjmh's at {n_rs:,} customers; "
      f"'at equal N' = / cjmh's at {n_py:,}.")
PY
echo
echo "Commands (from the repo root, after \`cargo build --release\`; ${elapsed} s of runs):"
echo
echo '```'
printf '%s\n' "${commands[@]}"
echo '```'
