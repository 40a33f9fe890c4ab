//! Optimizers with Keras's update rules and defaults. The learning rate is an argument
//! of [`Optimizer::step`], so schedules and live changes need no special support.

use super::Real;
use pulp::{Arch, Simd, WithSimd};
use serde::{Deserialize, Serialize};

/// Which update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Stochastic gradient descent, optionally with (Nesterov) momentum.
    Sgd,
    /// Adam (Kingma and Ba), Keras's form with `epsilon` outside the square root.
    Adam,
    /// RMSprop (Hinton), optionally with momentum.
    Rmsprop,
}

impl OptimizerKind {
    /// Every optimizer, in the order the help text lists them.
    pub const ALL: [OptimizerKind; 3] = [OptimizerKind::Adam, OptimizerKind::Sgd, OptimizerKind::Rmsprop];

    /// Keras's name.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Rmsprop => "rmsprop",
        }
    }

    /// Keras's default learning rate.
    pub fn default_learning_rate(self) -> f64 {
        match self {
            OptimizerKind::Sgd => 0.01,
            OptimizerKind::Adam | OptimizerKind::Rmsprop => 0.001,
        }
    }

    /// Whether `momentum` means anything to this optimizer.
    pub fn takes_momentum(self) -> bool {
        self != OptimizerKind::Adam
    }
}

crate::names::named!(OptimizerKind, "optimizer");

/// An optimizer's settings: plain data, as configured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerSpec {
    /// The update rule.
    pub kind: OptimizerKind,
    /// The initial learning rate.
    pub learning_rate: f64,
    /// Momentum for sgd and rmsprop (0 for none).
    pub momentum: f64,
    /// Nesterov momentum (sgd only).
    pub nesterov: bool,
}

impl OptimizerSpec {
    /// Keras's defaults for `kind`.
    pub fn new(kind: OptimizerKind) -> Self {
        OptimizerSpec { kind, learning_rate: kind.default_learning_rate(), momentum: 0.0, nesterov: false }
    }
}

/// A usable learning rate: a finite number above zero. The one rule that the command
/// line, the plan and live changes all apply.
pub fn check_learning_rate(value: f64) -> Result<f64, String> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(format!("must be a positive number, got {value}"))
    }
}

/// Adam's first-moment decay (Keras default).
pub const ADAM_BETA_1: f64 = 0.9;
/// Adam's second-moment decay (Keras default).
pub const ADAM_BETA_2: f64 = 0.999;
/// RMSprop's decay of the squared-gradient average (Keras default).
pub const RMSPROP_RHO: f64 = 0.9;
/// The fuzz factor of Adam and RMSprop (Keras default).
pub const OPTIMIZER_EPSILON: f64 = 1e-7;

/// An optimizer with its per-parameter state.
#[derive(Clone, Debug)]
pub struct Optimizer<T> {
    spec: OptimizerSpec,
    /// Momentum velocity (sgd, rmsprop) or first moment (adam).
    first: Vec<T>,
    /// Squared-gradient average (adam, rmsprop).
    second: Vec<T>,
    iterations: u64,
}

impl<T: Real> Optimizer<T> {
    /// A fresh optimizer for `parameters` values.
    pub fn new(spec: OptimizerSpec, parameters: usize) -> Self {
        Optimizer {
            spec,
            first: vec![T::zero(); parameters],
            second: vec![T::zero(); parameters],
            iterations: 0,
        }
    }

    /// Updates applied so far.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Applies one update to `parameters` from `gradients`.
    ///
    /// - sgd: `v = momentum v - lr g`; `w += v`, or with Nesterov `w += momentum v - lr g`
    ///   (plain `w -= lr g` without momentum).
    /// - adam: `m += (g - m)(1 - b1)`; `s += (g^2 - s)(1 - b2)`;
    ///   `w -= m lr sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(s) + eps)`.
    /// - rmsprop: `s = rho s + (1 - rho) g^2`; `d = lr g / sqrt(s + eps)`;
    ///   `w -= d`, or with momentum `v = momentum v + d; w -= v`.
    ///
    /// # Shapes
    /// `parameters`, `gradients`: the length given to [`Optimizer::new`].
    #[inline(always)]
    pub fn step(&mut self, parameters: &mut [T], gradients: &[T], learning_rate: f64) {
        let rule = self.next_rule(learning_rate);
        rule.apply(parameters, gradients, &mut self.first, &mut self.second);
    }

