//! Live settings shared by the coordinator (which applies controls) and the fold
//! workers (which read them at batch boundaries).
//!
//! Workers check one atomic counter per batch; only when it moved do they take the
//! lock, pick up the new settings and acknowledge each change with where it took
//! effect. Paused or pacing, they sleep on a condition variable, never spin.

use super::RunConfig;
use super::event::{Ack, Control};
use crate::nn::{Regularizer, check_learning_rate, check_penalty};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The hyperparameters a control can change while training runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Initial learning rate (a schedule multiplies it).
    pub learning_rate: f64,
    /// Kernel penalties.
    pub regularizer: Regularizer,
    /// Epochs per second, at most.
    pub pace: Option<f64>,
    /// Whether training is paused.
    pub paused: bool,
    /// Whether early stopping may end folds.
    pub early_stopping: bool,
    /// Epochs added to early stopping's patience.
    pub extra_patience: usize,
    /// Requests to restore the best weights, ever.
    pub restores: u64,
}

/// Where a worker is when it looks at the controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Fold index.
    pub fold: usize,
    /// Epoch in progress, from one.
    pub epoch: usize,
    /// Optimizer updates so far in the fold.
    pub iterations: u64,
}

/// What a waiting worker does next.
enum Next {
    /// Go on now.
    Go,
    /// Sleep until a change, or at most this long.
    Wait(Option<Duration>),
}

/// Whether a worker should go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Train on.
    Continue,
    /// Stop now.
    Stop,
}

struct State {
    settings: Settings,
    /// Steps granted while paused, ever: each worker may run one epoch per step.
    steps: u64,
    /// Steps granted before the last resume, which no worker may use any more.
    steps_void: u64,
    stop: bool,
    /// The next moment an epoch may start under the pace.
    next_slot: Option<Instant>,
    /// Bumped whenever the pace changes, so that reserved slots are reconsidered.
    pace_version: u64,
    /// Every accepted control with the settings it left, and whether anyone acked it.
    changes: Vec<(Control, Settings, bool)>,
}

/// The shared state.
pub struct Live {
    version: AtomicU64,
    /// Set once by a stop, so that long loops (evaluation) can look without the lock.
    stop_requested: AtomicBool,
    state: Mutex<State>,
    wake: Condvar,
}

/// One worker thread's copy of the settings and what it has acknowledged.
pub struct View {
    seen: u64,
    acked: usize,
    stepping: bool,
    /// Steps this worker has used (or that were void when it looked).
    steps_used: u64,
    /// The settings this worker trains with.
    pub settings: Settings,
}

