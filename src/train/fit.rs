//! Training one fold: the epoch and batch loop, evaluation, and the fold's events.

use super::callbacks::{CallbackAction, Logs};
use super::engine::Emitter;
use super::event::{
    BatchProgress, CallbackEvent, CodeMap, Divergence, EXPLODED_WEIGHT, EpochReport, Event, Filters,
    FoldOutcome, FoldReport, FoldStart, Forecast, GateWeights, Histogram, LayerWeights, LearnedReport, Score,
    Warning, WeightsReport,
};
use super::fold_callbacks::FoldCallbacks;
use super::learned::{MapGrid, Outcomes};
use super::live::{Flow, Live, Position, View};
use super::plan::Plan;
use crate::data::{Dataset, Scaling, Task};
use crate::nn::layer::Op;
use crate::nn::metric::predicted_class;
use crate::nn::{Batch, Measure, Optimizer, Sequential, StepBuffers, Tally, Workspace};
use crate::random::{self, Stream};
use rand::seq::SliceRandom;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A trained network with the scaling it expects.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainedModel {
    /// The network.
    pub model: Sequential<f32>,
    /// Statistics of its training rows, if `--standardize` was on.
    pub scaling: Scaling,
}

/// Rows per forward pass when evaluating.
const EVALUATION_ROWS: usize = 256;

/// Weight histograms cost about as much as a pass over this many rows; they are sent
/// every `ceil(WEIGHTS_COST_ROWS / training rows)` epochs so that they stay a few
/// percent of training time even on tiny datasets.
const WEIGHTS_COST_ROWS: usize = 256;
/// With no rows held out, the training rows are scored for the pictures every
/// `ceil(training rows / PICTURE_ROWS)` epochs (an extra pass over them).
const PICTURE_ROWS: usize = 20_000;
/// The least time between two progress events (Keras's progress bar's interval).
const PROGRESS_EVERY: Duration = Duration::from_millis(50);

/// Copies `rows` into a batch: features (standardized if asked) and targets shaped for
/// the output layer (the class index for one sigmoid unit, one-hot for softmax, the
/// (scaled) value for regression). The choices are made once per call, not per row.
fn gather(
    features: &[f32],
    dataset: &Dataset,
    scaling: &Scaling,
    rows: &[u32],
    units: usize,
    x: &mut [f32],
    y: &mut [f32],
) {
    let width = dataset.feature_count();
    let pairs = rows.iter().map(|&row| row as usize).zip(x.chunks_exact_mut(width));
    match (&scaling.imputer, &scaling.features) {
        (Some(_), _) => {
            pairs.for_each(|(row, x_row)| {
                scaling.transform_features(&features[row * width..][..width], x_row);
            });
        }
        (None, Some(standardizer)) => {
            pairs.for_each(|(row, x_row)| standardizer.transform(&features[row * width..][..width], x_row));
        }
        (None, None) => {
            pairs.for_each(|(row, x_row)| x_row.copy_from_slice(&features[row * width..][..width]));
        }
    }
    let labels = rows.iter().map(|&row| dataset.labels[row as usize]);
    match (&scaling.target, units == 1 || dataset.task == Task::Regression) {
        (Some(target), _) => labels.zip(y.iter_mut()).for_each(|(label, y)| *y = target.apply(label)),
        (None, true) => labels.zip(y.iter_mut()).for_each(|(label, y)| *y = label),
        #[allow(
            clippy::cast_possible_truncation,
            reason = "class labels are small whole numbers stored as f32"
        )]
        (None, false) => labels.zip(y.chunks_exact_mut(units)).for_each(|(label, y_row)| {
            y_row.fill(0.0);
            y_row[label as usize] = 1.0;
        }),
    }
}

/// Forward-only passes over many rows, with buffers reused between calls.
struct Evaluator {
    workspace: Workspace<f32>,
    x: Vec<f32>,
    y: Vec<f32>,
    /// Rows predicted per class by the last evaluation.
    predicted: Vec<usize>,
    /// For a forecast (`--window`, regression): the last evaluation's held-out targets
    /// and predictions, in the target's units.
    forecast: Option<Forecast>,
    /// `--metrics` over the last evaluation's rows.
    tallies: Tallies,
    /// The last evaluation's predicted classes, for the pictures.
    outcomes: Outcomes,
    /// A chunk's sample weights.
    weights: Vec<f32>,
}

/// `--metrics`' state over an epoch's batches or an evaluation's chunks, with room to
/// put a regression's values back in the label's units.
struct Tallies {
    /// One per metric.
    each: Vec<Tally>,
    predictions: Vec<f32>,
    targets: Vec<f32>,
}