    /// [`Optimizer::step`] compiled for the CPU's widest vectors (`arch`), and with
    /// `threads` > 1 on a large model split into chunks on rayon's pool. A weight's
    /// update reads only its own gradient and state, so the bits are those of
    /// [`Optimizer::step`] whatever the chunks and the instruction set (nothing is fused).
    pub fn step_dispatched(
        &mut self,
        parameters: &mut [T],
        gradients: &[T],
        learning_rate: f64,
        arch: Arch,
        threads: usize,
    ) {
        let rule = self.next_rule(learning_rate);
        let weights = parameters.len();
        let (first, second) = (&mut self.first[..], &mut self.second[..]);
        if threads > 1 && parameters.len() >= 2 * PARALLEL_CHUNK {
            use rayon::prelude::*;
            parameters
                .par_chunks_mut(PARALLEL_CHUNK)
                .zip(gradients.par_chunks(PARALLEL_CHUNK))
                .zip(first.par_chunks_mut(PARALLEL_CHUNK))
                .zip(second.par_chunks_mut(PARALLEL_CHUNK))
                .for_each(|(((w, g), first), second)| {
                    dispatch_update(arch, weights, Update { rule, w, g, first, second });
                });
        } else {
            dispatch_update(arch, weights, Update { rule, w: parameters, g: gradients, first, second });
        }
    }

    /// Counts the update and fixes its constants.
    fn next_rule(&mut self, learning_rate: f64) -> Rule<T> {
        self.iterations += 1;
        let lr = T::of(learning_rate);
        let momentum = T::of(self.spec.momentum);
        // Keras 3 (`keras/src/optimizers/adam.py`, `update_step`), operation for
        // operation in the variables' precision: the powers as `pow(T(beta), t)`,
        // `1 - beta` as T of the f64 difference (0.1f32, not 1f32 - 0.9f32 =
        // 0.100000024), the moments as `m += (g - m) (1 - b1)`. RMSprop
        // (`keras/src/optimizers/rmsprop.py`): `1 - rho` is the f64 difference rounded
        // once.
        let (c1, c2, alpha, rho) = match self.spec.kind {
            OptimizerKind::Adam => {
                let step = T::of(self.iterations as f64);
                let (power_1, power_2) = (T::of(ADAM_BETA_1).powf(step), T::of(ADAM_BETA_2).powf(step));
                let alpha = lr * (T::one() - power_2).sqrt() / (T::one() - power_1);
                (T::of(1.0 - ADAM_BETA_1), T::of(1.0 - ADAM_BETA_2), alpha, T::zero())
            }
            OptimizerKind::Rmsprop => (T::of(1.0 - RMSPROP_RHO), T::zero(), T::zero(), T::of(RMSPROP_RHO)),
            OptimizerKind::Sgd => (T::zero(), T::zero(), T::zero(), T::zero()),
        };
        Rule {
            kind: self.spec.kind,
            with_momentum: self.spec.momentum != 0.0,
            nesterov: self.spec.nesterov,
            lr,
            momentum,
            c1,
            c2,
            alpha,
            rho,
            eps: T::of(OPTIMIZER_EPSILON),
        }
    }
}

