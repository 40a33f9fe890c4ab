//! The search space `nntui tune` reads from training options: `a|b|c` is a choice,
//! `LO..HI` a range (`:log` for a log scale), anything else a fixed value. Sampling is
//! a function of the seed and the sample's number only, so that any process sharing a
//! study draws the same values for the same number.

use crate::random::{self, Stream};
use rand::RngExt;

/// The options a search may vary, and whether their values are numbers.
pub const SEARCHABLE: [(&str, Kind); 11] = [
    ("--lr", Kind::Float),
    ("--layers", Kind::Text),
    ("--batch-size", Kind::Int),
    ("--l1", Kind::Float),
    ("--l2", Kind::Float),
    ("--epochs", Kind::Int),
    ("--optimizer", Kind::Text),
    ("--init", Kind::Text),
    ("--momentum", Kind::Float),
    ("--lr-decay", Kind::Float),
    ("--dropout", Kind::Float),
];

/// What values an option takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Real numbers.
    Float,
    /// Whole numbers.
    Int,
    /// Anything (choices only).
    Text,
}

/// The values one option is searched over.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// One of these, as written.
    Choice(Vec<String>),
    /// A real number in `[low, high]`, uniform or uniform in the logarithm.
    Float { low: f64, high: f64, log: bool },
    /// A whole number in `[low, high]`.
    Int { low: i64, high: i64, log: bool },
}

/// One searched option.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The flag, `--lr`.
    pub flag: String,
    /// What it was given, `1e-4..1e-1:log`.
    pub text: String,
    /// Its values.
    pub domain: Domain,
}

impl Param {
    /// The name shown in tables: the flag without its dashes.
    pub fn name(&self) -> &str {
        self.flag.trim_start_matches('-')
    }
}

/// The kind of a searchable flag, or `None` for another option.
pub fn kind_of(flag: &str) -> Option<Kind> {
    SEARCHABLE.iter().find(|(f, _)| *f == flag).map(|&(_, kind)| kind)
}

/// Reads an option's value: `Some(domain)` when it asks for a search, `None` when it is
/// a plain value.
///
/// # Errors
/// A range on an option that takes no numbers, a range that is empty or backwards, a
/// log scale over values that are not all positive, bounds that are not numbers.
pub fn parse(flag: &str, kind: Kind, text: &str) -> Result<Option<Domain>, String> {
    if text.contains('|') {
        let choices: Vec<String> = text.split('|').map(|c| c.trim().to_string()).collect();
        if choices.iter().any(String::is_empty) {
            return Err(format!("{flag} {text:?}: an empty choice (choices are a|b|c)"));
        }
        return Ok(Some(Domain::Choice(choices)));
    }
    let Some((low, rest)) = text.split_once("..") else {
        return Ok(None);
    };
    let (high, log) = match rest.strip_suffix(":log") {
        Some(high) => (high, true),
        None => (rest, false),
    };
    let bad = |what: &str| Err(format!("{flag} {text:?}: {what} (ranges are LO..HI or LO..HI:log)"));
    match kind {
        Kind::Text => bad("this option takes choices a|b|c, not a range"),
        Kind::Float => {
            let (Ok(low), Ok(high)) = (low.trim().parse::<f64>(), high.trim().parse::<f64>()) else {
                return bad("the bounds are not numbers");
            };
            if !(low.is_finite() && high.is_finite() && low < high) {
                return bad("the low bound must be below the high one");
            }
            if log && low <= 0.0 {
                return bad("a log scale needs a positive low bound");
            }
            Ok(Some(Domain::Float { low, high, log }))
        }
        Kind::Int => {
            let (Ok(low), Ok(high)) = (low.trim().parse::<i64>(), high.trim().parse::<i64>()) else {
                return bad("the bounds are not whole numbers");
            };
            if low >= high || low < 1 {
                return bad("the bounds must be at least 1, the low one below the high one");
            }
            Ok(Some(Domain::Int { low, high, log }))
        }
    }
}

/// The searched options, in the order given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Space {
    /// Each searched option.
    pub params: Vec<Param>,
}

impl Space {
    /// Sample `index` of a random search: each option's value, as the command line takes it.
    #[allow(clippy::cast_possible_truncation, reason = "a whole number drawn between two i64 bounds")]
    pub fn sample(&self, seed: u64, index: usize) -> Vec<(String, String)> {
        let mut rng = random::rng(seed, Stream::Trial(index));
        self.params
            .iter()
            .map(|param| {
                let value = match &param.domain {
                    Domain::Choice(choices) => choices[rng.random_range(0..choices.len())].clone(),
                    Domain::Float { low, high, log } => {
                        let u: f64 = rng.random();
                        let value = if *log {
                            (low.ln() + u * (high.ln() - low.ln())).exp()
                        } else {
                            low + u * (high - low)
                        };
                        // Shortest text that reads back as the same f64.
                        format!("{}", value.clamp(*low, *high))
                    }
                    Domain::Int { low, high, log } => {
                        let value = if *log {
                            let u: f64 = rng.random();
                            let (l, h) = ((*low as f64).ln(), ((*high + 1) as f64).ln());
                            ((l + u * (h - l)).exp().floor() as i64).clamp(*low, *high)
                        } else {
                            rng.random_range(*low..=*high)
                        };
                        value.to_string()
                    }
                };
                (param.flag.clone(), value)
            })
            .collect()
    }

