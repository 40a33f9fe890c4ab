//! A debug switch for the failure drills: `NNTUI_DEBUG_PANIC=engine` (or `ui`, or
//! `engine@5` for epoch 5) makes that part panic on purpose, so that tests can show
//! the terminal is restored and the failure reported. Unset, it costs one look at the
//! environment per fold.

/// The epoch at which `place` ("engine" or "ui") should panic, if the switch names it.
pub fn injected_panic(place: &str) -> Option<usize> {
    let value = std::env::var("NNTUI_DEBUG_PANIC").ok()?;
    let (name, epoch) = value.split_once('@').unwrap_or((&value, "3"));
    (name == place).then(|| epoch.parse().unwrap_or(3))
}