impl Live {
    /// Live state starting from the configured settings.
    pub fn new(config: &RunConfig) -> Live {
        Live {
            version: AtomicU64::new(0),
            stop_requested: AtomicBool::new(false),
            state: Mutex::new(State {
                settings: Settings {
                    learning_rate: config.optimizer.learning_rate,
                    regularizer: config.regularizer,
                    pace: config.pace,
                    paused: false,
                    early_stopping: true,
                    extra_patience: 0,
                    restores: 0,
                },
                steps: 0,
                steps_void: 0,
                stop: false,
                next_slot: None,
                pace_version: 0,
                changes: Vec::new(),
            }),
            wake: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A worker that panicked cannot leave the settings half-written: each change
        // is a plain assignment, so the state is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a control; an invalid value is refused with the reason.
    pub fn apply(&self, control: Control) -> Result<(), String> {
        let mut state = self.lock();
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let s = &mut state.settings;
        match control {
            Control::Pause => s.paused = true,
            Control::Resume => {
                s.paused = false;
                state.steps_void = state.steps;
            }
            Control::Step => {
                if s.paused {
                    state.steps += 1;
                }
            }
            Control::SetLearningRate(rate) if check_learning_rate(rate).is_ok() => s.learning_rate = rate,
            Control::ScaleLearningRate(factor)
                if positive(factor) && check_learning_rate(s.learning_rate * factor).is_ok() =>
            {
                s.learning_rate *= factor;
            }
            Control::SetL1(l1) if check_penalty(l1).is_ok() => s.regularizer.l1 = l1,
            Control::SetL2(l2) if check_penalty(l2).is_ok() => s.regularizer.l2 = l2,
            Control::SetPace(pace) if pace.is_none_or(positive) => {
                s.pace = pace;
                state.next_slot = None;
                state.pace_version += 1;
            }
            Control::SetEarlyStopping(on) => s.early_stopping = on,
            Control::ExtendPatience(epochs) => s.extra_patience = s.extra_patience.saturating_add(epochs),
            Control::RestoreBestWeights => s.restores += 1,
            Control::Stop => {
                state.stop = true;
                self.stop_requested.store(true, Ordering::Release);
            }
            refused => {
                return Err(format!("control {refused:?} refused: the value is out of range"));
            }
        }
        let settings = state.settings;
        state.changes.push((control, settings, false));
        self.version.fetch_add(1, Ordering::Release);
        self.wake.notify_all();
        Ok(())
    }

    /// A view for a new worker thread. Changes that no worker has acknowledged yet (a
    /// control sent while the workers were starting) are owed by this one: its first
    /// gate takes them up and acknowledges them where they take effect, before the
    /// first batch.
    pub fn view(&self) -> View {
        let state = self.lock();
        let acked = state.changes.iter().position(|(_, _, acked)| !acked).unwrap_or(state.changes.len());
        View {
            // Never a real version: the first gate always looks at the shared state.
            seen: u64::MAX,
            acked,
            stepping: false,
            steps_used: state.steps,
            settings: state.settings,
        }
    }

    /// Whether a stop was requested.
    pub fn stopped(&self) -> bool {
        self.stop_requested.load(Ordering::Acquire)
    }

    /// Takes up new settings and lists the acknowledgements owed at `at`.
    fn sync(&self, state: &mut State, view: &mut View, at: Position, acks: &mut Vec<Ack>) {
        view.seen = self.version.load(Ordering::Acquire);
        view.settings = state.settings;
        let first = view.acked;
        for (index, (control, settings, acked)) in state.changes[first..].iter_mut().enumerate() {
            *acked = true;
            acks.push(ack(first + index, *control, *settings, Some(at)));
        }
        view.acked = state.changes.len();
    }

    /// At a batch boundary: picks up changes, and while paused waits (or lets one
    /// stepped epoch through). Acknowledgements go to `emit` as they happen, with the
    /// lock released. Returns the flow and how long it waited.
    pub fn checkpoint(&self, view: &mut View, at: Position, emit: &mut dyn FnMut(Ack)) -> (Flow, Duration) {
        let idle = view.settings.paused && !view.stepping;
        if self.version.load(Ordering::Acquire) == view.seen && !idle {
            return (Flow::Continue, Duration::ZERO);
        }
        self.wait_until(view, at, emit, |state, view| {
            view.steps_used = view.steps_used.max(state.steps_void);
            if !state.settings.paused || view.stepping {
                Next::Go
            } else if view.steps_used < state.steps {
                // Every worker takes each step: `n` advances every running fold.
                view.steps_used += 1;
                view.stepping = true;
                Next::Go
            } else {
                Next::Wait(None)
            }
        })
    }

    /// An epoch ended: a stepped epoch is used up.
    #[allow(
        clippy::unused_self,
        reason = "the live state's step, as its other steps, though it keeps nothing yet"
    )]
    pub fn end_epoch(&self, view: &mut View) {
        view.stepping = false;
    }

    /// Between epochs: waits for the pace's next slot. Slots are handed out in the order
    /// workers arrive, so parallel folds share the pace fairly.
    pub fn pace(&self, view: &mut View, at: Position, emit: &mut dyn FnMut(Ack)) -> (Flow, Duration) {
        if view.settings.pace.is_none() && self.version.load(Ordering::Acquire) == view.seen {
            return (Flow::Continue, Duration::ZERO);
        }
        let mut reserved: Option<(Instant, u64)> = None;
        self.wait_until(view, at, emit, |state, _| {
            let Some(pace) = state.settings.pace else {
                return Next::Go;
            };
            let now = Instant::now();
            let slot = match reserved {
                Some((slot, version)) if version == state.pace_version => slot,
                _ => {
                    let slot = state.next_slot.map_or(now, |next| next.max(now));
                    state.next_slot = Some(slot + Duration::from_secs_f64(1.0 / pace));
                    reserved = Some((slot, state.pace_version));
                    slot
                }
            };
            if slot <= now { Next::Go } else { Next::Wait(Some(slot - now)) }
        })
    }

