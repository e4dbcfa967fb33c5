//! Cost per person of the M/M/c reference queue (`MmcParams::reference`: 0.9 arrivals a day,
//! 10 servers, 10-day service) on the full engine: calendar, simulation, resource, keyed streams.
//!
//! The tracked target is at most 200 ns per person for 10^7 people on one thread, measured with
//! `cjmh bench --model mmc --cohort 10000000 --threads 1`; this bench runs 10^5 people per
//! iteration so it finishes quickly. Run with `cargo bench --bench mmc`; throughput is in people.

use std::hint::black_box;
use std::time::Duration;

use cjmh::model::mmc::{MmcParams, run};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PEOPLE: u64 = 100_000;

fn mmc(c: &mut Criterion) {
    let mut group = c.benchmark_group("mmc");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(PEOPLE));
    group.bench_function("reference_100k_people", |b| {
        b.iter(|| run(black_box(MmcParams::reference(PEOPLE)), 1, 0));
    });
    group.finish();
}

criterion_group!(benches, mmc);
criterion_main!(benches);
