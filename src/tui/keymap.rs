//! Keys to actions, in one place. The help overlay and the key bar are built from the
//! same table, so they cannot disagree with what the keys do.

use super::app::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The action a key press means, if any.
pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c' | 'C')).then_some(Action::Interrupt);
    }
    Some(match key.code {
        KeyCode::Char(' ' | 'p') => Action::TogglePause,
        KeyCode::Char('n') => Action::Step,
        KeyCode::Char('+' | '=') => Action::ScaleLearningRate(2.0),
        KeyCode::Char('-' | '_') => Action::ScaleLearningRate(0.5),
        KeyCode::Char('>' | '.') => Action::ScaleLearningRate(1.25),
        KeyCode::Char('<' | ',') => Action::ScaleLearningRate(0.8),
        KeyCode::Char('w') => Action::RaiseL2,
        KeyCode::Char('W') => Action::LowerL2,
        KeyCode::Char(']') => Action::Faster,
        KeyCode::Char('[') => Action::Slower,
        KeyCode::Char('f') => Action::ToggleFullSpeed,
        KeyCode::Tab => Action::NextLayer,
        KeyCode::BackTab => Action::PreviousLayer,
        KeyCode::Right => Action::Right,
        KeyCode::Left => Action::Left,
        KeyCode::Char('s') => Action::CycleSmoothing,
        KeyCode::Char('z') => Action::CycleZoom,
        KeyCode::Char('c') => Action::ToggleCursor,
        KeyCode::Down => Action::NextFold,
        KeyCode::Up => Action::PreviousFold,
        KeyCode::Char('l') => Action::ToggleLogScale,
        KeyCode::Char('m') => Action::NextMetricChart,
        KeyCode::Char('M') => Action::NextLossChart,
        KeyCode::Char('o') => Action::ToggleOtherFolds,
        KeyCode::Char('F') => Action::ToggleForecast,
        KeyCode::Char('v') => Action::NextSidePanel,
        KeyCode::Char('e') => Action::ToggleEarlyStopping,
        KeyCode::Char('x') => Action::ExtendPatience,
        KeyCode::Char('b') => Action::RestoreBestWeights,
        KeyCode::Char('?') | KeyCode::F(1) => Action::ToggleHelp,
        KeyCode::Char('L') => Action::ToggleLog,
        KeyCode::PageUp => Action::ScrollLog(5),
        KeyCode::PageDown => Action::ScrollLog(-5),
        KeyCode::Char('r') => Action::Restart,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc => Action::Back,
        _ => return None,
    })
}

/// The comparison's keys (`nntui view` on several runs).
pub fn compare_action_for(key: KeyEvent) -> Option<super::compare::CompareAction> {
    use super::compare::CompareAction;
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c' | 'C')).then_some(CompareAction::Quit);
    }
    Some(match key.code {
        KeyCode::Up | KeyCode::Char('k') => CompareAction::Up,
        KeyCode::Down | KeyCode::Char('j') => CompareAction::Down,
        KeyCode::PageUp => CompareAction::PageUp,
        KeyCode::PageDown => CompareAction::PageDown,
        KeyCode::Home | KeyCode::Char('g') => CompareAction::First,
        KeyCode::End | KeyCode::Char('G') => CompareAction::Last,
        KeyCode::Char(' ') => CompareAction::ToggleSelected,
        KeyCode::Char('p') => CompareAction::TogglePinned,
        KeyCode::Char('h') => CompareAction::Hide,
        KeyCode::Char('u') => CompareAction::Unhide,
        KeyCode::Char('s') => CompareAction::NextSort,
        KeyCode::Char('S') => CompareAction::ReverseSort,
        KeyCode::Char('m') => CompareAction::NextMetric,
        KeyCode::Char('M') => CompareAction::NextLoss,
        KeyCode::Char('t') => CompareAction::NextHistogram,
        KeyCode::Enter => CompareAction::Open,
        KeyCode::Char('/') => CompareAction::FilterRuns,
        KeyCode::Char('w') => CompareAction::NextAxis,
        KeyCode::Char('f') => CompareAction::FilterSeries,
        KeyCode::Char('?') => CompareAction::ToggleHelp,
        KeyCode::Char('o') => CompareAction::CycleSmoothing,
        KeyCode::Char('z') => CompareAction::CycleZoom,
        KeyCode::Char('l') => CompareAction::ToggleLogScale,
        KeyCode::Char('c') => CompareAction::ToggleCursor,
        KeyCode::Left => CompareAction::Left,
        KeyCode::Right => CompareAction::Right,
        KeyCode::Char('<' | ',') => CompareAction::ColumnsLeft,
        KeyCode::Char('>' | '.') => CompareAction::ColumnsRight,
        KeyCode::Char('q') | KeyCode::Esc => CompareAction::Quit,
        _ => return None,
    })
}