    /// The waiting both gates share: take up changes and acknowledge them (with the
    /// lock released), stop if asked, else do what `decide` says, sleeping on the
    /// condition variable (never spinning) until a change or the timeout.
    fn wait_until(
        &self,
        view: &mut View,
        at: Position,
        emit: &mut dyn FnMut(Ack),
        mut decide: impl FnMut(&mut State, &mut View) -> Next,
    ) -> (Flow, Duration) {
        let started = Instant::now();
        let mut acks = Vec::new();
        let mut state = self.lock();
        loop {
            self.sync(&mut state, view, at, &mut acks);
            if !acks.is_empty() {
                drop(state);
                acks.drain(..).for_each(&mut *emit);
                state = self.lock();
                continue;
            }
            if state.stop {
                return (Flow::Stop, started.elapsed());
            }
            match decide(&mut state, view) {
                Next::Go => return (Flow::Continue, started.elapsed()),
                // Changes made while the lock was free bumped the version: look again.
                Next::Wait(_) if self.version.load(Ordering::Acquire) != view.seen => {}
                Next::Wait(None) => state = self.wake.wait(state).unwrap_or_else(PoisonError::into_inner),
                Next::Wait(Some(timeout)) => {
                    state = self.wake.wait_timeout(state, timeout).unwrap_or_else(PoisonError::into_inner).0;
                }
            }
        }
    }

    /// Acknowledgements for changes no worker saw (they came after the last fold).
    pub fn unacknowledged(&self) -> Vec<Ack> {
        let mut state = self.lock();
        let mut acks = Vec::new();
        for (sequence, (control, settings, acked)) in state.changes.iter_mut().enumerate() {
            if !*acked {
                *acked = true;
                acks.push(ack(sequence, *control, *settings, None));
            }
        }
        acks
    }
}

