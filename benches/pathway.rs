//! One replication of the national pathway baseline, scaled to 10^4, 10^5 and 10^6 new people
//! (arrivals and capacities together, as `cjmh run --cohort`). Throughput is in people; events
//! per second are printed by `cjmh bench --model pathway`. Run with `cargo bench --bench pathway`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use cjmh::model::{self, recorder::NullRecorder};
#[global_allocator]
static ALLOCATOR: cjmh::alloc::HugePages = cjmh::alloc::HugePages;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn pathway(c: &mut Criterion) {
    let baseline = cjmh::scenario::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    )))
    .expect("the baseline loads");
    let mut group = c.benchmark_group("pathway");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for people in [10_000u64, 100_000, 1_000_000] {
        let s = baseline.scaled(people as f64 / baseline.expected_people());
        group.throughput(Throughput::Elements(people));
        group.bench_with_input(BenchmarkId::new("replication", people), &s, |b, s| {
            b.iter(|| model::run(black_box(s), 1, 0, NullRecorder).0.events);
        });
    }
    group.finish();
}

criterion_group!(benches, pathway);
criterion_main!(benches);