/// A key while the comparison's filter is typed.
pub fn compare_edit_for(key: KeyEvent) -> Option<super::compare::Edit> {
    use super::compare::Edit;
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c' | 'C')).then_some(Edit::Cancel);
    }
    Some(match key.code {
        KeyCode::Char(c) => Edit::Char(c),
        KeyCode::Backspace => Edit::Backspace,
        KeyCode::Enter => Edit::Accept,
        KeyCode::Esc => Edit::Cancel,
        _ => return None,
    })
}

/// One line of the help overlay: the keys as shown, the key codes, the meaning.
pub struct KeyHelp {
    /// The keys, as the overlay names them.
    pub keys: &'static str,
    /// The same keys as codes (with modifiers), checked against [`action_for`] by a test.
    pub codes: &'static [(KeyCode, KeyModifiers)],
    /// What they do.
    pub meaning: &'static str,
}

const NONE: KeyModifiers = KeyModifiers::NONE;

/// Every key with what it does, for the help overlay.
pub const HELP: [KeyHelp; 24] = [
    KeyHelp {
        keys: "space, p",
        codes: &[(KeyCode::Char(' '), NONE), (KeyCode::Char('p'), NONE)],
        meaning: "pause / resume",
    },
    KeyHelp { keys: "n", codes: &[(KeyCode::Char('n'), NONE)], meaning: "one more epoch while paused" },
    KeyHelp {
        keys: "+ / -",
        codes: &[(KeyCode::Char('+'), NONE), (KeyCode::Char('-'), NONE)],
        meaning: "learning rate x2 / /2",
    },
    KeyHelp {
        keys: "> / <",
        codes: &[(KeyCode::Char('>'), NONE), (KeyCode::Char('<'), NONE)],
        meaning: "learning rate x1.25 / /1.25",
    },
    KeyHelp {
        keys: "w / W",
        codes: &[(KeyCode::Char('w'), NONE), (KeyCode::Char('W'), NONE)],
        meaning: "L2 penalty x10 / /10 (from 0: 1e-4)",
    },
    KeyHelp {
        keys: "] / [",
        codes: &[(KeyCode::Char(']'), NONE), (KeyCode::Char('['), NONE)],
        meaning: "faster / slower pace (x2 / /2)",
    },
    KeyHelp { keys: "f", codes: &[(KeyCode::Char('f'), NONE)], meaning: "full speed, or back to the pace" },
    KeyHelp {
        keys: "tab / shift-tab",
        codes: &[
            (KeyCode::Tab, NONE),
            (KeyCode::BackTab, KeyModifiers::SHIFT),
            (KeyCode::Right, NONE),
            (KeyCode::Left, NONE),
        ],
        meaning: "next / previous layer (also right / left)",
    },
    KeyHelp {
        keys: "s / z / c",
        codes: &[(KeyCode::Char('s'), NONE), (KeyCode::Char('z'), NONE), (KeyCode::Char('c'), NONE)],
        meaning: "smoothing / zoom (all, 100, 20) / cursor (left, right)",
    },
    KeyHelp {
        keys: "down / up",
        codes: &[(KeyCode::Down, NONE), (KeyCode::Up, NONE)],
        meaning: "next / previous fold in the charts",
    },
    KeyHelp { keys: "l", codes: &[(KeyCode::Char('l'), NONE)], meaning: "log scale for the loss" },
    KeyHelp {
        keys: "m / M",
        codes: &[(KeyCode::Char('m'), NONE), (KeyCode::Char('M'), KeyModifiers::SHIFT)],
        meaning: "next series on the metric / loss chart",
    },
    KeyHelp {
        keys: "o",
        codes: &[(KeyCode::Char('o'), NONE)],
        meaning: "other folds on the charts: dimmed / hidden",
    },
    KeyHelp {
        keys: "F",
        codes: &[(KeyCode::Char('F'), KeyModifiers::SHIFT)],
        meaning: "forecast: held-out targets vs predictions",
    },
    KeyHelp {
        keys: "v",
        codes: &[(KeyCode::Char('v'), NONE)],
        meaning: "panel: weights / confusion & ROC / map",
    },
    KeyHelp {
        keys: "e",
        codes: &[(KeyCode::Char('e'), NONE)],
        meaning: "early stopping acts / only watches",
    },
    KeyHelp {
        keys: "x",
        codes: &[(KeyCode::Char('x'), NONE)],
        meaning: "early stopping: 5 more epochs of patience",
    },
    KeyHelp {
        keys: "b",
        codes: &[(KeyCode::Char('b'), NONE)],
        meaning: "put back the best epoch's weights now",
    },
    KeyHelp {
        keys: "r",
        codes: &[(KeyCode::Char('r'), NONE)],
        meaning: "restart with the settings now shown",
    },
    KeyHelp {
        keys: "L / pgup / pgdn",
        codes: &[
            (KeyCode::Char('L'), KeyModifiers::SHIFT),
            (KeyCode::PageUp, NONE),
            (KeyCode::PageDown, NONE),
        ],
        meaning: "the log: full screen / older / newer",
    },
    KeyHelp { keys: "?", codes: &[(KeyCode::Char('?'), NONE)], meaning: "this help" },
    KeyHelp { keys: "esc", codes: &[(KeyCode::Esc, NONE)], meaning: "close this help or the log (q quits)" },
    KeyHelp {
        keys: "q",
        codes: &[(KeyCode::Char('q'), NONE)],
        meaning: "quit; the summary stays in the scrollback",
    },
    KeyHelp { keys: "ctrl-c", codes: &[(KeyCode::Char('c'), KeyModifiers::CONTROL)], meaning: "quit" },
];