impl Tallies {
    fn new(measures: &[Measure], units: usize) -> Tallies {
        Tallies {
            each: measures.iter().map(|&m| Tally::new(m, units)).collect(),
            predictions: Vec::new(),
            targets: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.each.iter_mut().for_each(Tally::reset);
    }

    /// Takes in `rows x units` outputs and their targets (scaled as trained on).
    fn add(&mut self, scaling: &Scaling, predictions: &[f32], targets: &[f32], units: usize) {
        if self.each.is_empty() {
            return;
        }
        let (predictions, targets) = match &scaling.target {
            Some(target) => {
                let unscale = |v: &f32| v * target.std + target.mean;
                self.predictions.clear();
                self.predictions.extend(predictions.iter().map(unscale));
                self.targets.clear();
                self.targets.extend(targets.iter().map(unscale));
                (&self.predictions[..], &self.targets[..])
            }
            None => (predictions, targets),
        };
        for tally in &mut self.each {
            tally.add(predictions, targets, units);
        }
    }

    /// Each measure's value, by its name after `prefix` (`val_`).
    fn results(&self, prefix: &str) -> BTreeMap<String, f64> {
        self.each.iter().map(|t| (format!("{prefix}{}", t.measure().name()), t.result())).collect()
    }
}

impl Evaluator {
    fn new(model: &Sequential<f32>, classes: usize, measures: &[Measure], pictures: bool) -> Self {
        Evaluator {
            outcomes: Outcomes::new(pictures && classes > 0),
            weights: Vec::new(),
            tallies: Tallies::new(measures, model.output_units()),
            workspace: model.workspace(EVALUATION_ROWS),
            x: vec![0.0; EVALUATION_ROWS * model.input_dim()],
            y: vec![0.0; EVALUATION_ROWS * model.output_units()],
            predicted: vec![0; classes],
            forecast: None,
        }
    }

    /// Loss (penalty included, as Keras's `evaluate`) and metric over `rows`; `None`
    /// if a stop came first (looked at between chunks, so a stop never waits for a
    /// pass over a large dataset).
    fn evaluate(
        &mut self,
        fit: &Fit<'_>,
        model: &Sequential<f32>,
        settings_penalty: f64,
        rows: &[u32],
        live: &Live,
    ) -> Option<Score> {
        let units = model.output_units();
        let (mut loss, mut metric) = (0.0, 0.0);
        self.predicted.fill(0);
        self.tallies.reset();
        self.outcomes.clear();
        // A series' forecast: the last held-out windows, targets and predictions.
        let forecast_from = rows.len().saturating_sub(Forecast::MAX);
        let mut forecast = (fit.plan.config.window.is_some()
            && units == 1
            && fit.dataset.task == Task::Regression)
            .then(|| Forecast {
                first: rows.get(forecast_from).map_or(0, |&r| r as usize),
                actual: Vec::new(),
                predicted: Vec::new(),
            });
        let unscale = |v: f32| fit.scaling.target.map_or(v, |t| v * t.std + t.mean);
        let mut seen = 0;
        for chunk in rows.chunks(EVALUATION_ROWS) {
            if live.stopped() {
                return None;
            }
            let n = chunk.len();
            gather(fit.features, fit.dataset, &fit.scaling, chunk, units, &mut self.x, &mut self.y);
            model.forward(&self.x[..n * model.input_dim()], n, &mut self.workspace);
            let targets = &self.y[..n * units];
            // A file's sample weights weigh its rows' loss here too (Keras weighs the
            // held-out rows' loss by theirs); the metrics are not weighted.
            let weights = fit.dataset.sample_weights.as_ref().map(|own| {
                self.weights.clear();
                self.weights.extend(chunk.iter().map(|&row| own.values[row as usize]));
                &self.weights[..]
            });
            loss +=
                model.weighted_loss(fit.plan.loss, targets, n, weights, &self.workspace) * fit.loss_factor;
            let out = self.workspace.outputs(model, n);
            metric += fit.plan.metric.total(out, targets, units) * fit.metric_factor;
            self.tallies.add(&fit.scaling, out, targets, units);
            self.outcomes.add(out, units, chunk.iter().map(|&row| fit.dataset.labels[row as usize]));
            if let Some(forecast) = &mut forecast {
                for (k, (&y, &p)) in targets.iter().zip(out).enumerate() {
                    if seen + k >= forecast_from {
                        forecast.actual.push(unscale(y));
                        forecast.predicted.push(unscale(p));
                    }
                }
            }
            seen += n;
            if !self.predicted.is_empty() {
                for row in out.chunks_exact(units) {
                    self.predicted[predicted_class(row)] += 1;
                }
            }
        }
        self.forecast = forecast;
        let n = rows.len().max(1) as f64;
        Some(Score { loss: loss / n + settings_penalty, metric: metric / n })
    }
}

/// One fold's fixed inputs.
pub(crate) struct Fit<'a> {
    pub plan: &'a Plan,
    pub dataset: &'a Dataset,
    pub features: &'a [f32],
    pub scaling: Scaling,
    /// Turns the loss on scaled targets into the target's units (the loss is mse then).
    pub loss_factor: f64,
    /// Turns the metric on scaled targets into the target's units (mae then).
    pub metric_factor: f64,
}