fn ack(sequence: usize, control: Control, settings: Settings, at: Option<Position>) -> Ack {
    Ack {
        control,
        sequence,
        fold: at.map(|p| p.fold),
        epoch: at.map_or(0, |p| p.epoch),
        iterations: at.map_or(0, |p| p.iterations),
        learning_rate: settings.learning_rate,
        l1: settings.regularizer.l1,
        l2: settings.regularizer.l2,
        pace: settings.pace,
        paused: settings.paused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const AT: Position = Position { fold: 1, epoch: 3, iterations: 40 };

    #[test]
    fn changes_are_acknowledged_once_with_their_position() {
        let live = Live::new(&RunConfig::default());
        let mut view = live.view();
        live.apply(Control::ScaleLearningRate(2.0)).unwrap();
        live.apply(Control::SetL2(0.01)).unwrap();
        let mut acks = Vec::new();
        assert_eq!(live.checkpoint(&mut view, AT, &mut |a| acks.push(a)).0, Flow::Continue);
        assert_eq!(acks.len(), 2);
        assert_eq!((acks[0].fold, acks[0].epoch, acks[0].iterations), (Some(1), 3, 40));
        assert_eq!(acks[0].learning_rate, 0.002);
        assert_eq!(acks[0].l2, 0.0, "each ack carries the settings its own change left");
        assert_eq!(acks[1].l2, 0.01);
        assert_eq!(view.settings.learning_rate, 0.002);
        let mut more = Vec::new();
        live.checkpoint(&mut view, AT, &mut |a| more.push(a));
        assert!(more.is_empty());
        assert!(live.unacknowledged().is_empty());
    }

    #[test]
    fn refuses_out_of_range_values() {
        let live = Live::new(&RunConfig::default());
        assert!(live.apply(Control::SetLearningRate(-1.0)).is_err());
        assert!(live.apply(Control::SetL2(f64::NAN)).is_err());
        assert!(live.apply(Control::SetPace(Some(0.0))).is_err());
        assert!(live.unacknowledged().is_empty());
    }

    #[test]
    fn pause_blocks_until_resume_and_step_lets_one_epoch_through() {
        let live = Arc::new(Live::new(&RunConfig::default()));
        let mut view = live.view();
        live.apply(Control::Pause).unwrap();
        live.apply(Control::Step).unwrap();
        // The step budget lets this epoch start, and later boundaries in it pass.
        assert_eq!(live.checkpoint(&mut view, AT, &mut drop).0, Flow::Continue);
        assert_eq!(live.checkpoint(&mut view, AT, &mut drop).0, Flow::Continue);
        live.end_epoch(&mut view);

        let worker = {
            let live = Arc::clone(&live);
            std::thread::spawn(move || {
                let mut acks = 0;
                let flow = live.checkpoint(&mut view, AT, &mut |_| acks += 1);
                (flow.0, acks)
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!worker.is_finished(), "a paused worker waits");
        live.apply(Control::Resume).unwrap();
        assert_eq!(worker.join().unwrap(), (Flow::Continue, 1));
    }

    #[test]
    fn a_step_lets_every_worker_run_one_epoch() {
        let live = Live::new(&RunConfig::default());
        let (mut a, mut b) = (live.view(), live.view());
        live.apply(Control::Pause).unwrap();
        live.apply(Control::Step).unwrap();
        for view in [&mut a, &mut b] {
            assert_eq!(live.checkpoint(view, AT, &mut drop).0, Flow::Continue, "each worker gets the step");
            live.end_epoch(view);
        }
        // Used up: a second epoch would wait (checked without blocking: the step count).
        assert_eq!(a.steps_used, 1);
        assert_eq!(b.steps_used, 1);
    }

    #[test]
    fn steps_granted_before_a_resume_are_void_after_it() {
        let live = Arc::new(Live::new(&RunConfig::default()));
        let mut view = live.view();
        live.apply(Control::Pause).unwrap();
        live.apply(Control::Step).unwrap();
        live.apply(Control::Resume).unwrap();
        live.apply(Control::Pause).unwrap();
        let worker = {
            let live = Arc::clone(&live);
            std::thread::spawn(move || live.checkpoint(&mut view, AT, &mut drop).0)
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!worker.is_finished(), "the old step does not let an epoch through");
        live.apply(Control::Stop).unwrap();
        assert_eq!(worker.join().unwrap(), Flow::Stop);
    }

    #[test]
    fn stop_wakes_a_paused_worker() {
        let live = Arc::new(Live::new(&RunConfig::default()));
        let mut view = live.view();
        live.apply(Control::Pause).unwrap();
        let worker = {
            let live = Arc::clone(&live);
            std::thread::spawn(move || live.checkpoint(&mut view, AT, &mut drop).0)
        };
        std::thread::sleep(Duration::from_millis(20));
        live.apply(Control::Stop).unwrap();
        assert_eq!(worker.join().unwrap(), Flow::Stop);
    }

    #[test]
    fn pace_is_shared_fairly_between_workers() {
        let config = RunConfig { pace: Some(100.0), ..RunConfig::default() };
        let live = Arc::new(Live::new(&config));
        let workers: Vec<_> = (0..2)
            .map(|fold| {
                let live = Arc::clone(&live);
                std::thread::spawn(move || {
                    let mut view = live.view();
                    let at = Position { fold, ..AT };
                    let mut count = 0;
                    let until = Instant::now() + Duration::from_millis(300);
                    while Instant::now() < until {
                        live.pace(&mut view, at, &mut drop);
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        let counts: Vec<i32> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        // About 30 slots in 300 ms, taken in turn.
        assert!((counts[0] - counts[1]).abs() <= 2, "{counts:?}");
    }

    #[test]
    fn pace_spaces_epochs() {
        let config = RunConfig { pace: Some(50.0), ..RunConfig::default() };
        let live = Live::new(&config);
        let mut view = live.view();
        let started = Instant::now();
        for _ in 0..4 {
            assert_eq!(live.pace(&mut view, AT, &mut drop).0, Flow::Continue);
        }
        // Slots at 0, 20, 40 and 60 ms.
        assert!(started.elapsed() >= Duration::from_millis(60));
    }
}
