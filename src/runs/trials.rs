//! A study's trials as its figures draw them, in the terminal and in files alike (the
//! plots of optuna-dashboard): the objective over trials with the best so far, the
//! objective against each searched option (a slice), and parallel coordinates. Worked
//! out from the runs the store holds (nntui's study journals and Optuna's storages), so
//! that every view reads the same numbers.

use super::read::Run;
use std::collections::BTreeMap;

/// One trial as the figures place it.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Its number in its study.
    pub trial: usize,
    /// Whether the pruner stopped it (drawn apart; its value is its last reported one).
    pub pruned: bool,
    /// Its objective value.
    pub value: f64,
    /// Its index among the runs it was made from (for its colour).
    pub run: usize,
}

/// How one searched option is laid along an axis.
#[derive(Clone, Debug, PartialEq)]
pub enum Scale {
    /// Numbers, placed by their logarithm when `log` (all positive, spanning more than a
    /// factor of 20), between `low` and `high` (as the values, not their logarithms).
    Number { low: f64, high: f64, log: bool },
    /// Choices, in sorted order, one place each.
    Choice(Vec<String>),
}

impl Scale {
    /// Where `text` falls, from 0 (low end) to 1 (high end).
    pub fn place(&self, text: &str) -> Option<f64> {
        match self {
            Scale::Number { low, high, log } => {
                let x: f64 = text.parse().ok()?;
                let (x, low, high) =
                    if *log { (x.log10(), low.log10(), high.log10()) } else { (x, *low, *high) };
                Some(if high > low { (x - low) / (high - low) } else { 0.5 })
            }
            Scale::Choice(choices) => {
                let at = choices.iter().position(|c| c == text)?;
                Some(if choices.len() > 1 { at as f64 / (choices.len() - 1) as f64 } else { 0.5 })
            }
        }
    }

    /// A value at `place` (0 to 1) as an axis label: a number as the option takes it
    /// (`0.001`, not `-3`), or the choice there.
    #[allow(clippy::cast_possible_truncation, reason = "a choice's place")]
    pub fn label(&self, place: f64, short: impl Fn(f64) -> String) -> String {
        match self {
            Scale::Number { low, high, log: true } => {
                short(10f64.powf(low.log10() + place * (high.log10() - low.log10())))
            }
            Scale::Number { low, high, log: false } => short(low + place * (high - low)),
            Scale::Choice(choices) => {
                let at = (place * (choices.len().max(1) - 1) as f64).round() as usize;
                choices.get(at).cloned().unwrap_or_default()
            }
        }
    }
}

/// A study's trials, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// The objective's name.
    pub objective: String,
    /// Whether higher is better.
    pub maximize: bool,
    /// Finished trials with a finite objective (complete and pruned), by trial number.
    pub points: Vec<Point>,
    /// Each searched option's scale, by name.
    pub scales: BTreeMap<String, Scale>,
    /// Each point's searched values, by option (parallel to `points`).
    pub values: Vec<BTreeMap<String, String>>,
}

impl Figures {
    /// The trials of the study among `runs` (those with an objective; for several studies,
    /// those of the first one's objective), or `None` when none has a value yet.
    pub fn of(runs: &[&Run]) -> Option<Figures> {
        let (objective, maximize) = runs.iter().find_map(|r| r.objective.clone())?;
        let mut points = Vec::new();
        let mut values = Vec::new();
        for (index, run) in runs.iter().enumerate() {
            if run.objective.as_ref().is_none_or(|(name, _)| *name != objective) {
                continue;
            }
            let (Some(trial), Some(state)) = (run.trial, run.trial_state) else { continue };
            if state != "complete" && state != "pruned" {
                continue;
            }
            let Some((_, value)) = run.objective_value() else { continue };
            if !value.is_finite() {
                continue;
            }
            points.push(Point { trial, pruned: state == "pruned", value, run: index });
            values.push(run.params.clone());
        }
        if points.is_empty() {
            return None;
        }
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by_key(|&i| points[i].trial);
        let points: Vec<Point> = order.iter().map(|&i| points[i].clone()).collect();
        let values: Vec<BTreeMap<String, String>> = order.iter().map(|&i| values[i].clone()).collect();
        let names: std::collections::BTreeSet<&String> = values.iter().flat_map(BTreeMap::keys).collect();
        let scales = names
            .into_iter()
            .map(|name| {
                let texts: Vec<&str> =
                    values.iter().filter_map(|v| v.get(name).map(String::as_str)).collect();
                (name.clone(), scale_of(&texts))
            })
            .collect();
        Some(Figures { objective, maximize, points, scales, values })
    }