/// Runs an update of `weights` weights in all, as `arch` dispatches it, except that a
/// large one ([`AVX2_UPDATE_FROM`] weights and more) is compiled for AVX2 where the CPU
/// has it, even one with AVX-512. Nothing is fused, so the bits are the same either way.
#[inline(always)]
fn dispatch_update<T: Real>(arch: Arch, weights: usize, update: Update<'_, T>) {
    #[cfg(target_arch = "x86_64")]
    if weights >= AVX2_UPDATE_FROM
        && let Some(v3) = pulp::x86::V3::try_new()
    {
        return Simd::vectorize(v3, update);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = weights; // 256-bit vectors are an x86 choice
    arch.dispatch(update);
}

/// From how many weights an update runs on 256-bit vectors on an AVX-512 CPU: where its
/// four arrays (16 bytes a weight) outgrow half a 1 MiB L2 cache. Measured on an
/// AVX-512 machine (AMD EPYC, 2 cores), Adam compiled for AVX-512 against AVX2: a
/// 784-256-128-10 epoch (235,000 weights) took 0.748 s against 0.694 s on one thread,
/// `vsqrtps` on 512 bits the step's hottest instruction; the digits CNN (10,900
/// weights) 0.306 s of CPU against 0.329 s, the other way.
pub const AVX2_UPDATE_FROM: usize = 1 << 15;

/// Weights per chunk when an update is split over threads: 64 KiB of each of the four
/// arrays, so that a 235,000-weight network makes 15 chunks to share.
const PARALLEL_CHUNK: usize = 1 << 14;

/// One update's rule and constants, the same for every weight.
#[derive(Clone, Copy, Debug)]
struct Rule<T> {
    kind: OptimizerKind,
    with_momentum: bool,
    nesterov: bool,
    lr: T,
    momentum: T,
    /// Adam: `1 - b1`; RMSprop: `1 - rho`.
    c1: T,
    /// Adam: `1 - b2`.
    c2: T,
    /// Adam: `lr sqrt(1 - b2^t) / (1 - b1^t)`.
    alpha: T,
    /// RMSprop's `rho`.
    rho: T,
    eps: T,
}

impl<T: Real> Rule<T> {
    /// The update of the weights `w` with gradients `g` and state `first`, `second`
    /// (the same positions).
    #[inline(always)]
    fn apply(self, w: &mut [T], g: &[T], first: &mut [T], second: &mut [T]) {
        let Rule { lr, momentum, c1, c2, alpha, rho, eps, .. } = self;
        let params = w.iter_mut().zip(g);
        match self.kind {
            OptimizerKind::Sgd if !self.with_momentum => {
                params.for_each(|(w, &g)| *w -= lr * g);
            }
            OptimizerKind::Sgd => {
                let nesterov = self.nesterov;
                for ((w, &g), v) in params.zip(first.iter_mut()) {
                    *v = momentum * *v - lr * g;
                    *w += if nesterov { momentum * *v - lr * g } else { *v };
                }
            }
            OptimizerKind::Adam => {
                for (((w, &g), m), s) in params.zip(first.iter_mut()).zip(second.iter_mut()) {
                    *m += (g - *m) * c1;
                    *s += (g * g - *s) * c2;
                    *w -= *m * alpha / (s.sqrt() + eps);
                }
            }
            OptimizerKind::Rmsprop => {
                // Two loops, not a test per weight: LLVM made the test a masked store,
                // which AMD cores run many times slower than a plain one.
                if self.with_momentum {
                    for (((w, &g), v), s) in params.zip(first.iter_mut()).zip(second.iter_mut()) {
                        *s = rho * *s + c1 * g * g;
                        *v = momentum * *v + lr * g / (*s + eps).sqrt();
                        *w -= *v;
                    }
                } else {
                    for ((w, &g), s) in params.zip(second.iter_mut()) {
                        *s = rho * *s + c1 * g * g;
                        *w -= lr * g / (*s + eps).sqrt();
                    }
                }
            }
        }
    }
}

/// A rule applied to one range of weights, as a unit pulp compiles per instruction set.
struct Update<'a, T> {
    rule: Rule<T>,
    w: &'a mut [T],
    g: &'a [T],
    first: &'a mut [T],
    second: &'a mut [T],
}