/// Trains fold `fold`, sending its events; returns its report and, for a single fit,
/// the trained model.
pub(crate) fn train_fold(
    plan: &Plan,
    dataset: &Dataset,
    features: &[f32],
    fold: usize,
    live: &Live,
    view: &mut View,
    emitter: &Emitter,
) -> (FoldReport, TrainedModel) {
    let mut run = FoldRun::new(plan, dataset, features, fold, view);
    emitter.send(Event::FoldStarted(FoldStart {
        fold,
        train_rows: run.train_rows.len(),
        validation_rows: run.held_out().1.len(),
        steps_per_epoch: run.steps,
    }));
    let mut outcome = FoldOutcome::Completed;
    let injected_panic = crate::debug::injected_panic("engine");
    for epoch in 1..=plan.config.epochs {
        assert!(
            injected_panic != Some(epoch),
            "injected by NNTUI_DEBUG_PANIC in fold {}, epoch {epoch}",
            fold + 1
        );
        let (flow, paced) = live.pace(view, run.position(epoch), &mut |ack| emitter.send(Event::Ack(ack)));
        run.waited += paced;
        if flow == Flow::Stop || emitter.consumer_gone() {
            outcome = FoldOutcome::Stopped { epoch: run.epochs_run };
            break;
        }
        let ended = run.train_epoch(epoch, live, view, emitter).and_then(|trained| {
            live.end_epoch(view);
            run.end_epoch(epoch, &trained, live, view, emitter)
        });
        match ended {
            Ok(EpochEnd::Continue) => {}
            Ok(EpochEnd::StopAsked) => break,
            Err(ended) => {
                outcome = ended;
                break;
            }
        }
    }
    run.finish(outcome, live, view, emitter)
}

