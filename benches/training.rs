//! Criterion benchmarks: one epoch of the tutorial network, the tutorial fit, 10-fold
//! cross-validation, the Dense product (hand-blocked loops against ndarray's general
//! matrix multiply), and this machine's f32 multiply-add rate in a tight loop, the
//! arithmetic bound the fit is compared with.
//!
//! `cargo bench --bench training`. The Pima data comes from `NNTUI_PIMA` (or the shared
//! copy beside the project); without it the fit and CV benchmarks use data/moons.csv.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_channel::TryRecvError;
use ndarray::Array2;
use nntui::data::{self, CsvOptions, Dataset};
use nntui::nn::kernels::dense_forward;
use nntui::nn::{
    Activation, Batch, Initializer, LayerSpec, Loss, Metric, Optimizer, OptimizerKind, OptimizerSpec,
    Regularizer, Sequential,
};
use nntui::random::{self, Stream};
use nntui::train::{self, Event, Plan, RunConfig};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

fn dataset() -> Arc<Dataset> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let pima = std::env::var_os("NNTUI_PIMA")
        .map_or_else(|| root.join("../shared/data/pima-indians-diabetes.csv"), PathBuf::from);
    let path = if pima.is_file() {
        pima
    } else {
        eprintln!("note: Pima data not found (set NNTUI_PIMA); benchmarking on data/moons.csv");
        root.join("data/moons.csv")
    };
    Arc::new(data::load(&path, &CsvOptions::default()).unwrap())
}

/// Runs to the end, consuming events as the headless printer does: drain what is
/// queued, then let events gather for a millisecond (a consumer blocked on every event
/// would cost the engine a wake-up system call per event).
fn run(config: RunConfig, dataset: &Arc<Dataset>) {
    let handle = train::spawn(Plan::new(config, dataset).unwrap(), Arc::clone(dataset));
    loop {
        match handle.events.try_recv() {
            Ok(Event::RunEnded(summary)) => {
                black_box(summary);
                break;
            }
            Ok(event) => {
                black_box(event);
            }
            Err(TryRecvError::Empty) => std::thread::sleep(std::time::Duration::from_millis(1)),
            Err(TryRecvError::Disconnected) => break,
        }
    }
    black_box(handle.join().unwrap());
}

fn tutorial(c: &mut Criterion) {
    let dataset = dataset();
    let mut group = c.benchmark_group("tutorial");
    group.sample_size(20);
    let fit = RunConfig { folds: 1, threads: 1, ..RunConfig::default() };
    group.bench_function("fit, 150 epochs", |b| b.iter(|| run(fit.clone(), &dataset)));
    for threads in [1, 2] {
        let cv = RunConfig { folds: 10, threads, ..RunConfig::default() };
        group.bench_with_input(BenchmarkId::new("10-fold CV, threads", threads), &cv, |b, cv| {
            b.iter(|| run(cv.clone(), &dataset));
        });
    }
    group.finish();
}

/// One epoch of the tutorial network's batch loop, on the nn layer alone: 77 batches of
/// 10 rows of 8 features (Pima's shape), forward, backward and an Adam step, dispatched
/// as the engine does.
fn epoch(c: &mut Criterion) {
    let specs = [
        LayerSpec::new(12, Activation::Relu),
        LayerSpec::new(8, Activation::Relu),
        LayerSpec::new(1, Activation::Sigmoid),
    ];
    let mut model = Sequential::<f32>::new(8, &specs);
    model.initialize(Initializer::RandomUniform, &mut random::rng(7, Stream::Fold(0)));
    let mut optimizer = Optimizer::new(OptimizerSpec::new(OptimizerKind::Adam), model.parameters().len());
    let mut workspace = model.workspace(10);
    let x: Vec<f32> = (0..770 * 8).map(|i| ((i * 37) % 100) as f32 / 10.0).collect();
    let y: Vec<f32> = (0..770).map(|i| f32::from(u8::from(i % 3 == 0))).collect();
    let regularizer = Regularizer::default();
    let mut group = c.benchmark_group("epoch");
    group.throughput(Throughput::Elements(770));
    let arch = pulp::Arch::new();
    group.bench_function("77 batches of 10, 8-12-8-1", |b| {
        b.iter(|| {
            for (inputs, targets) in x.chunks_exact(80).zip(y.chunks_exact(10)) {
                let batch = Batch {
                    inputs,
                    targets,
                    loss: Loss::BinaryCrossentropy,
                    metric: Metric::Accuracy,
                    regularizer,
                    learning_rate: 0.001,
                    weights: None,
                };
                black_box(model.train_step(&mut optimizer, &mut workspace, batch, arch));
            }
            black_box(model.parameters()[0])
        });
    });
    group.finish();
}

/// The first layer's product, 10x8 by 8x12: hand-blocked loops against ndarray's `dot`.
fn product(c: &mut Criterion) {
    let x: Vec<f32> = (0..80).map(|i| i as f32 * 0.01).collect();
    let w: Vec<f32> = (0..96).map(|i| i as f32 * -0.02).collect();
    let bias = vec![0.1f32; 12];
    let mut out = vec![0.0f32; 120];
    let (xa, wa) = (
        Array2::from_shape_vec((10, 8), x.clone()).unwrap(),
        Array2::from_shape_vec((8, 12), w.clone()).unwrap(),
    );
    let mut group = c.benchmark_group("product 10x8 . 8x12");
    group.throughput(Throughput::Elements(960));
    group.bench_function("hand-blocked loops", |b| {
        b.iter(|| {
            dense_forward(black_box(&x), black_box(&w), &bias, &mut out, 8, 12);
            black_box(out[0])
        });
    });
    group.bench_function("ndarray dot", |b| b.iter(|| black_box(black_box(&xa).dot(black_box(&wa)))));
    group.finish();
}

/// Multiply-adds per second in a tight loop over L1-resident data, 32 independent
/// accumulators, compiled as nntui is (baseline x86-64) and dispatched (AVX-512 or AVX2,
/// whichever the CPU has) as nntui's batch loop is.
fn arithmetic_bound(c: &mut Criterion) {
    let a: Vec<f32> = (0..2048).map(|i| (i % 7) as f32 * 1e-3).collect();
    let b: Vec<f32> = (0..2048).map(|i| (i % 5) as f32 * 1e-3).collect();
    let mut group = c.benchmark_group("arithmetic bound");
    group.throughput(Throughput::Elements(2048 * 64));
    group.bench_function("f32 multiply-adds, baseline", |bench| bench.iter(|| black_box(tight(&a, &b))));
    let arch = pulp::Arch::new();
    group.bench_function("f32 multiply-adds, dispatched", |bench| {
        bench.iter(|| black_box(arch.dispatch(Tight(&a, &b))));
    });
    group.finish();
}

#[inline(always)]
fn tight(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 32];
    for _ in 0..64 {
        for (x, y) in a.chunks_exact(32).zip(b.chunks_exact(32)) {
            for lane in 0..32 {
                acc[lane] += x[lane] * y[lane];
            }
        }
    }
    acc.iter().sum()
}

struct Tight<'a>(&'a [f32], &'a [f32]);

impl pulp::WithSimd for Tight<'_> {
    type Output = f32;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> f32 {
        tight(self.0, self.1)
    }
}

criterion_group!(benches, epoch, tutorial, product, arithmetic_bound);
criterion_main!(benches);
