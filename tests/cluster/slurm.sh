#!/usr/bin/env bash
# Integration test: a cjmh sweep on a real Slurm cluster (one node, on this machine) gives exactly
# the bytes one local run writes, also after a failed and a killed array task are resubmitted
# alone.
#
#   bash tests/cluster/slurm.sh [CJMH_BINARY]     (default target/release/cjmh)
#
# Installs Debian's slurmctld, slurmd, slurm-client and munge when they are missing (needs root),
# starts the daemons with cluster/slurm/single-node.sh, submits with cluster/slurm/submit.sh, and
# stops the daemons it started by their process ids, pass or fail. Exit status: 0 passed, 1
# failed, 77 skipped (Slurm absent and not installable here); .ci/run reports a skip as a skip.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cjmh=$(cd "$(dirname "${1:-$root/target/release/cjmh}")" && pwd)/$(basename "${1:-cjmh}")
deadline_seconds=${CJMH_SLURM_TIMEOUT:-300}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
ok() {
    echo "ok - $*"
}

[ -x "$cjmh" ] || fail "no cjmh binary at $cjmh: build it first (cargo build --release)"

missing=()
for tool in slurmctld slurmd sbatch munged; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "SKIPPED: the Slurm cluster test needs ${missing[*]}, and installing Debian's slurmctld, slurmd, slurm-client and munge needs root and apt-get (running as $(id -un))"
        exit 77
    fi
    echo "installing Debian's slurmctld slurmd slurm-client munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED: slurmd must run as root to start jobs, and this is $(id -un)"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cjmh-slurm.XXXXXX")
cluster=$tmp/cluster
started=0
finish() {
    local status=$?
    if [ "$started" = 1 ]; then
        bash "$root/cluster/slurm/single-node.sh" stop "$cluster" || status=1
    fi
    if [ "$status" = 0 ]; then
        rm -rf "$tmp"
    else
        echo "kept $tmp for inspection (logs under cluster/log/ and */slurm/logs/)" >&2
    fi
    exit "$status"
}
trap finish EXIT

# A small sweep: 4 points x 3 replications = 12 units, in 4 shards of 3.
cat >"$tmp/base.toml" <<EOF
extends = "$root/scenarios/baseline.toml"
[simulation]
warmup_days = 730
horizon_days = 730
[people]
new_people_per_day = { value = 10, source = "test" }
EOF
cat >"$tmp/sweep.toml" <<EOF
name = "slurm-test"
base = "base.toml"
design = "grid"
replications = 3
seed = 5
[parameters]
"transfer.beds.medium" = [8, 20]
"liaison_diversion.coverage" = [0.5, 1.0]
EOF
cd "$tmp"
"$cjmh" sweep sweep.toml --out local --quiet
ok "local run of the sweep"

# Ports of its own, so the test runs beside any other one-node cluster on this machine.
export CJMH_SLURMCTLD_PORT=$((20000 + RANDOM % 20000))
export CJMH_SLURMD_PORT=$((CJMH_SLURMCTLD_PORT + 1))
bash "$root/cluster/slurm/single-node.sh" start "$cluster"
started=1
export SLURM_CONF=$cluster/slurm.conf CJMH=$cjmh

job_of() { awk -v k="$2" '$1 == k { id = $2 } END { print id }' "$1/slurm/jobs"; }
state_of() { scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }
reason_of() { scontrol show job "$1" | grep -o 'Reason=[A-Za-z_]*' | head -1 | cut -d= -f2; }
# Waits, up to the deadline, until none of the jobs is queued or running.
wait_for() {
    local end=$((SECONDS + deadline_seconds)) ids=$1
    while squeue --noheader --jobs="$ids" --states=RUNNING,PENDING,CONFIGURING,COMPLETING --format=%i 2>/dev/null | grep -q .; do
        [ $SECONDS -lt $end ] || { squeue; fail "jobs $ids still queued after $deadline_seconds s"; }
        sleep 0.5
    done
}
same_as_local() {
    local dir=$1 f
    for f in summary.csv points.csv sweep.json; do
        cmp "local/$f" "$dir/$f" || fail "$dir/$f differs from the local run's"
    done
    diff -r local/units "$dir/units" >/dev/null || fail "$dir/units differs from the local run's"
}

# 1. The whole array (throttled to 2 at once) and the merge job.
bash "$root/cluster/slurm/submit.sh" sweep.toml whole --shards 4 --max-running 2 >/dev/null
array=$(job_of whole array)
merge=$(job_of whole merge)
# The array first: a failed task would leave the merge job waiting until the deadline.
wait_for "$array"
for i in 0 1 2 3; do
    [ "$(state_of "${array}_$i")" = COMPLETED ] || fail "task $i ended $(state_of "${array}_$i")"
done
wait_for "$merge"
[ "$(state_of "$merge")" = COMPLETED ] || fail "merge job $merge ended $(state_of "$merge")"
ok "an array of 4 tasks (at most 2 at once) and an afterok merge job completed"
same_as_local whole
ok "summary.csv, points.csv, sweep.json and units/ are byte-identical to the local run"

