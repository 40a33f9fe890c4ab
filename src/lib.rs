//! nntui: train Keras-style neural networks on CSV files, headless or with a live
//! terminal dashboard.
//!
//! The engine (`data`, `nn`, `train`) never names the terminal or command-line crates;
//! the dashboard (`tui`) and the printers (`headless`) see only [`train::Event`]s.

#![forbid(unsafe_code)]

pub mod cli;
pub mod data;
pub mod debug;
pub mod evaluate;
pub mod export;
pub mod headless;
pub mod model_file;
pub mod names;
pub mod nn;
pub mod plot;
pub mod prepare;
pub mod random;
pub mod runs;
pub mod series;
pub mod signals;
pub mod stats;
pub mod tensorboard;
pub mod train;
pub mod tui;
pub mod tune;