    /// Whether every option is a choice list (a grid can be walked).
    pub fn is_grid(&self) -> bool {
        self.params.iter().all(|p| matches!(p.domain, Domain::Choice(_)))
    }

    /// Points on the grid: the product of the choice counts.
    pub fn grid_size(&self) -> usize {
        self.params
            .iter()
            .map(|p| match &p.domain {
                Domain::Choice(choices) => choices.len(),
                _ => 1,
            })
            .product()
    }

    /// Point `index` of the grid (the last option varies fastest).
    pub fn grid_point(&self, index: usize) -> Vec<(String, String)> {
        let mut rest = index;
        let mut point: Vec<(String, String)> = self
            .params
            .iter()
            .rev()
            .map(|p| {
                let choices = match &p.domain {
                    Domain::Choice(choices) => choices.as_slice(),
                    _ => &[],
                };
                let n = choices.len().max(1);
                let value = choices.get(rest % n).cloned().unwrap_or_default();
                rest /= n;
                (p.flag.clone(), value)
            })
            .collect();
        point.reverse();
        point
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(options: &[(&str, &str)]) -> Space {
        Space {
            params: options
                .iter()
                .map(|(flag, text)| Param {
                    flag: (*flag).into(),
                    text: (*text).into(),
                    domain: parse(flag, kind_of(flag).unwrap(), text).unwrap().unwrap(),
                })
                .collect(),
        }
    }

    #[test]
    fn values_choices_and_ranges() {
        assert_eq!(parse("--lr", Kind::Float, "0.01"), Ok(None));
        assert_eq!(parse("--layers", Kind::Text, "12:relu,8:relu"), Ok(None));
        assert_eq!(
            parse("--layers", Kind::Text, "12:relu,8:relu|32:relu"),
            Ok(Some(Domain::Choice(vec!["12:relu,8:relu".into(), "32:relu".into()])))
        );
        assert_eq!(
            parse("--lr", Kind::Float, "1e-4..1e-1:log"),
            Ok(Some(Domain::Float { low: 1e-4, high: 0.1, log: true }))
        );
        assert_eq!(
            parse("--batch-size", Kind::Int, "8..64"),
            Ok(Some(Domain::Int { low: 8, high: 64, log: false }))
        );
        for (flag, kind, text) in [
            ("--lr", Kind::Float, "0..1:log"),
            ("--lr", Kind::Float, "0.1..0.01"),
            ("--lr", Kind::Float, "a..b"),
            ("--optimizer", Kind::Text, "1..2"),
            ("--epochs", Kind::Int, "1.5..20"),
            ("--init", Kind::Text, "he_uniform||glorot_uniform"),
        ] {
            assert!(parse(flag, kind, text).is_err(), "{flag} {text}");
        }
    }

    #[test]
    fn samples_stay_in_range_follow_the_scale_and_repeat_with_the_seed() {
        let s = space(&[
            ("--lr", "1e-4..1e-1:log"),
            ("--batch-size", "8..64"),
            ("--optimizer", "adam|sgd|rmsprop"),
        ]);
        let samples: Vec<Vec<(String, String)>> = (0..2000).map(|i| s.sample(7, i)).collect();
        let lrs: Vec<f64> = samples.iter().map(|p| p[0].1.parse().unwrap()).collect();
        assert!(lrs.iter().all(|&lr| (1e-4..=0.1).contains(&lr)));
        // Log-uniform: each decade gets about a third.
        let below = lrs.iter().filter(|&&lr| lr < 1e-3).count();
        assert!((550..=780).contains(&below), "{below} of 2000 below 1e-3");
        let batches: Vec<i64> = samples.iter().map(|p| p[1].1.parse().unwrap()).collect();
        assert_eq!((batches.iter().min(), batches.iter().max()), (Some(&8), Some(&64)));
        for optimizer in ["adam", "sgd", "rmsprop"] {
            assert!(samples.iter().filter(|p| p[2].1 == optimizer).count() > 550);
        }
        assert_eq!(s.sample(7, 3), s.sample(7, 3));
        assert_ne!(s.sample(7, 3), s.sample(8, 3));
        // Text that reads back as the sampled number exactly.
        assert_eq!(samples[0][0].1.parse::<f64>().unwrap().to_string(), samples[0][0].1);
    }

    #[test]
    fn the_grid_visits_every_point_once() {
        let s = space(&[("--lr", "0.001|0.01"), ("--layers", "8:relu|16:relu|32:relu")]);
        assert!(s.is_grid());
        assert_eq!(s.grid_size(), 6);
        let points: std::collections::BTreeSet<Vec<(String, String)>> =
            (0..6).map(|i| s.grid_point(i)).collect();
        assert_eq!(points.len(), 6);
        assert_eq!(
            s.grid_point(1),
            vec![("--lr".into(), "0.001".into()), ("--layers".into(), "16:relu".into())]
        );
        assert!(!space(&[("--lr", "0.001..0.1")]).is_grid());
    }
}
