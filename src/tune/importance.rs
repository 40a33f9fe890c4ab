//! Which searched options mattered: Optuna's `PedAnovaImportanceEvaluator` (its default
//! importance evaluator since Optuna 5), read from Optuna's source
//! (`optuna/importance/_ped_anova/`), with its defaults and `get_param_importances`'
//! normalization.
//!
//! PED-ANOVA compares, option by option, where the top 10% of the completed trials put
//! the option against where all of them did: each set's values are counted on a grid (50
//! points over the range, in the logarithm for log ranges, fewer for small whole-number
//! ranges; one per choice), smoothed by a Parzen estimator with Scott's bandwidth and a
//! prior (weight 1.0), and the importance is the Pearson divergence of the top's density
//! from the whole's, times the squared share of trials in the top. Importances are then
//! scaled to sum to 1 (equal shares when every one is 0). `tests/tune/importance_tables.json`
//! holds Optuna's own numbers for recorded studies.

use super::space::{Domain, Space};

/// The share of the best trials whose options are compared (`target_quantile`).
const TARGET_QUANTILE: f64 = 0.1;
/// Grid points over a numeric range (`n_steps`).
const STEPS: usize = 50;
/// Weight of the prior kernel.
const PRIOR_WEIGHT: f64 = 1.0;

/// Each searched option's importance (flag, share), largest first, from the completed
/// trials' searched values (as the command line takes them) and objectives; `None`
/// with fewer than two finite objectives.
pub fn importances(
    space: &Space,
    trials: &[(&[(String, String)], f64)],
    maximize: bool,
) -> Option<Vec<(String, f64)>> {
    let trials: Vec<&(&[(String, String)], f64)> = trials.iter().filter(|(_, v)| v.is_finite()).collect();
    if trials.len() <= 1 || space.params.is_empty() {
        return None;
    }
    let sign = if maximize { -1.0 } else { 1.0 };
    let losses: Vec<f64> = trials.iter().map(|(_, v)| sign * v).collect();
    // Optuna's _QuantileFilter: the cutoff is the ceil(q n)-th smallest loss, ties kept.
    #[allow(clippy::cast_possible_truncation, reason = "trial counts")]
    let cutoff_index = ((TARGET_QUANTILE * losses.len() as f64).ceil() as usize).max(1) - 1;
    let mut sorted = losses.clone();
    sorted.sort_by(f64::total_cmp);
    let cutoff = sorted[cutoff_index];
    let top: Vec<usize> = (0..losses.len()).filter(|&i| losses[i] <= cutoff).collect();
    let all: Vec<usize> = (0..losses.len()).collect();
    let share = top.len() as f64 / all.len() as f64;
    let mut out: Vec<(String, f64)> = space
        .params
        .iter()
        .map(|param| {
            let values: Vec<Option<f64>> = trials
                .iter()
                .map(|(params, _)| {
                    params.iter().find(|(f, _)| *f == param.flag).and_then(|(_, text)| match &param.domain {
                        Domain::Choice(choices) => choices.iter().position(|c| c == text).map(|i| i as f64),
                        _ => text.parse().ok(),
                    })
                })
                .collect();
            let single = matches!(&param.domain, Domain::Choice(c) if c.len() <= 1);
            let importance = if single || values.iter().any(Option::is_none) {
                0.0
            } else {
                let values: Vec<f64> = values.into_iter().flatten().collect();
                let pick = |rows: &[usize]| rows.iter().map(|&i| values[i]).collect::<Vec<f64>>();
                pearson_divergence(&param.domain, &pick(&top), &pick(&all)) * share * share
            };
            (param.flag.clone(), importance)
        })
        .collect();
    let total: f64 = out.iter().map(|(_, v)| v).sum();
    let n = out.len() as f64;
    for (_, v) in &mut out {
        *v = if total > 0.0 { *v / total } else { 1.0 / n };
    }
    // Largest first; Optuna sorts ascending and reverses, so ties keep reverse order.
    out.reverse();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(out)
}

/// `sum_x p_all(x) (p_top(x) / p_all(x) - 1)^2` over the option's grid.
fn pearson_divergence(domain: &Domain, top: &[f64], all: &[f64]) -> f64 {
    let top = GridEstimator::new(domain, top);
    let all = GridEstimator::new(domain, all);
    (0..top.size)
        .map(|x| {
            let p_top = top.pdf(x) + 1e-12;
            let p_all = all.pdf(x) + 1e-12;
            p_all * (p_top / p_all - 1.0).powi(2)
        })
        .sum()
}

/// A Parzen estimator over an option's grid points (`ScottParzenEstimator`).
struct GridEstimator {
    size: usize,
    /// Log weights: each observed grid point by its count, then the prior.
    log_weights: Vec<f64>,
    kernels: Kernels,
}

enum Kernels {
    /// Each kernel's probabilities of the choices.
    Choice(Vec<Vec<f64>>),
    /// Normals over grid indices, each point's mass `[i - 0.5, i + 0.5]` of the range.
    Grid { mus: Vec<f64>, sigmas: Vec<f64> },
}