/// A fold's training between its set-up and its report: the network, the optimizer,
/// the buffers its steps and evaluations reuse, and what its epochs measured so far.
struct FoldRun<'a> {
    plan: &'a Plan,
    fold: usize,
    fit: Fit<'a>,
    /// Rows of another file (`--validation-data`, `--test`), scaled as the training
    /// rows are.
    validation_data: Option<(Fit<'a>, Vec<u32>)>,
    test_data: Option<(Fit<'a>, Vec<u32>)>,
    train_rows: Vec<u32>,
    /// The training rows in this epoch's order.
    order: Vec<u32>,
    rng: rand::rngs::Xoshiro256PlusPlus,
    model: Sequential<f32>,
    optimizer: Optimizer<f32>,
    buffers: StepBuffers<f32>,
    /// A batch's features and targets.
    x: Vec<f32>,
    y: Vec<f32>,
    weights: RowWeights<'a>,
    evaluator: Evaluator,
    policies: FoldCallbacks,
    arch: pulp::Arch,
    /// A single fit may split each batch over the threads the folds leave free.
    split_threads: usize,
    steps: usize,
    /// Epochs between two weight histograms.
    weights_every: usize,
    /// The pictures: the decision map's grid, and how often the training rows are
    /// scored for the confusion matrix when no rows are held out.
    map_grid: Option<MapGrid>,
    pictures_every: usize,
    train_tallies: Tallies,
    /// The held-out rows' `--metrics` after the last reported epoch (the fold's result).
    held_out_metrics: BTreeMap<String, f64>,
    /// And the training rows' (over the last epoch's batches; after training, over a pass).
    train_metrics: BTreeMap<String, f64>,
    started: Instant,
    /// Time spent paused or waiting for the pace, left out of the fold's time.
    waited: Duration,
    epochs_run: usize,
    /// The epoch with the lowest watched loss, and that loss.
    best: Option<(usize, f64)>,
    /// The last reported epoch's training and held-out scores: what a stopped fold reports.
    measured: Option<(Score, Option<Score>)>,
}

/// What an epoch's batches summed.
struct EpochTrained {
    loss_sum: f64,
    metric_sum: f64,
    /// The last batch's learning rate.
    learning_rate: f64,
    seconds: f64,
}

/// How an epoch that was reported ends the loop.
enum EpochEnd {
    Continue,
    /// A callback asked the training to stop.
    StopAsked,
}

impl<'a> FoldRun<'a> {
    fn new(plan: &'a Plan, dataset: &'a Dataset, features: &'a [f32], fold: usize, view: &View) -> Self {
        let config = &plan.config;
        let train_rows = train_rows(plan, dataset, fold);
        let scaling = match config.initial_model.as_ref().and_then(|m| m.scaling.clone()) {
            Some(saved) => saved,
            None => Scaling::fit(dataset, &train_rows, config.standardize),
        };
        let fit = Fit {
            plan,
            dataset,
            features,
            loss_factor: scaling.squared_error_factor(),
            metric_factor: scaling.absolute_error_factor(),
            scaling,
        };
        let validation_data = dataset.validation.as_deref().map(|data| external(&fit, data));
        let test_data = dataset.test.as_deref().map(|data| external(&fit, data));
        let mut rng = random::rng(config.seed, Stream::Fold(fold));
        let model = initial_model(plan, &mut rng);
        let optimizer = Optimizer::<f32>::new(config.optimizer, model.parameters().len());
        let batch = plan.batch_size;
        let units = model.output_units();
        let buffers =
            StepBuffers::new(&model, batch, |part| random::rng(config.seed, Stream::Dropout { fold, part }));
        let map_grid = plan
            .map
            .as_ref()
            .filter(|_| plan.pictures)
            .map(|map| MapGrid::new(map, dataset, &fit.scaling, &train_rows));
        FoldRun {
            plan,
            fold,
            validation_data,
            test_data,
            order: train_rows.clone(),
            rng,
            optimizer,
            buffers,
            x: vec![0.0; batch * dataset.feature_count()],
            y: vec![0.0; batch * units],
            weights: RowWeights::new(plan, dataset, &train_rows),
            evaluator: Evaluator::new(&model, dataset.class_count(), &plan.measures, plan.pictures),
            policies: FoldCallbacks::new(&config.policies, fold, &view.settings),
            arch: pulp::Arch::new(),
            split_threads: if plan.is_cross_validation() { 1 } else { config.threads },
            steps: train_rows.len().div_ceil(batch),
            weights_every: WEIGHTS_COST_ROWS.div_ceil(train_rows.len()).max(1),
            map_grid,
            pictures_every: train_rows.len().div_ceil(PICTURE_ROWS).max(1),
            train_tallies: Tallies::new(&plan.measures, units),
            held_out_metrics: BTreeMap::new(),
            train_metrics: BTreeMap::new(),
            started: Instant::now(),
            waited: Duration::ZERO,
            epochs_run: 0,
            best: None,
            measured: None,
            model,
            fit,
            train_rows,
        }
    }

    /// The rows the fold is scored on between epochs, and the fit that scores them.
    fn held_out(&self) -> (&Fit<'a>, &[u32]) {
        held_out(self.validation_data.as_ref(), &self.fit, self.fold)
    }

    fn position(&self, epoch: usize) -> Position {
        Position { fold: self.fold, epoch, iterations: self.optimizer.iterations() }
    }

    fn callback_event(&self, epoch: usize, action: CallbackAction) -> Event {
        Event::Callback(CallbackEvent { fold: self.fold, epoch, action })
    }

    fn diverged(&self, epoch: usize, cause: Divergence) -> FoldOutcome {
        FoldOutcome::Diverged { epoch, iterations: self.optimizer.iterations(), cause }
    }

    /// One epoch's batches; the outcome that ends the fold instead when it is stopped
    /// or its loss is not a finite number.
    fn train_epoch(
        &mut self,
        epoch: usize,
        live: &Live,
        view: &mut View,
        emitter: &Emitter,
    ) -> Result<EpochTrained, FoldOutcome> {
        let (plan, fit) = (self.plan, &self.fit);
        let (fold, batch, units) = (self.fold, plan.batch_size, self.model.output_units());
        let started = Instant::now();
        let mut waited = Duration::ZERO;
        if plan.config.shuffle {
            self.order.shuffle(&mut self.rng);
        }
        let (mut loss_sum, mut metric_sum) = (0.0, 0.0);
        let (mut step, mut rows_done, mut last_progress) = (0, 0, Instant::now());
        self.train_tallies.reset();
        let mut learning_rate = view.settings.learning_rate;
        for rows in self.order.chunks(batch) {
            let (flow, paused) =
                live.checkpoint(view, self.position(epoch), &mut |ack| emitter.send(Event::Ack(ack)));
            waited += paused;
            if flow == Flow::Stop {
                self.waited += waited;
                return Err(FoldOutcome::Stopped { epoch: self.epochs_run });
            }
            if let Some(best_epoch) = self.policies.on_batch(&view.settings, self.model.parameters_mut()) {
                let action = CallbackAction::RestoredBestWeights { best_epoch };
                emitter.send(self.callback_event(epoch, action));
            }
            let n = rows.len();
            gather(fit.features, fit.dataset, &fit.scaling, rows, units, &mut self.x, &mut self.y);
            let inputs = &self.x[..n * self.model.input_dim()];
            let targets = &self.y[..n * units];
            let regularizer = view.settings.regularizer;
            learning_rate = view.settings.learning_rate
                * self.policies.lr_factor
                * plan.config.decay.map_or(1.0, |decay| decay.factor(self.optimizer.iterations()));
            // Keras adds the penalty in the forward pass: of the weights before the update.
            let penalty = self.model.penalty(&regularizer);
            let step_batch = Batch {
                inputs,
                targets,
                loss: plan.loss,
                metric: plan.metric,
                regularizer,
                learning_rate,
                weights: self.weights.of(fit.dataset, rows),
            };
            let totals = self.model.train_step_split(
                &mut self.optimizer,
                &mut self.buffers,
                step_batch,
                self.arch,
                self.split_threads,
            );
            let batch_loss = totals.loss * fit.loss_factor / n as f64 + penalty;
            if !totals.stepped || !batch_loss.is_finite() {
                self.waited += waited;
                return Err(self.diverged(epoch, Divergence::NonFiniteLoss));
            }
            loss_sum += batch_loss * n as f64;
            metric_sum += totals.metric * fit.metric_factor;
            (step, rows_done) = (step + 1, rows_done + n);
            if plan.progress && step < self.steps && last_progress.elapsed() >= PROGRESS_EVERY {
                last_progress = Instant::now();
                let done = rows_done as f64;
                emitter.send(Event::Progress(BatchProgress {
                    fold,
                    epoch,
                    step,
                    steps: self.steps,
                    loss: loss_sum / done,
                    metric: metric_sum / done,
                    seconds: started.elapsed().saturating_sub(waited).as_secs_f64(),
                }));
            }
            // Keras's metrics see the batch's predictions before the update.
            if !plan.measures.is_empty() {
                let tallies = &mut self.train_tallies;
                self.buffers.outputs(&self.model, n, |start, out| {
                    let targets = &targets[start * units..start * units + out.len()];
                    tallies.add(&fit.scaling, out, targets, units);
                });
            }
        }
        self.waited += waited;
        let seconds = started.elapsed().saturating_sub(waited).as_secs_f64();
        Ok(EpochTrained { loss_sum, metric_sum, learning_rate, seconds })
    }

    /// After an epoch's batches: the weights checked, the held-out rows scored, the
    /// epoch reported, the callbacks run, the weights and pictures sent.
    fn end_epoch(
        &mut self,
        epoch: usize,
        trained: &EpochTrained,
        live: &Live,
        view: &View,
        emitter: &Emitter,
    ) -> Result<EpochEnd, FoldOutcome> {
        let plan = self.plan;
        let largest = largest_weight(&self.model);
        if largest > EXPLODED_WEIGHT {
            return Err(self.diverged(epoch, Divergence::ExplodedWeights { largest }));
        }
        let penalty = self.model.penalty(&view.settings.regularizer);
        let (validation_fit, held_out) = held_out(self.validation_data.as_ref(), &self.fit, self.fold);
        let validation = if held_out.is_empty() || !plan.scores_epoch(epoch, self.policies.active()) {
            None
        } else if let Some(score) =
            self.evaluator.evaluate(validation_fit, &self.model, penalty, held_out, live)
        {
            Some(score)
        } else {
            // Stopped while evaluating: this epoch is not reported.
            return Err(FoldOutcome::Stopped { epoch: self.epochs_run });
        };
        if validation.is_some_and(|score| !score.loss.is_finite()) {
            return Err(self.diverged(epoch, Divergence::NonFiniteLoss));
        }
        self.epochs_run = epoch;
        self.train_metrics = self.train_tallies.results("");
        let mut metrics = self.train_metrics.clone();
        if validation.is_some() {
            self.held_out_metrics = self.evaluator.tallies.results("val_");
            metrics.extend(self.held_out_metrics.clone());
        }
        let n = self.train_rows.len() as f64;
        let report = EpochReport {
            fold: self.fold,
            epoch,
            loss: trained.loss_sum / n,
            metric: trained.metric_sum / n,
            val_loss: validation.map(|s| s.loss),
            val_metric: validation.map(|s| s.metric),
            learning_rate: trained.learning_rate,
            metrics,
            steps: self.steps,
            iterations: self.optimizer.iterations(),
            epoch_seconds: trained.seconds,
            elapsed_seconds: self.started.elapsed().saturating_sub(self.waited).as_secs_f64(),
            policies: None,
            forecast: self.evaluator.forecast.take(),
        };
        self.measured = Some((Score { loss: report.loss, metric: report.metric }, validation));
        // An epoch left unscored (a quiet cross-validation) is not a candidate.
        let watched = match validation {
            Some(score) => Some(score.loss),
            None if held_out.is_empty() => Some(report.loss),
            None => None,
        };
        if let Some(watched) = watched
            && self.best.is_none_or(|(_, loss)| watched < loss)
        {
            self.best = Some((epoch, watched));
        }
        let (actions, policy_stop) = if self.policies.active() {
            let logs = epoch_logs(plan, &report);
            let (model, fit) = (&self.model, &self.fit);
            let mut save = |path: &str| {
                let trained = TrainedModel { model: model.clone(), scaling: fit.scaling.clone() };
                match &plan.saver {
                    Some(saver) => (saver.0)(&trained, fit.dataset, std::path::Path::new(path)),
                    None => Err(format!("{path}: no model writer was given to the engine")),
                }
            };
            let learning_rate = view.settings.learning_rate;
            self.policies.on_epoch_end(epoch, &logs, learning_rate, model.parameters(), &mut save)
        } else {
            (Vec::new(), false)
        };
        let report = EpochReport { policies: self.policies.state(), ..report };
        emitter.send(Event::EpochEnded(report));
        if plan.weights
            && (epoch.is_multiple_of(self.weights_every) || epoch == plan.config.epochs || policy_stop)
        {
            emitter.send(Event::Weights(weights_report(
                &self.model,
                self.buffers.gradients(),
                self.fold,
                epoch,
            )));
        }
        for action in actions {
            emitter.send(self.callback_event(epoch, action));
        }
        if plan.pictures
            && let Some(learned) = pictures(
                &self.fit,
                &self.model,
                &mut self.evaluator,
                (self.fold, epoch),
                &self.train_rows,
                self.map_grid.as_ref(),
                (
                    epoch.is_multiple_of(self.pictures_every) || epoch == plan.config.epochs || policy_stop,
                    live,
                ),
            )
        {
            emitter.send(Event::Learned(Box::new(learned)));
        }
        Ok(if policy_stop { EpochEnd::StopAsked } else { EpochEnd::Continue })
    }

    /// The fold's report, sent, and its model. A completed fold is scored by the
    /// held-out evaluation after its last epoch (the same model, already measured) and
    /// one pass over its training rows; a stopped fold reports what it measured, so that
    /// a stop ends the work within one batch (or one evaluation chunk) whatever the size
    /// of the data.
    fn finish(
        mut self,
        mut outcome: FoldOutcome,
        live: &Live,
        view: &View,
        emitter: &Emitter,
    ) -> (FoldReport, TrainedModel) {
        let (plan, fold, epochs_run) = (self.plan, self.fold, self.epochs_run);
        let dataset = self.fit.dataset;
        let (mut train, mut validation, mut collapsed_to) = (None, None, None);
        let mut restored_epoch = None;
        if let (FoldOutcome::Completed, Some((_, mut last_validation))) = (&outcome, self.measured) {
            let penalty = self.model.penalty(&view.settings.regularizer);
            // Early stopping's best weights, put back: the held-out rows are scored again.
            if let Some(best_epoch) = self.policies.finish(self.model.parameters_mut()) {
                let action = CallbackAction::RestoredBestWeights { best_epoch };
                emitter.send(self.callback_event(epochs_run, action));
                restored_epoch = Some(best_epoch).filter(|&b| b != epochs_run);
                let (validation_fit, held_out) = held_out(self.validation_data.as_ref(), &self.fit, fold);
                if !held_out.is_empty() {
                    last_validation =
                        self.evaluator.evaluate(validation_fit, &self.model, penalty, held_out, live);
                    self.held_out_metrics = self.evaluator.tallies.results("val_");
                }
            }
            let held_out_collapse =
                last_validation.and_then(|_| collapse(&self.evaluator.predicted, dataset));
            match self.evaluator.evaluate(&self.fit, &self.model, penalty, &self.train_rows, live) {
                Some(score) if score.loss.is_finite() => {
                    train = Some(score);
                    self.train_metrics = self.evaluator.tallies.results("");
                    validation = last_validation;
                    collapsed_to = if plan.is_cross_validation() {
                        held_out_collapse
                    } else {
                        collapse(&self.evaluator.predicted, dataset)
                    };
                }
                Some(_) => outcome = self.diverged(epochs_run, Divergence::NonFiniteLoss),
                None => outcome = FoldOutcome::Stopped { epoch: epochs_run },
            }
        }
        if let (FoldOutcome::Stopped { .. }, Some((last_train, last_validation))) = (&outcome, self.measured)
        {
            train = Some(last_train);
            validation = last_validation;
        }
        // The test file, scored once by the model the fold ends with (Keras's `evaluate`).
        let test = match (&outcome, &self.test_data) {
            (FoldOutcome::Completed, Some((data, rows))) => {
                let penalty = self.model.penalty(&view.settings.regularizer);
                self.evaluator.evaluate(data, &self.model, penalty, rows, live)
            }
            _ => None,
        };
        let elapsed_seconds = self.started.elapsed().saturating_sub(self.waited).as_secs_f64();
        warn_about(&outcome, collapsed_to.as_deref(), fold, plan, view.settings.learning_rate, emitter);
        let report = FoldReport {
            fold,
            outcome,
            epochs_run,
            train,
            validation,
            best_epoch: self.best.map(|(epoch, _)| epoch),
            collapsed_to,
            stopped_early: self.policies.stopped_early,
            restored_epoch,
            test,
            metrics: if train.is_some() { self.train_metrics } else { BTreeMap::new() }
                .into_iter()
                .chain(if validation.is_some() { self.held_out_metrics } else { BTreeMap::new() })
                .collect(),
            elapsed_seconds,
        };
        emitter.send(Event::FoldEnded(report.clone()));
        (report, TrainedModel { model: self.model, scaling: self.fit.scaling })
    }
}

/// The rows scored between epochs (`--validation-data`'s, else the fold's held-out
/// rows), and the fit that scores them.
fn held_out<'s, 'a>(
    validation_data: Option<&'s (Fit<'a>, Vec<u32>)>,
    fit: &'s Fit<'a>,
    fold: usize,
) -> (&'s Fit<'a>, &'s [u32]) {
    match validation_data {
        Some((data, rows)) => (data, rows),
        None => (fit, &fit.plan.held_out[fold]),
    }
}

