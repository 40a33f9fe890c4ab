//! `nntui tune`: a hyperparameter search over training options (Optuna's TPE by
//! default, random draws or a grid), every trial an ordinary training run (cross-validated or with a validation split), pruned early by Optuna's
//! rules, recorded in a study journal that several processes can share.

pub mod importance;
pub mod journal;
pub mod optuna;
pub mod pruner;
pub mod report;
pub mod space;
pub mod study;
pub mod tpe;
