//! The store every source fills and every view reads: named series of training values,
//! whatever wrote them ([`store`]), and the one rule for which way a value improves.

pub mod store;

pub use store::{Part, Point, Series, smooth};

/// Which way a named value improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Lower is better (losses, errors).
    Lower,
    /// Higher is better (accuracies, AUC, F1).
    Higher,
}

impl Direction {
    /// Whether higher is better.
    pub fn maximizes(self) -> bool {
        self == Direction::Higher
    }
}

/// Words that mark a value where lower is better, as whole words of its name.
const LOWER: [&str; 24] = [
    "loss",
    "error",
    "err",
    "mse",
    "mae",
    "rmse",
    "mape",
    "msle",
    "rmsle",
    "perplexity",
    "ppl",
    "nll",
    "wer",
    "cer",
    "kl",
    "kld",
    "hinge",
    "crossentropy",
    "xent",
    "ce",
    "bce",
    "distance",
    "huber",
    "logcosh",
];

/// Words that mark a value where higher is better.
const HIGHER: [&str; 16] = [
    "accuracy",
    "acc",
    "auc",
    "precision",
    "recall",
    "f1",
    "fbeta",
    "r2",
    "iou",
    "dice",
    "bleu",
    "rouge",
    "map",
    "ap",
    "top",
    "score",
];

/// Which way `name` improves, from its words (`val_loss`, `Loss/train`, `epoch_accuracy`,
/// `train_f1_score`, `hparam/accuracy`): lower for losses and errors, higher for
/// accuracies and scores; the last word that says decides (`error_rate` is an error,
/// `top_k_categorical_accuracy` an accuracy). A name with no such word (a learning rate,
/// an epoch or step counter, a time) has no better side.
pub fn direction(name: &str) -> Option<Direction> {
    let lower = name.to_ascii_lowercase();
    lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).rev().find_map(|word| {
        // `top5`, `bleu4`: a word may carry a number.
        let word = if word.len() > 2 { word.trim_end_matches(|c: char| c.is_ascii_digit()) } else { word };
        if LOWER.contains(&word) {
            Some(Direction::Lower)
        } else if HIGHER.contains(&word) {
            Some(Direction::Higher)
        } else {
            None
        }
    })
}

/// Whether `name` is a value where higher is better (an unknown name is taken as a loss,
/// which is what most logged values are).
pub fn maximizes(name: &str) -> bool {
    direction(name).is_some_and(Direction::maximizes)
}

/// What a chart shows for a name: the name itself with its `val_` twin, or for a
/// TensorBoard tag group (`Loss/train`, `Loss/test`) the whole group, `Loss/*`.
pub fn subject(name: &str) -> String {
    let base = name.strip_prefix("val_").unwrap_or(name);
    match base.split_once('/') {
        Some((group, _)) => format!("{group}/*"),
        None => base.to_string(),
    }
}

/// The names a chart of `subject` draws among `names`, each with whether it is drawn
/// dotted (a `val_` twin, or a group's tags after its first).
pub fn subject_names(subject: &str, names: &[String]) -> Vec<(String, bool)> {
    match subject.strip_suffix("/*") {
        Some(group) => {
            let prefix = format!("{group}/");
            let mut members: Vec<&String> =
                names.iter().filter(|n| n.strip_prefix("val_").unwrap_or(n).starts_with(&prefix)).collect();
            members.sort();
            members.into_iter().enumerate().map(|(i, n)| (n.clone(), i > 0)).collect()
        }
        None => vec![(subject.to_string(), false), (format!("val_{subject}"), true)],
    }
}

/// A compact number: `0.001`, `2.5e-5`, `20`.
pub fn short(value: f64) -> String {
    if value == 0.0 {
        "0".into()
    } else if value.abs() >= 1e-3 && value.abs() < 1e5 {
        let text = format!("{value:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{value:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_every_name() {
        let lower = [
            "loss",
            "val_loss",
            "Loss/train",
            "epoch_loss",
            "train_loss_step",
            "mae",
            "val_mae",
            "mse",
            "rmse",
            "mape",
            "msle",
            "perplexity",
            "val_ppl",
            "nll",
            "wer",
            "cer",
            "kl_divergence",
            "hinge",
            "categorical_crossentropy",
            "error_rate",
            "val/error",
            "mean_absolute_error",
            "hparam/loss",
        ];
        let higher = [
            "accuracy",
            "val_accuracy",
            "acc",
            "epoch_accuracy",
            "auc",
            "val_auc",
            "pr_auc",
            "precision",
            "val_recall",
            "f1_score",
            "f1",
            "r2_score",
            "iou",
            "mean_iou",
            "dice",
            "bleu",
            "Accuracy/valid",
            "top_k_categorical_accuracy",
            "hparam/accuracy",
            "sparse_categorical_accuracy",
        ];
        let neither =
            ["learning_rate", "lr", "lr-Adam", "epoch", "step", "epoch_time", "time", "seconds", "momentum"];
        for name in lower {
            assert_eq!(direction(name), Some(Direction::Lower), "{name}");
        }
        for name in higher {
            assert_eq!(direction(name), Some(Direction::Higher), "{name}");
        }
        for name in neither {
            assert_eq!(direction(name), None, "{name}");
        }
        assert_eq!(direction("something_else"), None);
        assert!(maximizes("val_accuracy") && !maximizes("val_loss") && !maximizes("weird"));
    }
}