/// The rows fold `fold` trains on: the plan's own split, else every row it does not
/// hold out.
fn train_rows(plan: &Plan, dataset: &Dataset, fold: usize) -> Vec<u32> {
    if let Some(train) = &plan.train_rows {
        return train[fold].clone();
    }
    let mut excluded = vec![false; dataset.rows()];
    plan.held_out[fold].iter().for_each(|&row| excluded[row as usize] = true);
    #[allow(
        clippy::cast_possible_truncation,
        reason = "row indices fit u32: the loader refuses more than data::load::MAX_ROWS rows"
    )]
    (0..dataset.rows() as u32).filter(|&row| !excluded[row as usize]).collect()
}

/// The fold's network before its first step: `--initial-model`'s weights, else drawn
/// by the initializers from the fold's own stream.
fn initial_model(plan: &Plan, rng: &mut impl rand::Rng) -> Sequential<f32> {
    let config = &plan.config;
    let mut model = plan.model::<f32>();
    match &config.initial_model {
        // The plan checked the count; the initializer's draws are skipped, as Keras
        // skips them for weights that are set.
        Some(initial) => model.parameters_mut().copy_from_slice(&initial.parameters),
        None => model.initialize_with(
            |layer| match layer {
                crate::nn::Layer::Dense { .. } => config.initializer,
                _ => config.layer_initializer,
            },
            rng,
        ),
    }
    model
}

