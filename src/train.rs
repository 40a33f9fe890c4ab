//! The training engine: plans a run, trains folds on background threads, and talks
//! to the outside only through [`Event`]s out and [`Control`]s in.

pub mod callbacks;
mod engine;
pub mod event;
mod fit;
mod fold_callbacks;
mod learned;
mod live;
pub mod plan;

pub use engine::{Handle, RunResult, spawn};
pub use event::{
    Ack, BatchProgress, CallbackEvent, CodeMap, Control, DecisionMap, Divergence, EpochReport, Event,
    Filters, FoldOutcome, FoldReport, FoldStart, Forecast, GateWeights, Histogram, LayerWeights,
    LearnedReport, RunInfo, RunSummary, Score, Warning, WeightsReport,
};
pub use fit::TrainedModel;
pub use plan::{InitialModel, MapFeatures, ModelSaver, Plan, PlanError, RunConfig, SaveModel, Split};