# 2. One task fails (its output directory is a file), one is killed before it runs, and one left
#    a partial shard behind as a task killed part-way does: saved units, no manifest.
mkdir -p broken/shards
: >broken/shards/1
"$cjmh" sweep sweep.toml --out broken/shards/2 --shard 3/4 --quiet
rm broken/shards/2/manifest.json broken/shards/2/units/p00002-r00000.csv
bash "$root/cluster/slurm/submit.sh" sweep.toml broken --shards 4 --max-running 1 >/dev/null
array=$(job_of broken array)
first_merge=$(job_of broken merge)
scancel "${array}_3"
wait_for "$array"
[ "$(state_of "${array}_1")" = FAILED ] || fail "task 1 ended $(state_of "${array}_1"), not FAILED"
[ "$(state_of "$first_merge")" = PENDING ] || fail "merge job $first_merge is $(state_of "$first_merge") with tasks failed"
ok "with task 1 failed and task 3 cancelled, the merge job waits ($(reason_of "$first_merge"))"
[ -f broken/shards/2/units/p00002-r00000.csv ] || fail "task 2 did not finish its partial shard"
set +e
names=$("$cjmh" merge broken/shards/0 broken/shards/2 --out broken --shards 4 2>&1)
status=$?
set -e
[ "$status" = 1 ] || fail "merge of an incomplete sweep exited $status"
grep -q 'array indices of --shards 4): 1,3$' <<<"$names" || fail "merge did not name shards 1 and 3: $names"
[ ! -e broken/summary.csv ] || fail "an incomplete merge wrote summary.csv"
ok "cjmh merge names the shards to resubmit (1,3) and writes no summary"
set +e
status_text=$(bash "$root/cluster/slurm/status.sh" broken)
status=$?
set -e
[ "$status" = 1 ] || fail "status.sh exited $status on an unmerged sweep"
grep -q '^unfinished shards (array indices): 1,3$' <<<"$status_text" || fail "status.sh: $status_text"
grep -q '^units saved: 6 of 12$' <<<"$status_text" || fail "status.sh: $status_text"
grep -q -- '--only 1,3$' <<<"$status_text" || fail "status.sh did not say what to resubmit: $status_text"
ok "status.sh counts 6 of 12 units saved and names shards 1 and 3"
set +e
status_text=$(SLURM_CONF=/nonexistent/slurm.conf bash "$root/cluster/slurm/status.sh" broken 2>&1)
set -e
grep -q 'job states unknown' <<<"$status_text" || fail "status.sh without Slurm: $status_text"
! grep -q -- '--only' <<<"$status_text" || fail "status.sh suggested resubmitting without knowing the jobs: $status_text"
ok "status.sh without a reachable Slurm says the job states are unknown and suggests nothing"
damaged=$(find broken/shards/0/units -name 'p*-r*.csv' | sort | head -1)
cp "$damaged" damaged.bak
head -n 2 damaged.bak >"$damaged"
set +e
status_text=$(SLURM_CONF=/nonexistent/slurm.conf bash "$root/cluster/slurm/status.sh" broken 2>&1)
set -e
mv damaged.bak "$damaged"
grep -q '^units saved: 5 of 12$' <<<"$status_text" || fail "status.sh counted a unit cut short: $status_text"
grep -q '^unfinished shards (array indices): 0,1,3$' <<<"$status_text" || fail "status.sh: $status_text"
ok "status.sh does not count a unit cut short (its checksum fails) as saved"

rm broken/shards/1
bash "$root/cluster/slurm/submit.sh" sweep.toml broken --only 1,3 >/dev/null
again=$(job_of broken array)
merge=$(job_of broken merge)
[ "$again" != "$array" ] || fail "no new array job was recorded"
wait_for "$again"
for i in 1 3; do
    [ "$(state_of "${again}_$i")" = COMPLETED ] || fail "resubmitted task $i ended $(state_of "${again}_$i")"
done
wait_for "$merge"
[ "$(state_of "$first_merge")" = CANCELLED ] || fail "the stale merge job $first_merge is $(state_of "$first_merge")"
[ "$(state_of "$merge")" = COMPLETED ] || fail "merge job $merge ended $(state_of "$merge")"
# A task resubmitted alone is an array of one: it must still run its own shard, not the sweep.
for i in 1 3; do
    ran=$(find "broken/shards/$i/units" -name '*.csv' | wc -l)
    [ "$ran" = 3 ] || fail "resubmitted task $i ran $ran units, not its shard's 3"
done
ok "tasks 1 and 3 resubmitted alone ran their own shards; the stale merge job was cancelled and the new one completed"
same_as_local broken
ok "after the resubmission the merged outputs are byte-identical to the local run"
bash "$root/cluster/slurm/status.sh" broken | grep -q '^merged: ' || fail "status.sh does not see the merge"

# 3. A sweep file changed since its first submission is refused before anything is queued.
sed -i 's/^seed = 5$/seed = 6/' sweep.toml
jobs_before=$(wc -l <broken/slurm/jobs)
set +e
refused=$(bash "$root/cluster/slurm/submit.sh" sweep.toml broken --only 0 2>&1)
status=$?
set -e
[ "$status" = 2 ] || fail "submit.sh with a changed sweep file exited $status: $refused"
grep -q 'holds another sweep' <<<"$refused" || fail "submit.sh did not say why: $refused"
[ "$(wc -l <broken/slurm/jobs)" = "$jobs_before" ] || fail "submit.sh queued jobs for a changed sweep"
ok "a changed sweep file is refused before anything is queued"

echo "PASSED: cjmh sweeps on Slurm $(sinfo --version | cut -d' ' -f2), one node"
