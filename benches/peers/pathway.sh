#!/usr/bin/env bash
# The pathway section of run.sh: `benches/peers/run.sh pathway [COHORT [REPS]]` makes the venv,
# builds cjmh and then runs this. Not meant to be run alone (it expects both to be ready).
#
# Usage: pathway.sh COHORT REPS SEED
#
# Runs, interleaved, REPS times: cjmh's bench of the reduced pathway at COHORT (timing, one
# thread) and pathway_simpy.py at COHORT with seed SEED + r (timing and metrics); then
# `cjmh run` of the reduced pathway at COHORT with REPS replications (metrics, one thread).
# Prints the Markdown report on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=report.sh
source "$here/report.sh"
COHORT="$1"
REPS="$2"
SEED="$3"
py="$here/.venv/bin/python"
scenario=scenarios/reduced-pathway.toml

say() { echo "run.sh pathway: $*" >&2; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
commands=()
run() {
    local name="$1"
    shift
    commands+=("$*")
    say "$*"
    (cd "$root" && "$@") >>"$out/$name.jsonl"
}

# The parameters both tools read: cjmh's own merge of the scenario, read once.
(cd "$root" && target/release/cjmh show --json "$scenario") >"$out/params.json"

load_before="$(loadavg)"
started=$SECONDS
for ((r = 0; r < REPS; r++)); do
    say "round $((r + 1)) of $REPS"
    run cjmh_bench target/release/cjmh bench --model pathway --scenario "$scenario" \
        --cohort "$COHORT" --threads 1 --json
    run simpy benches/peers/.venv/bin/python benches/peers/pathway_simpy.py "$COHORT" --seed $((SEED + r)) \
        --params "$out/params.json"
done
# cjmh's metrics: REPS replications (independent streams), on one thread as the peer runs.
commands+=("target/release/cjmh run $scenario --cohort $COHORT -r $REPS --seed $SEED --threads 1 --quiet --out OUT")
say "${commands[-1]}"
cjmh_start=$(date +%s.%N)
(cd "$root" && target/release/cjmh run "$scenario" --cohort "$COHORT" -r "$REPS" --seed "$SEED" \
    --threads 1 --quiet --out "$out/cjmh-run")
cjmh_end=$(date +%s.%N)
elapsed=$((SECONDS - started))
load_after="$(loadavg)"

report_header "cjmh vs SimPy: the reduced pathway ($scenario)" "$load_before" "$load_after" \
    "cohort $COHORT new people over warm-up and horizon; $REPS replications of each tool; one core each"
"$py" - "$out" "$cjmh_start" "$cjmh_end" <<'PY'
import csv, json, math, statistics, sys
from pathlib import Path

out = Path(sys.argv[1])
cjmh_wall = float(sys.argv[3]) - float(sys.argv[2])

def rows(name):
    return [json.loads(l) for l in (out / f"{name}.jsonl").read_text().splitlines() if l.strip()]

bench, simpy = rows("cjmh_bench"), rows("simpy")
cjmh = {}
with open(out / "cjmh-run" / "summary.csv", newline="") as f:
    for r in csv.DictReader(f):
        # An empty value is a metric with nothing to measure (a mean of no waits).
        v = float(r["value"]) if r["value"] else math.nan
        cjmh.setdefault(r["metric"], {})[int(r["replication"])] = v

# Two-sided 95% quantiles of Student's t by degrees of freedom; a fractional df (Welch) takes
# the next lower whole df, which widens the interval a little.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
        17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064,
        25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000,
        120: 1.980}

def t975(df):
    df = max(1, int(math.floor(df)))
    return T975[max(k for k in T975 if k <= df)] if df <= 120 else 1.960

def interval(xs):
    m, s = statistics.fmean(xs), statistics.stdev(xs)
    return m, t975(len(xs) - 1) * s / math.sqrt(len(xs)), s

def welch(a, b):
    """Difference of means a - b with its 95% half-width (Welch)."""
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return statistics.fmean(a) - statistics.fmean(b), 0.0
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return statistics.fmean(a) - statistics.fmean(b), t975(df) * se