/// The weights of a batch's rows: `--class-weight` (each class's, on this fold's
/// training rows for `balanced`) or `--sample-weight-col` (each row's own; the two are
/// never given together), or none.
struct RowWeights<'a> {
    per_class: Option<Vec<f32>>,
    per_row: Option<&'a [f32]>,
    /// A batch's weights, written for each batch.
    batch: Vec<f32>,
}

impl<'a> RowWeights<'a> {
    fn new(plan: &Plan, dataset: &'a Dataset, train_rows: &[u32]) -> Self {
        #[allow(clippy::cast_possible_truncation, reason = "class labels are small whole numbers")]
        let per_class = plan.config.class_weight.as_ref().map(|weights| {
            weights.per_class(
                &dataset.class_names,
                train_rows.iter().map(|&r| dataset.labels[r as usize] as usize),
            )
        });
        let per_row = dataset.sample_weights.as_ref().map(|w| &w.values[..]);
        let weighted = per_class.is_some() || per_row.is_some();
        RowWeights { per_class, per_row, batch: vec![0.0; if weighted { plan.batch_size } else { 0 }] }
    }

    /// The weights of `rows` (a batch), if any are given.
    #[allow(clippy::cast_possible_truncation, reason = "class labels are small whole numbers")]
    fn of(&mut self, dataset: &Dataset, rows: &[u32]) -> Option<&[f32]> {
        if let Some(per_class) = &self.per_class {
            for (w, &row) in self.batch.iter_mut().zip(rows) {
                *w = per_class[dataset.labels[row as usize] as usize];
            }
        } else if let Some(own) = self.per_row {
            for (w, &row) in self.batch.iter_mut().zip(rows) {
                *w = own[row as usize];
            }
        } else {
            return None;
        }
        Some(&self.batch[..rows.len()])
    }
}