impl GridEstimator {
    fn new(domain: &Domain, values: &[f64]) -> GridEstimator {
        let counts = grid_counts(domain, values);
        let size = counts.len();
        let observed: Vec<usize> = (0..size).filter(|&i| counts[i] > 0).collect();
        let weights: Vec<f64> = observed.iter().map(|&i| counts[i] as f64).collect();
        let mut mixture = weights.clone();
        mixture.push(PRIOR_WEIGHT);
        if observed.is_empty() {
            mixture = vec![1.0];
        }
        let total: f64 = mixture.iter().sum();
        let log_weights = mixture.iter().map(|w| (w / total).ln()).collect();
        let kernels = if matches!(domain, Domain::Choice(_)) {
            if observed.is_empty() {
                Kernels::Choice(vec![vec![1.0 / size as f64; size]])
            } else {
                let kernels = observed.len() + 1;
                let mut rows = vec![vec![PRIOR_WEIGHT / kernels as f64; size]; kernels];
                for (row, &i) in rows.iter_mut().zip(&observed) {
                    row[i] += 1.0;
                }
                for row in &mut rows {
                    let sum: f64 = row.iter().sum();
                    row.iter_mut().for_each(|p| *p /= sum);
                }
                Kernels::Choice(rows)
            }
        } else {
            let (low, high) = (0.0, (size - 1) as f64);
            let observations: Vec<f64> = observed.iter().map(|&i| i as f64).collect();
            let mut mus = observations.clone();
            let mut sigmas = Vec::new();
            if !observations.is_empty() {
                // Scott's rule on the weighted counts, as Optuna computes it.
                let cumulative: Vec<f64> = weights
                    .iter()
                    .scan(0.0, |acc, w| {
                        *acc += w;
                        Some(*acc)
                    })
                    .collect();
                let w_sum = *cumulative.last().unwrap_or(&0.0);
                let mean = observations.iter().zip(&weights).map(|(o, w)| o * w).sum::<f64>() / w_sum;
                let variance =
                    observations.iter().zip(&weights).map(|(o, w)| (o - mean).powi(2) * w).sum::<f64>()
                        / (w_sum - 1.0).max(1.0);
                let q1 = (w_sum / 4.0).floor();
                let q3 = (w_sum * 3.0 / 4.0).floor();
                // numpy's searchsorted: left for q1, right for q3.
                let q1_index = cumulative.iter().position(|&c| c >= q1).unwrap_or(cumulative.len());
                let q3_index = cumulative.iter().position(|&c| c > q3).unwrap_or(cumulative.len());
                let n = observations.len();
                let iqr = observations[q3_index.min(n - 1)] - observations[q1_index.min(n - 1)];
                let sigma = 1.059 * (iqr / 1.34).min(variance.sqrt()) * w_sum.powf(-0.2);
                sigmas = vec![sigma.max(0.5 / 1.64); n];
            }
            mus.push(f64::midpoint(low, high));
            sigmas.push(high - low + 1.0);
            Kernels::Grid { mus, sigmas }
        };
        GridEstimator { size, log_weights, kernels }
    }

    fn pdf(&self, x: usize) -> f64 {
        let terms: Vec<f64> = match &self.kernels {
            Kernels::Choice(rows) => rows.iter().map(|row| row[x].ln()).collect(),
            Kernels::Grid { mus, sigmas } => {
                let (low, high) = (-0.5, self.size as f64 - 0.5);
                let x = x as f64;
                mus.iter()
                    .zip(sigmas)
                    .map(|(&mu, &sigma)| {
                        super::tpe::log_gauss_mass((x - 0.5 - mu) / sigma, (x + 0.5 - mu) / sigma)
                            - super::tpe::log_gauss_mass((low - mu) / sigma, (high - mu) / sigma)
                    })
                    .collect()
            }
        };
        let terms: Vec<f64> = terms.iter().zip(&self.log_weights).map(|(t, w)| t + w).collect();
        let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let shift = if max == f64::NEG_INFINITY { 0.0 } else { max };
        (terms.iter().map(|t| (t - shift).exp()).sum::<f64>().ln() + shift).exp()
    }
}

/// How many values fall on each grid point: 50 over a numeric range (nearest point, ties
/// to the lower), fewer for whole numbers (one per number up to 50, or the powers of two
/// spanned on a log scale), one per choice.
#[allow(clippy::cast_possible_truncation, reason = "grid indices, clipped to the grid")]
fn grid_counts(domain: &Domain, values: &[f64]) -> Vec<usize> {
    let (size, low, high, log) = match domain {
        Domain::Choice(choices) => {
            let mut counts = vec![0; choices.len()];
            for &v in values {
                counts[(v as usize).min(choices.len() - 1)] += 1;
            }
            return counts;
        }
        Domain::Float { low, high, log } => (STEPS, *low, *high, *log),
        Domain::Int { low, high, log } => {
            let span = (*high - *low + 1) as f64;
            // As Optuna: ceil(ln(span) / ln 2) + 1 points on a log scale.
            let size = if *log {
                ((span.ln() / 2f64.ln()).ceil() as usize + 1).min(STEPS)
            } else {
                (span as usize).min(STEPS)
            };
            (size, *low as f64, *high as f64, *log)
        }
    };
    let transform = |v: f64| if log { v.ln() } else { v };
    let (low, high) = (transform(low), transform(high));
    let step = (high - low) / (size - 1).max(1) as f64;
    let mut counts = vec![0; size];
    for &v in values {
        let index = ((transform(v) - low) / step - 0.5).ceil().clamp(0.0, (size - 1) as f64);
        counts[index as usize] += 1;
    }
    counts
}
