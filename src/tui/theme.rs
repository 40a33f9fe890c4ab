//! Colours, or none (`NO_COLOR`): one theme every panel and view draws with.

use ratatui::style::{Color, Modifier, Style};

/// Colours, or none (`NO_COLOR`), in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Whether to use colour at all.
    pub color: bool,
}

impl Theme {
    /// A foreground colour, or plain text without colour.
    pub fn fg(self, color: Color) -> Style {
        if self.color { Style::new().fg(color) } else { Style::new() }
    }

    /// Training lines.
    pub fn train(self) -> Style {
        self.fg(Color::Cyan)
    }

    /// Validation lines.
    pub fn validation(self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Earlier folds, behind the current one.
    pub fn dimmed(self) -> Style {
        if self.color { Style::new().fg(Color::DarkGray) } else { Style::new().add_modifier(Modifier::DIM) }
    }

    /// Hyperparameter-change markers.
    pub fn marker(self) -> Style {
        self.fg(Color::LightRed)
    }

    /// What training policies did (early stopping, learning-rate reductions).
    pub fn policy(self) -> Style {
        self.fg(Color::LightMagenta)
    }

    /// The best epoch early stopping found.
    pub fn best(self) -> Style {
        self.fg(Color::LightGreen)
    }

    /// Warnings and failures.
    pub fn warning(self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    /// Labels and quiet text.
    pub fn quiet(self) -> Style {
        self.dimmed()
    }

    /// Keys in the bar and the help.
    pub fn key(self) -> Style {
        self.fg(Color::LightCyan).add_modifier(Modifier::BOLD)
    }

    /// Panel borders; the focused data is brighter.
    pub fn border(self) -> Style {
        self.fg(Color::Gray)
    }
}
