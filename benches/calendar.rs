//! The event calendar under the classic hold model: keep `N` events pending, pop the earliest and
//! schedule one replacement at a random later time, so the calendar stays at size `N`.
//!
//! Run with `cargo bench --bench calendar`. Throughput is in events (one pop plus one schedule).

use std::hint::black_box;
use std::time::Duration;

use cjmh::engine::{Calendar, Purpose, Stream, Streams, TICKS_PER_DAY, Tick};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;

/// Hold operations per benchmark iteration.
const HOLDS: u64 = 1024;

/// Replacement events fall uniformly within this many ticks after the popped one.
const SPAN: Tick = 30 * TICKS_PER_DAY;

fn rng() -> Stream {
    Streams::new(1, 0).system(Purpose::new(0, 0))
}

fn filled(n: usize, rng: &mut Stream) -> Calendar<u64> {
    let mut cal = Calendar::with_capacity(n + 1);
    for i in 0..n as u64 {
        cal.schedule(rng.next_u64() % SPAN, i);
    }
    cal
}

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("calendar_hold");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(HOLDS));
    for n in [16usize, 1024, 65536] {
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            let mut rng = rng();
            let mut cal = filled(n, &mut rng);
            b.iter(|| {
                for _ in 0..HOLDS {
                    let (t, e) = cal.pop().expect("the calendar holds N events");
                    cal.schedule(t + 1 + rng.next_u64() % SPAN, black_box(e));
                }
            });
            assert_eq!(cal.len(), n);
        });
    }
    group.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
