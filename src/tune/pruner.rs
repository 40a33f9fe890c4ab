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
        self.decide(trial, epoch, others, maximize).prune
    }

    /// The decision, and the rung values successive halving records on the way (each a
    /// `(rung, value)` for the journal: later trials compete with them).
    pub fn decide(&self, trial: &Trial, epoch: usize, others: &[&Trial], maximize: bool) -> Decision {
        let keep = Decision { prune: false, rungs: Vec::new() };
        let Some(&value) = trial.intermediate.get(&epoch) else {
            return keep;
        };
        match *self {
            Pruner::None => keep,
            Pruner::Median { startup, warmup } => {
                let completed: Vec<&&Trial> =
                    others.iter().filter(|t| t.state == TrialState::Complete).collect();
                if completed.is_empty() || completed.len() < startup || epoch < warmup {
                    return keep;
                }
                let values = trial.intermediate.values().copied();
                let best =
                    if maximize { values.fold(f64::NAN, f64::max) } else { values.fold(f64::NAN, f64::min) };
                if best.is_nan() {
                    return Decision { prune: true, rungs: Vec::new() };
                }
                let at_epoch: Vec<f64> =
                    completed.iter().filter_map(|t| t.intermediate.get(&epoch).copied()).collect();
                let Some(median) = nan_median(at_epoch) else {
                    return keep;
                };
                Decision { prune: if maximize { best < median } else { best > median }, rungs: Vec::new() }
            }
            Pruner::Asha { min_epochs, reduction } => {
                let min_epochs = if let Some(m) = min_epochs {
                    m
                } else {
                    let longest = others
                        .iter()
                        .filter(|t| t.state == TrialState::Complete)
                        .filter_map(|t| t.last_epoch())
                        .max();
                    match longest {
                        Some(longest) => (longest / 100).max(1),
                        None => return keep,
                    }
                };
                // Optuna's loop: from the trial's current rung (the rungs it has
                // recorded), record each rung this epoch reaches and compete there.
                #[allow(clippy::maybe_infinite_iter, reason = "a trial has finitely many rungs")]
                let mut rung = (0..).take_while(|r| trial.rungs.contains_key(r)).count();
                let mut rungs = Vec::new();
                loop {
                    let exponent = u32::try_from(rung).unwrap_or(u32::MAX);
                    let promotion = min_epochs.saturating_mul(reduction.saturating_pow(exponent));
                    if epoch < promotion {
                        return Decision { prune: false, rungs };
                    }
                    if value.is_nan() {
                        return Decision { prune: true, rungs };
                    }
                    rungs.push((rung, value));
                    let mut competing: Vec<f64> =
                        others.iter().filter_map(|t| t.rungs.get(&rung).copied()).collect();
                    competing.push(value);
                    if !promotable(value, &mut competing, reduction, maximize) {
                        return Decision { prune: true, rungs };
                    }
                    rung += 1;
                }
            }
        }
    }
}

/// A pruner's answer after an epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Stop the trial.
    pub prune: bool,
    /// Successive halving's rung values to record, `(rung, value)`.
    pub rungs: Vec<(usize, f64)>,
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
    Some(if n % 2 == 1 { values[n / 2] } else { f64::midpoint(values[n / 2 - 1], values[n / 2]) })
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
        let done = [
            trial(TrialState::Complete, &[(3, 0.5), (4, 0.4)]),
            trial(TrialState::Complete, &[(3, 0.7), (4, 0.6)]),
        ];
        let others: Vec<&Trial> = done.iter().collect();
        // Minimizing a loss: the median at epoch 3 is 0.6.
        assert!(median.should_prune(
            &trial(TrialState::Running, &[(1, 0.9), (2, 0.8), (3, 0.65)]),
            3,
            &others,
            false
        ));
        assert!(!median.should_prune(
            &trial(TrialState::Running, &[(1, 0.9), (2, 0.8), (3, 0.55)]),
            3,
            &others,
            false
        ));
        // The best value so far counts, not the last.
        assert!(!median.should_prune(
            &trial(TrialState::Running, &[(1, 0.3), (2, 0.8), (3, 0.9)]),
            3,
            &others,
            false
        ));
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
        // Eight values at rung 1 (epoch 4): the best 8/4 = 2 go on.
        let others: Vec<Trial> = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
            .iter()
            .map(|&v| Trial {
                rungs: BTreeMap::from([(0, 0.5), (1, v)]),
                ..trial(TrialState::Complete, &[(4, v)])
            })
            .collect();
        let others: Vec<&Trial> = others.iter().collect();
        let at_rung_1 =
            |v: f64| Trial { rungs: BTreeMap::from([(0, 0.5)]), ..trial(TrialState::Running, &[(4, v)]) };
        assert!(!asha.should_prune(&at_rung_1(0.15), 4, &others, false));
        let decision = asha.decide(&at_rung_1(0.25), 4, &others, false);
        assert_eq!(decision, Decision { prune: true, rungs: vec![(1, 0.25)] });
        assert!(!asha.should_prune(&at_rung_1(0.65), 4, &others, true));
        assert!(asha.should_prune(&at_rung_1(f64::NAN), 4, &others, false));
    }
}