def fmt(x):
    return f"{x:,.1f}" if abs(x) >= 100 else f"{x:,.2f}"

# --- speed ---------------------------------------------------------------------------------
people_cjmh = sum(cjmh["people_entered"].values())
fast_b = min(bench, key=lambda r: r["ns_per_person"])
fast_s = min(simpy, key=lambda r: r["ns_per_person"])
med_b = statistics.median(r["ns_per_person"] for r in bench)
med_s = statistics.median(r["ns_per_person"] for r in simpy)
print("## Speed (one core each)")
print()
print("| tool | people per run | ns per person, fastest | median | runs | SimPy / cjmh (fastest) | (median) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
print(f"| cjmh (`bench`) | {fast_b['cohort']:,} | {fast_b['ns_per_person']:,.0f} | {med_b:,.0f} | {len(bench)} | — | — |")
print(f"| SimPy {fast_s['version']} | {fast_s['people']:,} | {fast_s['ns_per_person']:,.0f} | {med_s:,.0f} | {len(simpy)} | "
      f"{fast_s['ns_per_person'] / fast_b['ns_per_person']:,.0f}× | {med_s / med_b:,.0f}× |")
print()
print(f"cjmh `bench` times its event loop only (seed 1, replication 0; the same run each time); "
      f"SimPy's time is `env.run()` only. Both exclude start-up and reading the scenario. For "
      f"reference, the whole `cjmh run` of {len(cjmh['people_entered'])} replications (start-up, "
      f"{len(cjmh['people_entered'])} runs, summary and manifest written) took {cjmh_wall:.2f} s "
      f"of wall time: {cjmh_wall * 1e9 / people_cjmh:,.0f} ns per person.")
print()

# --- agreement -----------------------------------------------------------------------------
metrics = [
    ("prison_population_mean", "prison population (mean over the window)"),
    ("transfers_per_year", "transfers a year"),
    ("transfer_wait_from_referral_days_mean", "mean transfer wait from referral (days)"),
    ("receptions_per_year", "receptions a year (diagnostic)"),
    ("custodial_sentences", "custodial sentences in the window (diagnostic)"),
    ("inreach_referrals", "psychosis found at reception screening (diagnostic)"),
    ("transfer_referrals", "transfer referrals in the window (diagnostic)"),
    ("released_before_transfer", "released before transfer (diagnostic)"),
]
print("## Headline metrics: mean and 95% interval over replications")
print()
print("| metric | cjmh | SimPy | difference (cjmh − SimPy) | agree? |")
print("| --- | ---: | ---: | ---: | :---: |")
disagree = []
for key, label in metrics:
    a = [cjmh[key][r] for r in sorted(cjmh[key])]
    b = [r[key] for r in simpy]
    a = [x for x in a if not math.isnan(x)]
    b = [x for x in b if not math.isnan(x)]
    (ma, ha, _), (mb, hb, _) = interval(a), interval(b)
    d, hd = welch(a, b)
    ok = abs(d) <= hd
    if not ok and "diagnostic" not in label:
        disagree.append(label)
    print(f"| {label} | {fmt(ma)} ± {fmt(ha)} | {fmt(mb)} ± {fmt(hb)} | {fmt(d)} ± {fmt(hd)} | "
          f"{'yes' if ok else '**no**'} |")
print()
print("Each interval is the mean over the replications ± Student's t × the standard error (n − 1 "
      "degrees of freedom). **Agree** means that the 95% interval of the difference of the means "
      "(Welch, unequal variances) contains 0. At 95% each metric that truly agrees still shows "
      "'no' one time in twenty, so one 'no' among the three headline metrics in a run happens "
      "about one run in seven by chance: run again with another SEED, or more REPS, before "
      "reading it as a difference between the models.")
print()
print("Headline metrics: " + ("all three agree." if not disagree else
                              "**" + ", ".join(disagree) + " disagree.**"))
PY
echo
echo "Commands (from the repo root, after \`cargo build --release\`; ${elapsed} s of runs; OUT a temporary directory):"
echo
echo '```'
printf '%s\n' "${commands[@]}"
echo '```'