/// Another file's rows (all of them) scored as the fold's own: same plan and scaling.
fn external<'a>(fit: &Fit<'a>, data: &'a Dataset) -> (Fit<'a>, Vec<u32>) {
    #[allow(clippy::expect_used, reason = "rows read for a schema are built in standard layout")]
    let features = data.features.as_slice().expect("rows read for a schema are built in standard layout");
    #[allow(
        clippy::cast_possible_truncation,
        reason = "row indices fit u32: the loader refuses more than data::load::MAX_ROWS rows"
    )]
    let rows = (0..data.rows() as u32).collect();
    let fit = Fit {
        plan: fit.plan,
        dataset: data,
        features,
        scaling: fit.scaling.clone(),
        loss_factor: fit.loss_factor,
        metric_factor: fit.metric_factor,
    };
    (fit, rows)
}

/// An epoch's values by Keras's names (`loss`, `accuracy`, `val_loss`, ...), for policies.
fn epoch_logs(plan: &Plan, report: &EpochReport) -> Logs {
    let name = plan.metric.name();
    let mut logs = Logs::new();
    logs.insert("loss".into(), report.loss);
    logs.insert(name.into(), report.metric);
    if let (Some(loss), Some(metric)) = (report.val_loss, report.val_metric) {
        logs.insert("val_loss".into(), loss);
        logs.insert(format!("val_{name}"), metric);
    }
    logs.extend(report.metrics.iter().map(|(name, &v)| (name.clone(), v)));
    logs
}

/// The pictures after an epoch: the confusion matrix and ROC curve of the held-out rows
/// the epoch's evaluation saw (with none held out, of the training rows, scored when
/// `due`), and the decision map; `None` when there is nothing to draw.
fn pictures(
    fit: &Fit<'_>,
    model: &Sequential<f32>,
    evaluator: &mut Evaluator,
    (fold, epoch): (usize, usize),
    train_rows: &[u32],
    map: Option<&MapGrid>,
    (due, live): (bool, &Live),
) -> Option<LearnedReport> {
    let classes = fit.dataset.class_count();
    let held_out = !fit.plan.held_out[fold].is_empty();
    let scored =
        classes > 0 && (held_out || (due && evaluator.evaluate(fit, model, 0.0, train_rows, live).is_some()));
    if !scored && map.is_none() {
        return None;
    }
    let mut learned = if scored {
        evaluator.outcomes.report(fold, epoch, held_out, classes)
    } else {
        LearnedReport {
            fold,
            epoch,
            held_out,
            confusion: Vec::new(),
            roc: Vec::new(),
            roc_auc: None,
            map: None,
        }
    };
    learned.map = map.map(|grid| grid.draw(model, &mut evaluator.workspace, EVALUATION_ROWS));
    Some(learned)
}

