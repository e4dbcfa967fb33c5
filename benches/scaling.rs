//! Thread scaling: one replication of the national pathway baseline at 10^6 new people, split
//! into 4 independent catchments (as `cjmh run --catchments 4`), on 1, 2 and 4 threads (as many
//! as the machine has). The work is identical on every thread count, so the ratio of
//! throughputs is the parallel speed-up. Throughput is in people. Run with
//! `cargo bench --bench scaling`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use cjmh::model;
#[global_allocator]
static ALLOCATOR: cjmh::alloc::HugePages = cjmh::alloc::HugePages;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const PEOPLE: u64 = 1_000_000;
const CATCHMENTS: u32 = 4;

fn scaling(c: &mut Criterion) {
    let baseline = cjmh::scenario::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    )))
    .expect("the baseline loads");
    let s = baseline.scaled(PEOPLE as f64 / baseline.expected_people());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("scaling");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(PEOPLE));
    for threads in [1usize, 2, 4].into_iter().filter(|&t| t <= cores) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        group.bench_with_input(BenchmarkId::new("threads", threads), &s, |b, s| {
            b.iter(|| {
                pool.install(|| model::run_catchments(black_box(s), 1, 0, CATCHMENTS).events)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, scaling);
criterion_main!(benches);