    /// The best objective so far at each complete trial (pruned trials do not count, as in
    /// Optuna's history plot).
    pub fn best_so_far(&self) -> Vec<(f64, f64)> {
        let mut best: Option<f64> = None;
        self.points
            .iter()
            .filter(|p| !p.pruned)
            .map(|p| {
                let better = best.is_none_or(|b| if self.maximize { p.value > b } else { p.value < b });
                if better {
                    best = Some(p.value);
                }
                (p.trial as f64, best.unwrap_or(p.value))
            })
            .collect()
    }

    /// The objective's range over the points.
    pub fn value_range(&self) -> (f64, f64) {
        self.points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| (l.min(p.value), h.max(p.value)))
    }

    /// Where a point's objective falls from worst (0) to best (1), for its colour.
    pub fn goodness(&self, value: f64) -> f64 {
        let (low, high) = self.value_range();
        let place = if high > low { (value - low) / (high - low) } else { 1.0 };
        if self.maximize { place } else { 1.0 - place }
    }
}

/// The scale of an option from the values its trials took: numbers when all are,
/// logarithmic when all are positive and span more than a factor of 20; else choices.
fn scale_of(texts: &[&str]) -> Scale {
    let numbers: Option<Vec<f64>> =
        texts.iter().map(|t| t.parse::<f64>().ok().filter(|x| x.is_finite())).collect();
    match numbers {
        Some(numbers) if !numbers.is_empty() => {
            let (low, high) =
                numbers.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| (l.min(x), h.max(x)));
            Scale::Number { low, high, log: low > 0.0 && high / low > 20.0 }
        }
        _ => {
            let mut choices: Vec<String> = texts.iter().map(|t| (*t).to_string()).collect();
            choices.sort();
            choices.dedup();
            Scale::Choice(choices)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(number: usize, state: &'static str, value: f64, lr: &str, act: &str) -> Run {
        let mut run = Run {
            trial: Some(number),
            trial_state: Some(state),
            objective: Some(("accuracy".into(), true)),
            ..Run::default()
        };
        run.finals.insert("accuracy".into(), value);
        run.params.insert("lr".into(), lr.into());
        run.params.insert("activation".into(), act.into());
        run
    }

    #[test]
    fn the_history_keeps_the_best_complete_trial_so_far() {
        let runs = [
            trial(0, "complete", 0.7, "0.001", "relu"),
            trial(2, "pruned", 0.95, "0.1", "tanh"),
            trial(1, "complete", 0.8, "0.01", "relu"),
            trial(3, "complete", 0.75, "0.1", "tanh"),
            trial(4, "failed", f64::NAN, "0.1", "tanh"),
        ];
        let figures = Figures::of(&runs.iter().collect::<Vec<_>>()).unwrap();
        let order: Vec<usize> = figures.points.iter().map(|p| p.trial).collect();
        assert_eq!(order, [0, 1, 2, 3], "by trial number, the failed one left out");
        assert!(figures.points[2].pruned);
        // The pruned trial's 0.95 is not a best: it did not finish.
        assert_eq!(figures.best_so_far(), [(0.0, 0.7), (1.0, 0.8), (3.0, 0.8)]);
        assert!((figures.goodness(0.95) - 1.0).abs() < 1e-12 && figures.goodness(0.7).abs() < 1e-12);
        // 0.001..0.1 spans a factor of 100: a log scale, labelled in learning rates.
        let lr = &figures.scales["lr"];
        assert_eq!(lr, &Scale::Number { low: 0.001, high: 0.1, log: true });
        assert!((lr.place("0.01").unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(lr.label(0.5, |x| format!("{x:.3}")), "0.010");
        assert_eq!(figures.scales["activation"], Scale::Choice(vec!["relu".into(), "tanh".into()]));
        assert_eq!(figures.scales["activation"].place("tanh"), Some(1.0));
    }

    #[test]
    fn a_minimized_objective_is_best_low() {
        let mut runs = [trial(0, "complete", 3.0, "1", "a"), trial(1, "complete", 1.0, "2", "a")];
        for run in &mut runs {
            run.objective = Some(("accuracy".into(), false));
        }
        let figures = Figures::of(&runs.iter().collect::<Vec<_>>()).unwrap();
        assert_eq!(figures.best_so_far(), [(0.0, 3.0), (1.0, 1.0)]);
        assert!((figures.goodness(1.0) - 1.0).abs() < 1e-12);
        assert_eq!(figures.scales["lr"], Scale::Number { low: 1.0, high: 2.0, log: false });
    }
}
