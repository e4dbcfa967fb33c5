#!/usr/bin/env python3
"""The M/M/c reference queue in SimPy, for comparison with `cjmh bench --model mmc`.

Poisson arrivals at 0.9 a day, 10 servers, exponential service with mean 10 days
(utilisation 0.9), first come first served, starting empty, no warm-up. Exactly N
customers arrive; the run ends when the last of them has been served. Prints one JSON
line with the wall time of `env.run()` only (imports and set-up excluded) and the mean
wait in queue over all N customers (Erlang C: 6.687 days; a finite run from empty gives
a little less).

Usage: python simpy_mmc.py N [--seed S]
"""

import argparse
import json
import random
import time

import simpy

ARRIVAL_RATE = 0.9  # per day
SERVERS = 10
MEAN_SERVICE = 10.0  # days


def customer(env, servers, waits):
    arrived = env.now
    with servers.request() as req:
        yield req
        waits.append(env.now - arrived)
        yield env.timeout(random.expovariate(1.0 / MEAN_SERVICE))


def source(env, n, servers, waits):
    # The first customer arrives at time 0, as in cjmh; N - 1 exponential gaps follow.
    for i in range(n):
        env.process(customer(env, servers, waits))
        if i + 1 < n:
            yield env.timeout(random.expovariate(ARRIVAL_RATE))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="customers (arrivals)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.n < 1:
        ap.error("N must be at least 1")

    random.seed(args.seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    waits = []
    env.process(source(env, args.n, servers, waits))

    start = time.perf_counter()
    env.run()  # until no events are left: every customer has been served
    seconds = time.perf_counter() - start

    assert len(waits) == args.n, (len(waits), args.n)
    print(json.dumps({
        "tool": "simpy",
        "version": simpy.__version__,
        "customers": args.n,
        "seconds": seconds,
        "ns_per_person": seconds * 1e9 / args.n,
        "mean_wait_days": sum(waits) / args.n,
        "end_days": env.now,
    }))


if __name__ == "__main__":
    main()
