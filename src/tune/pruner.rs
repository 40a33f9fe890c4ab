//! Pruning, with Optuna's rules (`MedianPruner`, `SuccessiveHalvingPruner`), on the
//! trials of a study as its journal records them. A trial's intermediate value at an
//! epoch is the objective then (under cross-validation, the mean over its folds).

use super::journal::{Trial, TrialState};

/// When to stop a trial early.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pruner {
    /// Never.
    None,
    /// Optuna's `MedianPruner(n_startup_trials, n_warmup_steps)`: stop a trial whose best
    /// intermediate value is worse than the median of the completed trials' values at
    /// the same epoch, once `startup` trials have completed and from epoch `warmup` on.
    Median {
        /// Completed trials before any pruning.
        startup: usize,
        /// Epochs before any pruning.
        warmup: usize,
    },
    /// Optuna's `SuccessiveHalvingPruner` (asynchronous successive halving): at the
    /// rungs `min_epochs * reduction^k`, a trial goes on only if its value is in the best
    /// `1/reduction` of the values every trial had at that rung.
    Asha {
        /// The first rung; `None` for Optuna's "auto" (a hundredth of the longest
        /// completed trial, at least 1; no pruning before a trial completes).
        min_epochs: Option<usize>,
        /// Optuna's `reduction_factor`.
        reduction: usize,
    },
}

impl Pruner {
    /// The name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Pruner::None => "none",
            Pruner::Median { .. } => "median",
            Pruner::Asha { .. } => "asha",
        }
    }

    /// Whether `trial`, which has just reported `epoch`, should stop. `others` are the
    /// study's other trials; `maximize` is the objective's direction.
    pub fn should_prune(&self, trial: &Trial, epoch: usize, others: &[&Trial], maximize: bool) -> bool {
        let Some(&value) = trial.intermediate.get(&epoch) else {
            return false;
        };
        match *self {
            Pruner::None => false,
            Pruner::Median { startup, warmup } => {
                let completed: Vec<&&Trial> = others.iter().filter(|t| t.state == TrialState::Complete).collect();
                if completed.is_empty() || completed.len() < startup || epoch < warmup {
                    return false;
                }
                let values = trial.intermediate.values().copied();
                let best = if maximize { values.fold(f64::NAN, f64::max) } else { values.fold(f64::NAN, f64::min) };
                if best.is_nan() {
                    return true;
                }
                let at_epoch: Vec<f64> = completed.iter().filter_map(|t| t.intermediate.get(&epoch).copied()).collect();
                let Some(median) = nan_median(at_epoch) else {
                    return false;
                };
                if maximize { best < median } else { best > median }
            }
            Pruner::Asha { min_epochs, reduction } => {
                let min_epochs = match min_epochs {
                    Some(m) => m,
                    None => {
                        let longest = others.iter().filter(|t| t.state == TrialState::Complete).filter_map(|t| t.last_epoch()).max();
                        match longest {
                            Some(longest) => (longest / 100).max(1),
                            None => return false,
                        }
                    }
                };
                if value.is_nan() {
                    // Optuna: a NaN is pruned once the first rung is reached.
                    return epoch >= min_epochs;
                }
                // The rungs this trial has passed (each at min * reduction^k), up to this epoch.
                let mut rung_epoch = min_epochs;
                while rung_epoch < epoch {
                    rung_epoch = rung_epoch.saturating_mul(reduction.max(2));
                }
                if rung_epoch != epoch {
                    return false;
                }
                // Every other trial's value at this rung, and this one's.
                let mut competing: Vec<f64> = others.iter().filter_map(|t| t.intermediate.get(&epoch).copied()).collect();
                competing.push(value);
                !promotable(value, &mut competing, reduction, maximize)
            }
        }
    }
}

/// Optuna's `_is_trial_promotable_to_next_rung`: among the `competing` values (this
/// one included), the top `len / reduction` go on (at least the best one).
fn promotable(value: f64, competing: &mut [f64], reduction: usize, maximize: bool) -> bool {
    let index = (competing.len() / reduction.max(1)).saturating_sub(1);
    competing.sort_by(f64::total_cmp);
    if maximize { value >= competing[competing.len() - 1 - index] } else { value <= competing[index] }
}

/// numpy's `nanpercentile(values, 50)`: the median of the values that are numbers.
fn nan_median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn trial(state: TrialState, values: &[(usize, f64)]) -> Trial {
        Trial { state, intermediate: values.iter().copied().collect::<BTreeMap<_, _>>(), ..Trial::default() }
    }

    /// Tables from Optuna 4's own pruners (tests/tune/optuna_tables.json, made by
    /// make_pruner_tables.py) are checked in tests/tune.rs; these are the rules in small.
    #[test]
    fn median_rules() {
        let median = Pruner::Median { startup: 2, warmup: 3 };
        let done = [trial(TrialState::Complete, &[(3, 0.5), (4, 0.4)]), trial(TrialState::Complete, &[(3, 0.7), (4, 0.6)])];
        let others: Vec<&Trial> = done.iter().collect();
        // Minimizing a loss: the median at epoch 3 is 0.6.
        assert!(median.should_prune(&trial(TrialState::Running, &[(1, 0.9), (2, 0.8), (3, 0.65)]), 3, &others, false));
        assert!(!median.should_prune(&trial(TrialState::Running, &[(1, 0.9), (2, 0.8), (3, 0.55)]), 3, &others, false));
        // The best value so far counts, not the last.
        assert!(!median.should_prune(&trial(TrialState::Running, &[(1, 0.3), (2, 0.8), (3, 0.9)]), 3, &others, false));
        // Warm-up epochs and too few completed trials are exempt.
        assert!(!median.should_prune(&trial(TrialState::Running, &[(1, 0.9), (2, 0.95)]), 2, &others, false));
        assert!(!median.should_prune(&trial(TrialState::Running, &[(3, 9.0)]), 3, &others[..1], false));
        // Maximizing: worse is lower.
        assert!(median.should_prune(&trial(TrialState::Running, &[(3, 0.55)]), 3, &others, true));
        // Running and pruned trials are not compared against.
        let pruned = trial(TrialState::Pruned, &[(3, 0.0)]);
        let with_pruned: Vec<&Trial> = done.iter().chain([&pruned]).collect();
        assert!(!median.should_prune(&trial(TrialState::Running, &[(3, 0.55)]), 3, &with_pruned, false));
    }

    #[test]
    fn successive_halving_rules() {
        let asha = Pruner::Asha { min_epochs: Some(1), reduction: 4 };
        // Rungs at epochs 1, 4, 16: no decision between them.
        let lone = trial(TrialState::Running, &[(1, 0.5), (2, 0.4)]);
        assert!(!asha.should_prune(&lone, 2, &[], false));
        // Alone at a rung: the best of one goes on.
        assert!(!asha.should_prune(&lone, 1, &[], false));
        // Eight values at rung 4: the best 8/4 = 2 go on.
        let others: Vec<Trial> = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].iter().map(|&v| trial(TrialState::Complete, &[(4, v)])).collect();
        let others: Vec<&Trial> = others.iter().collect();
        assert!(!asha.should_prune(&trial(TrialState::Running, &[(4, 0.15)]), 4, &others, false));
        assert!(asha.should_prune(&trial(TrialState::Running, &[(4, 0.25)]), 4, &others, false));
        assert!(!asha.should_prune(&trial(TrialState::Running, &[(4, 0.65)]), 4, &others, true));
        assert!(asha.should_prune(&trial(TrialState::Running, &[(4, f64::NAN)]), 4, &others, false));
    }
}