/// The largest weight magnitude; infinite if any weight is not a finite number.
/// The largest trained weight's magnitude, infinite when any value is not finite. The
/// values a layer keeps untrained (batch normalization's moving mean and variance)
/// are only checked to be finite: they follow the data's scale, which may be large.
fn largest_weight(model: &Sequential<f32>) -> f64 {
    let parameters = model.parameters();
    let largest = |values: &[f32], measured: bool| {
        values.iter().fold(0.0f64, |largest, &w| match (w.is_finite(), measured) {
            (false, _) => f64::INFINITY,
            (true, true) => largest.max(f64::from(w.abs())),
            (true, false) => largest,
        })
    };
    model
        .layers()
        .iter()
        .map(|layer| {
            let trained = layer.kernel_range().start..layer.bias_range().end;
            largest(&parameters[trained], true).max(largest(&parameters[layer.state_range()], false))
        })
        .fold(0.0, f64::max)
}

/// The one class predicted for every evaluated row, if the model collapsed to one.
fn collapse(predicted: &[usize], dataset: &Dataset) -> Option<String> {
    let mut nonzero = predicted.iter().enumerate().filter(|&(_, &count)| count > 0);
    match (nonzero.next(), nonzero.next()) {
        (Some((class, _)), None) if dataset.class_count() > 1 => Some(dataset.class_names[class].clone()),
        _ => None,
    }
}

fn warn_about(
    outcome: &FoldOutcome,
    collapsed_to: Option<&str>,
    fold: usize,
    plan: &Plan,
    learning_rate: f64,
    emitter: &Emitter,
) {
    let name = if plan.is_cross_validation() { format!("fold {}", fold + 1) } else { "training".to_string() };
    if let FoldOutcome::Diverged { epoch, cause, .. } = outcome {
        emitter.send(Event::Warning(Warning {
            fold: Some(fold),
            epoch: Some(*epoch),
            message: format!("{name} diverged in epoch {epoch}: {cause}"),
            hint: Some(format!(
                "lower the learning rate (it was {learning_rate}){}",
                if plan.config.standardize { "" } else { ", or add --standardize" }
            )),
        }));
    }
    if let Some(class) = collapsed_to {
        let rows = if plan.is_cross_validation() { "held-out" } else { "training" };
        emitter.send(Event::Warning(Warning {
            fold: Some(fold),
            epoch: None,
            message: format!("{name} predicts class {class:?} for every {rows} row"),
            hint: Some(if plan.config.standardize {
                "try another --init, more --epochs, or a different --lr".to_string()
            } else {
                "try --standardize, another --init, or a different --lr".to_string()
            }),
        }));
    }
}

fn weights_report(model: &Sequential<f32>, gradients: &[f32], fold: usize, epoch: usize) -> WeightsReport {
    let layers = model
        .layers()
        .iter()
        .filter(|layer| layer.has_weights())
        .map(|layer| {
            let kernel = &model.parameters()[layer.kernel_range()];
            LayerWeights {
                kernel: Histogram::of(kernel),
                gradient: Histogram::of(&gradients[layer.kernel_range()]),
                shift: matches!(layer.op, Op::LayerNorm(_) | Op::BatchNorm(_))
                    .then(|| Histogram::of(&model.parameters()[layer.bias_range()])),
                gates: match &layer.op {
                    // A bidirectional layer's two kernels are stacked rows of one matrix.
                    Op::Recurrent(rnn)
                    | Op::Bidirectional(crate::nn::layer::bidirectional::Bidirectional { rnn }) => {
                        let recurrent = &model.parameters()[layer.recurrent_range()];
                        let width = rnn.cell.gates() * rnn.units;
                        // Gate g's columns of a `rows x width` matrix.
                        let columns = |matrix: &[f32], g: usize| -> Vec<f32> {
                            matrix
                                .chunks_exact(width)
                                .flat_map(|row| row[g * rnn.units..(g + 1) * rnn.units].iter().copied())
                                .collect()
                        };
                        rnn.cell
                            .gate_names()
                            .iter()
                            .enumerate()
                            .map(|(g, name)| GateWeights {
                                name: (*name).to_string(),
                                kernel: Histogram::of(&columns(kernel, g)),
                                recurrent: Histogram::of(&columns(recurrent, g)),
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                },
                filters: match &layer.op {
                    Op::Conv(conv) => Some(Filters::of(
                        kernel,
                        conv.kernel[0],
                        conv.kernel[1],
                        conv.input.channels,
                        conv.output.channels,
                    )),
                    _ => None,
                },
                codes: match &layer.op {
                    Op::Embedding(dim) => Some(CodeMap::of(kernel, *dim)),
                    _ => None,
                },
            }
        })
        .collect();
    WeightsReport { fold, epoch, layers }
}
