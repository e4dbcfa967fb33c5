//! Cost of a keyed random stream: derive the stream for one person and purpose, then draw one
//! exponential value from it, as a model does for each duration it samples.
//!
//! Run with `cargo bench --bench streams`. Throughput is in streams (one creation plus one draw).

use std::hint::black_box;
use std::time::Duration;

use cjmh::engine::{Distribution, Purpose, Streams};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Streams created per benchmark iteration.
const STREAMS: u64 = 1024;

fn stream_and_draw(c: &mut Criterion) {
    let streams = Streams::new(1, 0);
    let sampler = Distribution::exponential(10.0)
        .sampler()
        .expect("a positive mean");
    let mut group = c.benchmark_group("streams");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(STREAMS));
    group.bench_function("stream_plus_exponential", |b| {
        let mut person = 0u64;
        b.iter(|| {
            let mut sum = 0.0;
            for _ in 0..STREAMS {
                let mut s = black_box(streams).stream(person, Purpose::new(2, 0));
                sum += sampler.sample(&mut s);
                person += 1;
            }
            sum
        });
    });
    group.finish();
}

criterion_group!(benches, stream_and_draw);
criterion_main!(benches);
