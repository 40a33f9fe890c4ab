//! The training engine: plans a run, trains folds on background threads, and talks
//! to the outside only through [`Event`]s out and [`Control`]s in.

mod engine;
pub mod event;
mod fit;
mod live;
pub mod plan;

pub use engine::{Handle, RunResult, spawn};
pub use event::{
    Ack, Control, Divergence, EpochReport, Event, FoldOutcome, FoldReport, FoldStart, Histogram,
    LayerWeights, RunInfo, RunSummary, Score, Warning, WeightsReport,
};
pub use fit::TrainedModel;
pub use plan::{Plan, PlanError, RunConfig};

/// Mean and population standard deviation (numpy's `std`), or `None` for no values.
pub fn mean_and_std(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    Some((mean, variance.sqrt()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn population_standard_deviation() {
        let (mean, std) = super::mean_and_std(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(mean, 2.5);
        assert!((std - 1.25f64.sqrt()).abs() < 1e-15);
        assert_eq!(super::mean_and_std(&[]), None);
    }
}