/// The short form for the bottom bar, most important first: a narrow terminal drops
/// entries from the end, so quitting and help are always shown.
pub const BAR: [(&str, &str); 18] = [
    ("q", "quit"),
    ("?", "help"),
    ("space", "pause"),
    ("n", "step"),
    ("+/-", "lr"),
    ("w/W", "L2"),
    ("f", "full speed"),
    ("[/]", "pace"),
    ("r", "restart"),
    ("s", "smooth"),
    ("z", "zoom"),
    ("c", "cursor"),
    ("up/down", "fold"),
    ("o", "other folds"),
    ("v", "panel"),
    ("tab", "layer"),
    ("l", "log"),
    ("e/x/b", "early stopping"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> Option<Action> {
        action_for(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_map_to_their_actions() {
        assert_eq!(press(KeyCode::Char(' ')), Some(Action::TogglePause));
        assert_eq!(press(KeyCode::Char('n')), Some(Action::Step));
        assert_eq!(press(KeyCode::Char('+')), Some(Action::ScaleLearningRate(2.0)));
        assert_eq!(press(KeyCode::Char('-')), Some(Action::ScaleLearningRate(0.5)));
        assert_eq!(press(KeyCode::Char('>')), Some(Action::ScaleLearningRate(1.25)));
        assert_eq!(press(KeyCode::Char('<')), Some(Action::ScaleLearningRate(0.8)));
        assert_eq!(press(KeyCode::Char('w')), Some(Action::RaiseL2));
        assert_eq!(press(KeyCode::Char('W')), Some(Action::LowerL2));
        assert_eq!(press(KeyCode::Char(']')), Some(Action::Faster));
        assert_eq!(press(KeyCode::Char('[')), Some(Action::Slower));
        assert_eq!(press(KeyCode::Char('f')), Some(Action::ToggleFullSpeed));
        assert_eq!(press(KeyCode::Tab), Some(Action::NextLayer));
        assert_eq!(press(KeyCode::Left), Some(Action::Left));
        assert_eq!(press(KeyCode::Char('s')), Some(Action::CycleSmoothing));
        assert_eq!(press(KeyCode::Char('z')), Some(Action::CycleZoom));
        assert_eq!(press(KeyCode::Char('c')), Some(Action::ToggleCursor));
        assert_eq!(press(KeyCode::Down), Some(Action::NextFold));
        assert_eq!(press(KeyCode::Char('l')), Some(Action::ToggleLogScale));
        assert_eq!(press(KeyCode::Char('o')), Some(Action::ToggleOtherFolds));
        assert_eq!(press(KeyCode::Char('e')), Some(Action::ToggleEarlyStopping));
        assert_eq!(press(KeyCode::Char('x')), Some(Action::ExtendPatience));
        assert_eq!(press(KeyCode::Char('b')), Some(Action::RestoreBestWeights));
        assert_eq!(press(KeyCode::Char('r')), Some(Action::Restart));
        assert_eq!(press(KeyCode::Char('?')), Some(Action::ToggleHelp));
        assert_eq!(press(KeyCode::Char('q')), Some(Action::Quit));
        assert_eq!(press(KeyCode::Esc), Some(Action::Back));
        assert_eq!(press(KeyCode::Char('y')), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl_c), Some(Action::Interrupt));
        let release =
            KeyEvent { kind: KeyEventKind::Release, ..KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE) };
        assert_eq!(action_for(release), None);
    }

    #[test]
    fn every_key_in_the_help_does_something() {
        for entry in &HELP {
            for &(code, modifiers) in entry.codes {
                assert!(action_for(KeyEvent::new(code, modifiers)).is_some(), "{} ({code:?})", entry.keys);
            }
        }
    }
}
