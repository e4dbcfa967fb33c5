#!/usr/bin/env bash
# How far a sweep submitted with submit.sh has got: units saved by each shard against the units
# it must run, the jobs still queued or running, and whether the merged outputs exist.
#
#   cluster/slurm/status.sh OUT        (watch -n 30 cluster/slurm/status.sh OUT, to follow it)
#
# Exit status: 0 when OUT/summary.csv exists (merged), 1 while shards are unfinished or the merge
# has not run, 2 on bad usage.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$1
if [ ! -f "$out/slurm/shards" ] || [ ! -f "$out/slurm/units" ]; then
    echo "error: $out was not submitted with cluster/slurm/submit.sh (no $out/slurm/shards)" >&2
    exit 2
fi
shards=$(cat "$out/slurm/shards")
units=$(cat "$out/slurm/units")

# A unit counts as saved only when its last line, `# sha256 DIGEST`, is the SHA-256 of every line
# above it (what `cjmh sweep --resume` and `merge` check): a unit cut short by a killed job, or
# edited, is not saved and its shard is still unfinished.
unit_is_whole() {
    local last digest
    last=$(tail -n 1 "$1") || return 1
    [[ $last == "# sha256 "* ]] || return 1
    digest=$(head -n -1 "$1" | sha256sum | cut -d' ' -f1)
    [ "$last" = "# sha256 $digest" ]
}

saved_total=0
unfinished=()
printf '%-6s %8s %8s\n' shard saved of
for ((i = 0; i < shards; i++)); do
    # Shard index i runs the units numbered i, i+N, ... from 0: ceil((U - i) / N) of them.
    expected=$(((units - i + shards - 1) / shards))
    saved=0
    if [ -d "$out/shards/$i/units" ]; then
        while IFS= read -r -d '' unit; do
            unit_is_whole "$unit" && saved=$((saved + 1))
        done < <(find "$out/shards/$i/units" -maxdepth 1 -name 'p*-r*.csv' -print0)
    fi
    saved_total=$((saved_total + saved))
    [ "$saved" -ge "$expected" ] || unfinished+=("$i")
    printf '%-6s %8s %8s\n' "$i" "$saved" "$expected"
done
echo "units saved: $saved_total of $units"
if [ ${#unfinished[@]} -gt 0 ]; then
    echo "unfinished shards (array indices): $(IFS=,; echo "${unfinished[*]}")"
fi

# Without a working squeue the jobs' states are unknown: say so rather than guess "none".
slurm_known=0
if ! command -v squeue >/dev/null; then
    echo "squeue not found: job states unknown (run this where Slurm's commands work)"
elif ! squeue_error=$(squeue --me --noheader --format=%i 2>&1 >/dev/null); then
    echo "squeue failed, job states unknown: $(head -1 <<<"$squeue_error")"
elif [ -f "$out/slurm/jobs" ]; then
    slurm_known=1
    # One job at a time: squeue refuses the whole list if one id has left slurmctld's memory.
    # Each line is prefixed with its kind (array or merge) from the jobs file.
    listing=$(while read -r kind id; do
        squeue --noheader --jobs="$id" --format='%.18i %.9P %.12j %.2t %.10M %R' 2>/dev/null |
            sed "s/^/$kind /" || true
    done <"$out/slurm/jobs")
    queued=$(cut -d' ' -f2- <<<"$listing")
    # A merge job can wait for ever on a failed array; only array tasks are progress.
    tasks_active=$(grep '^array ' <<<"$listing" || true)
    if [ -n "$queued" ]; then
        echo "queued or running:"
        echo "$queued"
    else
        echo "no job of this sweep is queued or running"
    fi
fi

if [ -f "$out/summary.csv" ]; then
    echo "merged: $out/summary.csv"
    exit 0
fi
echo "not merged yet"
if [ ${#unfinished[@]} -gt 0 ] && [ "$slurm_known" = 1 ] && [ -z "${tasks_active:-}" ]; then
    echo "no task of the array is queued or running: resubmit the unfinished shards with"
    echo "    $(dirname "$0")/submit.sh SWEEP.toml $out --only $(IFS=,; echo "${unfinished[*]}")"
fi
exit 1
