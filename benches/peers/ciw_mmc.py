#!/usr/bin/env python3
"""The M/M/c reference queue in Ciw, for comparison with `cjmh bench --model mmc`.

Poisson arrivals at 0.9 a day, 10 servers, exponential service with mean 10 days
(utilisation 0.9), first come first served, starting empty, no warm-up. Exactly N
customers arrive (the inter-arrival distribution is capped: after N samples it returns
infinity, so no (N+1)th customer is ever generated), and the run ends when all N have
completed service (`simulate_until_max_customers(N, method="Complete")`). Prints one
JSON line with the wall time of building the simulation and running it (imports and the
read-out of the records afterwards excluded) and the mean wait in queue over all N
customers (Erlang C: 6.687 days; a finite run from empty gives a little less).

Usage: python ciw_mmc.py N [--seed S]
"""

import argparse
import json
import time

import ciw

ARRIVAL_RATE = 0.9  # per day
SERVERS = 10
SERVICE_RATE = 0.1  # per day: mean 10 days


class CappedExponential(ciw.dists.Exponential):
    """Ciw's Exponential for the first `n` samples, then infinity (no more arrivals).

    Ciw samples the first arrival's time at start-up and the next inter-arrival time at
    each arrival, so `n` finite samples give exactly `n` customers.
    """

    def __init__(self, rate, n):
        super().__init__(rate)
        self.left = n

    def sample(self, t=None, ind=None):
        if self.left > 0:
            self.left -= 1
            return super().sample(t, ind)
        return float("inf")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="customers (arrivals)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.n < 1:
        ap.error("N must be at least 1")

    ciw.seed(args.seed)
    start = time.perf_counter()
    network = ciw.create_network(
        arrival_distributions=[CappedExponential(ARRIVAL_RATE, args.n)],
        service_distributions=[ciw.dists.Exponential(SERVICE_RATE)],
        number_of_servers=[SERVERS],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(args.n, method="Complete")
    seconds = time.perf_counter() - start

    records = sim.get_all_records()
    assert len(records) == args.n, (len(records), args.n)
    print(json.dumps({
        "tool": "ciw",
        "version": ciw.__version__,
        "customers": args.n,
        "seconds": seconds,
        "ns_per_person": seconds * 1e9 / args.n,
        "mean_wait_days": sum(r.waiting_time for r in records) / args.n,
        "end_days": max(r.exit_date for r in records),
    }))


if __name__ == "__main__":
    main()
