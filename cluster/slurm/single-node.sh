#!/usr/bin/env bash
# A throw-away one-machine Slurm cluster, for trying cluster/slurm/ on a laptop and for the CI
# test (tests/cluster/slurm.sh). Everything lives in one directory: configuration, state, logs,
# a private MUNGE key and socket, and the daemons' process ids. Nothing under /etc is touched,
# so it runs beside (not instead of) a machine's own Slurm or MUNGE.
#
#   cluster/slurm/single-node.sh start DIR   # starts munged, slurmctld, slurmd; waits for the node
#   export SLURM_CONF=DIR/slurm.conf          # then sbatch, squeue, ... talk to it
#   cluster/slurm/single-node.sh stop DIR    # stops exactly the daemons it started
#
# Ports 6917 (slurmctld) and 6918 (slurmd) unless CJMH_SLURMCTLD_PORT and CJMH_SLURMD_PORT say
# otherwise; it refuses to start on a port already in use.
#
# Needs Debian's (or any) slurmctld, slurmd, slurm-client and munge, and root: slurmd starts jobs
# as the submitting user. The configuration is the minimum that runs batch and array jobs with no
# systemd, cgroups or database: proctrack/linuxproc, task/none, no accounting.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

stop_pid_file() {
    local file=$1 name=$2
    [ -f "$file" ] || return 0
    local pid
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "$name (pid $pid) did not stop in 5 s; killing it" >&2
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$file"
}

case "$action" in
start)
    for tool in munged slurmctld slurmd sbatch sinfo; do
        command -v "$tool" >/dev/null || {
            echo "error: $tool not found: install slurmctld, slurmd, slurm-client and munge" >&2
            exit 1
        }
    done
    ctld_port=${CJMH_SLURMCTLD_PORT:-6917}
    slurmd_port=${CJMH_SLURMD_PORT:-6918}
    # A second cluster on the same ports would fail to start, or its commands would reach the
    # first one's daemons.
    for port in "$ctld_port" "$slurmd_port"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "error: port $port is in use (another cluster?): set CJMH_SLURMCTLD_PORT and CJMH_SLURMD_PORT" >&2
            exit 1
        fi
    done
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
    host=$(hostname -s)
    cpus=$(nproc)
    # The node must not claim more memory than it has, or slurmd marks it invalid.
    memory=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
    # A private key and socket; munged refuses keys and directories others can read.
    chmod 700 "$dir/munge"
    if [ ! -f "$dir/munge/munge.key" ]; then
        head -c 1024 /dev/urandom >"$dir/munge/munge.key"
        chmod 400 "$dir/munge/munge.key"
    fi
    cat >"$dir/slurm.conf" <<EOF
# Written by cluster/slurm/single-node.sh: one node, no accounting, no cgroups.
ClusterName=cjmh-single-node
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Finished jobs stay visible to scontrol for an hour (the default is 300 s), so their states can
# be read after the fact. No kill_invalid_depend: as on most clusters, a merge job whose array
# failed stays pending rather than being cancelled.
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munged.seed"
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF"
    # The node is usable once slurmctld has heard from slurmd.
    for _ in $(seq 1 60); do
        state=$(sinfo --noheader --nodes="$host" --format=%T 2>/dev/null || true)
        case "$state" in
        idle*)
            echo "single-node Slurm cluster up in $dir (node $host, $cpus CPUs); export SLURM_CONF=$SLURM_CONF"
            exit 0
            ;;
        esac
        sleep 0.5
    done
    echo "error: the node did not become idle in 30 s (state: ${state:-none}); see $dir/log/" >&2
    exit 1
    ;;
stop)
    # Jobs first, so no job's processes outlive the daemons that would clean them up.
    if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
        jobs=$(SLURM_CONF="$dir/slurm.conf" squeue --noheader --format=%A 2>/dev/null | sort -u | tr '\n' ' ')
        if [ -n "${jobs// /}" ]; then
            # shellcheck disable=SC2086
            SLURM_CONF="$dir/slurm.conf" scancel $jobs 2>/dev/null || true
            for _ in $(seq 1 20); do
                SLURM_CONF="$dir/slurm.conf" squeue --noheader 2>/dev/null | grep -q . || break
                sleep 0.5
            done
        fi
    fi
    stop_pid_file "$dir/slurmd.pid" slurmd
    stop_pid_file "$dir/slurmctld.pid" slurmctld
    stop_pid_file "$dir/munged.pid" munged
    echo "stopped the single-node Slurm cluster in $dir"
    ;;
*)
    usage
    ;;
esac
