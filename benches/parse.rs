//! Reading and validating a scenario file, at 0.5 and 2 MB: a pathway scenario (the national
//! baseline, extended) whose remand times are a quantile table of many points, one a line, and
//! a network scenario of many stages in a chain. Throughput is in bytes of the generated file;
//! linear parsing keeps it about the same at both sizes. Locating each key once counted the
//! newlines from the start of the file, which made a 490 KB table take 9.5 s and a 2 MB one
//! over two minutes. Run with `cargo bench --bench parse`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// The baseline with its remand times replaced by a quantile table of `points` points.
fn pathway_quantiles(points: usize) -> String {
    let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let rows: Vec<String> = (0..points)
        .map(|i| {
            let p = i as f64 / (points - 1) as f64;
            format!("  [{p:.9}, {:.6}],", 1.0 + 200.0 * p)
        })
        .collect();
    format!(
        "extends = {baseline:?}\nname = \"quantiles\"\n[court]\n\
         remand_days = {{ dist = \"empirical\", source = \"bench\", quantiles = [\n{}\n] }}\n",
        rows.join("\n")
    )
}

/// A network of `stages` stages in a chain.
fn network_chain(stages: usize) -> String {
    let mut text =
        String::from("name = \"chain\"\n[arrivals.people]\nto = \"s0\"\nrate_per_day = 1\n");
    for i in 0..stages {
        let next = if i + 1 < stages {
            format!("s{}", i + 1)
        } else {
            "exit".to_string()
        };
        text.push_str(&format!(
            "[stages.s{i}]\ncapacity = 10\nduration = {{ dist = \"exponential\", mean = 1 }}\n\
             routes = {{ {next} = 1.0 }}\n"
        ));
    }
    text
}

fn parse(c: &mut Criterion) {
    let label: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/generated.toml");
    let mut group = c.benchmark_group("parse");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let cases = [
        ("pathway_quantiles", pathway_quantiles(20_000)),
        ("pathway_quantiles", pathway_quantiles(80_000)),
        // Stage names that collide in their stream keys would be refused: 20,000 do not.
        ("network_chain", network_chain(5_000)),
        ("network_chain", network_chain(20_000)),
    ];
    for (name, text) in &cases {
        cjmh::scenario::load_str(&label, text).expect("the generated scenario is valid");
        let kb = text.len() / 1000;
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new(*name, format!("{kb}KB")),
            text,
            |b, text| {
                b.iter(|| cjmh::scenario::load_str(&label, black_box(text)).is_ok());
            },
        );
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
