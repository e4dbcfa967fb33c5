#!/usr/bin/env bash
# Submits a cjmh sweep to Slurm: a job array with one shard per task, at most M running at once,
# and a merge job that runs once every task has succeeded (afterok). OUT then holds what one
# local `cjmh sweep SWEEP.toml --out OUT` writes.
#
#   cluster/slurm/submit.sh SWEEP.toml OUT [--shards N] [--max-running M] [--cpus-per-task C]
#                           [--only INDICES] [-- SBATCH_OPTION...]
#
#   --shards N         tasks in the array (default: what OUT was first submitted with, else 8)
#   --max-running M    array throttle, sbatch's %M (default 16)
#   --cpus-per-task C  threads per task (default 1); results do not depend on it
#   --only INDICES     resubmit only these array indices (sbatch syntax: 3 or 1,4 or 2-5), for
#                      tasks that failed or were killed; a new merge job replaces the old one
#   -- ...             passed to both sbatch calls (--partition, --account, --time, ...)
#
# The cjmh binary is $CJMH, else `cjmh` on PATH; it must be reachable from the compute nodes, as
# must SWEEP.toml, the scenarios it names and OUT (a shared filesystem).
# Layout: OUT/shards/INDEX/ (each task), OUT/slurm/logs/ (job output), OUT/slurm/shards (N),
# OUT/slurm/units (the sweep's units), OUT/slurm/jobs (the job ids submitted), and the merged
# outputs in OUT itself. cluster/slurm/status.sh OUT shows how far it has got.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

case "${1:-}" in -h | --help) usage 0 ;; esac
[ $# -ge 2 ] || usage
sweep=$1
out=$2
shift 2
shards=""
max_running=16
cpus=1
only=""
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
    --shards) shards=${2:?--shards needs a number}; shift 2 ;;
    --max-running) max_running=${2:?--max-running needs a number}; shift 2 ;;
    --cpus-per-task) cpus=${2:?--cpus-per-task needs a number}; shift 2 ;;
    --only) only=${2:?--only needs array indices}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) usage 0 ;;
    *) echo "error: unknown option $1" >&2; usage ;;
    esac
done
for value in "$max_running" "$cpus" ${shards:+"$shards"}; do
    [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "error: $value is not a positive whole number" >&2; exit 2; }
done

cjmh=${CJMH:-cjmh}
cjmh=$(command -v "$cjmh") || { echo "error: no cjmh binary: put it on PATH or set CJMH" >&2; exit 1; }
[ -f "$sweep" ] || { echo "error: $sweep: no such sweep file" >&2; exit 1; }
sweep=$(cd "$(dirname "$sweep")" && pwd)/$(basename "$sweep")
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/slurm/logs"
out=$(cd "$out" && pwd)

# The shard count is fixed once chosen: a different N would give every index other units.
recorded=""
[ -f "$out/slurm/shards" ] && recorded=$(cat "$out/slurm/shards")
if [ -n "$recorded" ] && [ -n "$shards" ] && [ "$shards" != "$recorded" ]; then
    echo "error: $out was submitted with --shards $recorded; resubmit with the same count (or use another OUT)" >&2
    exit 2
fi
shards=${shards:-${recorded:-8}}

# Check the sweep here, before anything waits in the queue: a bad file fails now, not N times.
plan=$("$cjmh" sweep "$sweep" --dry-run --shards "$shards") || exit 2
echo "$plan" | head -1
# Shards of an earlier submission must be of this very sweep, or every task would be refused.
hash=$(echo "$plan" | sed -n 's/^sweep hash: //p')
for info in "$out"/shards/*/sweep.json; do
    [ -f "$info" ] || continue
    grep -q "\"hash\": \"$hash\"" "$info" || {
        echo "error: $(dirname "$info") holds another sweep (has $sweep changed since it was first submitted?): choose another OUT" >&2
        exit 2
    }
done
echo "$shards" >"$out/slurm/shards"
echo "$plan" | sed -n 's/.* = \([0-9]*\) units.*/\1/p' >"$out/slurm/units"

array=${only:-0-$((shards - 1))}
submit() {
    local id
    id=$(sbatch --parsable --export=ALL,CJMH="$cjmh" "${extra[@]}" "$@") || exit 1
    echo "${id%%;*}"
}

# Tasks of earlier submissions still queued or running must end before a new merge starts.
after_previous=""
merge_previous=""
if [ -f "$out/slurm/jobs" ]; then
    while read -r kind id; do
        squeue --noheader --jobs="$id" --format=%i 2>/dev/null | grep -q . || continue
        case "$kind" in
        array) after_previous+=",afterany:$id" ;;
        merge) merge_previous+=" $id" ;;
        esac
    done <"$out/slurm/jobs"
fi

array_job=$(submit --array="$array%$max_running" --cpus-per-task="$cpus" \
    --output="$out/slurm/logs/sweep-%A_%a.out" \
    "$here/sweep.sbatch" "$sweep" "$out" "$shards")
echo "array $array_job" >>"$out/slurm/jobs"
# A merge left waiting on a failed array can never run; this one replaces it.
for id in $merge_previous; do
    scancel "$id" && echo "cancelled the earlier merge job $id"
done
merge_job=$(submit --dependency="afterok:$array_job$after_previous" \
    --output="$out/slurm/logs/merge-%j.out" \
    "$here/merge.sbatch" "$out" "$shards")
echo "merge $merge_job" >>"$out/slurm/jobs"

cat <<EOF
submitted array job $array_job (indices $array of $shards shards, at most $max_running at once) and merge job $merge_job
watch:     $here/status.sh $out   (or squeue --jobs=$array_job,$merge_job)
logs:      $out/slurm/logs/
done when: $out/summary.csv exists (the merge job's log says what it wrote)
if a task fails, the merge job waits for ever (reason Dependency); see which shards are missing with
           $cjmh merge $out/shards/* --out $out --shards $shards
and resubmit them alone:
           $0 $sweep $out --only INDICES
EOF