impl<T: Real> WithSimd for Update<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Update { rule, w, g, first, second } = self;
        rule.apply(w, g, first, second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::assert_close;

    fn run(spec: OptimizerSpec, steps: &[[f64; 2]]) -> Vec<f64> {
        let mut w = vec![1.0, -2.0];
        let mut optimizer = Optimizer::new(spec, 2);
        for g in steps {
            optimizer.step(&mut w, g, spec.learning_rate);
        }
        w
    }

    #[test]
    fn adam_steps_match_hand_computation() {
        // Step 1, g = 0.5: m = 0.05, s = 0.00025, alpha = 0.001 sqrt(0.001) / 0.1,
        // m / (sqrt(s) + eps) = 0.05 / (0.0158113883 + 1e-7) = 3.16225...; the first Adam
        // step moves each weight by about lr in the gradient's sign.
        let spec = OptimizerSpec::new(OptimizerKind::Adam);
        let w = run(spec, &[[0.5, -0.1]]);
        let alpha = 0.001 * (0.001_f64).sqrt() / 0.1;
        let w0 = 1.0 - alpha * 0.05 / ((0.00025_f64).sqrt() + 1e-7);
        let w1 = -2.0 - alpha * -0.01 / ((0.00001_f64).sqrt() + 1e-7);
        assert_close(&w, &[w0, w1], 1e-15, 0.0);
        assert_close(&w, &[0.999_000_006_3, -1.999_000_031_6], 1e-10, 0.0);

        // Step 2, g = 0.25 for the first weight:
        // m = 0.9 * 0.05 + 0.1 * 0.25 = 0.07; s = 0.999 * 0.00025 + 0.001 * 0.0625 = 0.00031225;
        // alpha = 0.001 * sqrt(1 - 0.999^2) / (1 - 0.9^2) = 0.001 * 0.0447101778 / 0.19.
        let w = run(spec, &[[0.5, -0.1], [0.25, 0.0]]);
        let alpha2 = 0.001 * (1.0 - 0.999_f64 * 0.999).sqrt() / 0.19;
        let expected = w0 - alpha2 * 0.07 / ((0.000_312_25_f64).sqrt() + 1e-7);
        assert_close(&w[..1], &[expected], 1e-15, 0.0);
    }

    #[test]
    fn sgd_with_momentum_matches_hand_computation() {
        let spec = OptimizerSpec { momentum: 0.9, ..OptimizerSpec::new(OptimizerKind::Sgd) };
        // v1 = -0.01 * 0.5 = -0.005, w = 0.995; v2 = 0.9 * -0.005 - 0.01 * 0.5 = -0.0095,
        // w = 0.9855.
        let w = run(spec, &[[0.5, 0.0], [0.5, 0.0]]);
        assert_close(&w, &[0.9855, -2.0], 1e-15, 0.0);

        let nesterov = OptimizerSpec { nesterov: true, ..spec };
        // w1 = 1 + 0.9 * -0.005 - 0.005 = 0.9905; w2 = 0.9905 + 0.9 * -0.0095 - 0.005 = 0.97695.
        let w = run(nesterov, &[[0.5, 0.0], [0.5, 0.0]]);
        assert_close(&w, &[0.976_95, -2.0], 1e-15, 0.0);

        let plain = OptimizerSpec::new(OptimizerKind::Sgd);
        assert_close(&run(plain, &[[0.5, -1.0]]), &[0.995, -1.99], 1e-15, 0.0);
    }

    #[test]
    fn rmsprop_matches_hand_computation() {
        // s = 0.1 * 0.25 = 0.025; w = 1 - 0.001 * 0.5 / sqrt(0.025 + 1e-7) = 0.99683772...
        let spec = OptimizerSpec::new(OptimizerKind::Rmsprop);
        let w = run(spec, &[[0.5, 0.0]]);
        assert_close(&w, &[1.0 - 0.0005 / (0.025_f64 + 1e-7).sqrt(), -2.0], 1e-15, 0.0);
        assert_close(&w[..1], &[0.996_837_728], 1e-9, 0.0);

        // With momentum 0.5, two steps of g = 0.5:
        // d1 = 0.0005 / sqrt(0.025 + 1e-7), v1 = d1;
        // s2 = 0.9 * 0.025 + 0.025 = 0.0475, d2 = 0.0005 / sqrt(0.0475 + 1e-7), v2 = 0.5 v1 + d2.
        let with_momentum = OptimizerSpec { momentum: 0.5, ..spec };
        let w = run(with_momentum, &[[0.5, 0.0], [0.5, 0.0]]);
        let d1 = 0.0005 / (0.025_f64 + 1e-7).sqrt();
        let d2 = 0.0005 / (0.0475_f64 + 1e-7).sqrt();
        assert_close(&w[..1], &[1.0 - d1 - (0.5 * d1 + d2)], 1e-15, 0.0);
    }

    #[test]
    fn one_minus_beta_is_the_f64_difference_rounded_once() {
        // Keras multiplies f32 tensors by the Python float 1 - 0.9 = 0.09999999999999998,
        // which becomes 0.1f32; 1f32 - 0.9f32 would be 0.100000024.
        let mut adam = Optimizer::<f32>::new(OptimizerSpec::new(OptimizerKind::Adam), 1);
        adam.step(&mut [0.0], &[1.0], 0.001);
        assert_eq!(adam.first[0], 0.1f32);
        assert_eq!(adam.second[0], 0.001f32);
        assert_ne!(1.0f32 - 0.9f32, 0.1f32, "the difference the test guards against");
        let mut rmsprop = Optimizer::<f32>::new(OptimizerSpec::new(OptimizerKind::Rmsprop), 1);
        rmsprop.step(&mut [0.0], &[1.0], 0.001);
        assert_eq!(rmsprop.second[0], 0.1f32);
    }

    /// The dispatched update, whole or in chunks on threads, gives the bits of the
    /// plain one for every rule (a length that is not a multiple of the chunk; f32
    /// and f64), below `AVX2_UPDATE_FROM` (AVX-512 where the CPU has it) and above.
    #[test]
    fn dispatched_and_chunked_updates_give_the_plain_bits() {
        const SMALL: usize = 1037;
        const LARGE: usize = 2 * PARALLEL_CHUNK + 37;
        const { assert!(SMALL < AVX2_UPDATE_FROM && AVX2_UPDATE_FROM <= LARGE) };
        fn check<T: Real>(n: usize) {
            let value = |i: usize, k: f64| T::of(((i as f64) * k).sin() * 0.3);
            let sgd = OptimizerSpec::new(OptimizerKind::Sgd);
            let rmsprop = OptimizerSpec::new(OptimizerKind::Rmsprop);
            for spec in [
                sgd,
                OptimizerSpec { momentum: 0.9, ..sgd },
                OptimizerSpec { momentum: 0.9, nesterov: true, ..sgd },
                OptimizerSpec::new(OptimizerKind::Adam),
                rmsprop,
                OptimizerSpec { momentum: 0.5, ..rmsprop },
            ] {
                let start: Vec<T> = (0..n).map(|i| value(i, 0.37)).collect();
                let mut plain = Optimizer::new(spec, n);
                let (mut whole, mut chunked) = (plain.clone(), plain.clone());
                let (mut a, mut b, mut c) = (start.clone(), start.clone(), start);
                for step in 0..3 {
                    let g: Vec<T> = (0..n).map(|i| value(i + step, 1.13)).collect();
                    plain.step(&mut a, &g, 0.01);
                    whole.step_dispatched(&mut b, &g, 0.01, Arch::new(), 1);
                    chunked.step_dispatched(&mut c, &g, 0.01, Arch::new(), 2);
                }
                let bits = |v: &[T]| v.iter().map(|x| x.as_f64().to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&b), "{spec:?}");
                assert_eq!(bits(&a), bits(&c), "{spec:?}");
                assert_ne!(bits(&a), bits(&(0..n).map(|i| value(i, 0.37)).collect::<Vec<_>>()), "{spec:?}");
                assert_eq!((plain.iterations(), chunked.iterations()), (3, 3));
            }
        }
        for n in [SMALL, LARGE] {
            check::<f32>(n);
            check::<f64>(n);
        }
    }

    #[test]
    fn defaults_are_keras_defaults() {
        assert_eq!(OptimizerSpec::new(OptimizerKind::Adam).learning_rate, 0.001);
        assert_eq!(OptimizerSpec::new(OptimizerKind::Sgd).learning_rate, 0.01);
        assert_eq!(OptimizerSpec::new(OptimizerKind::Rmsprop).learning_rate, 0.001);
        assert!("adagrad".parse::<OptimizerKind>().is_err());
    }
}
