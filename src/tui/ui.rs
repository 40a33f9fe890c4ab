//! Drawing: `impl Widget for &App`, the layout, and what every panel shares.

use super::app::{App, Mode, SidePanel};
use super::{charts, folds, header, learned, log, weights};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// Below this the dashboard shows a note instead of a broken layout.
pub const MIN_WIDTH: u16 = 60;
/// Below this the dashboard shows a note instead of a broken layout.
pub const MIN_HEIGHT: u16 = 16;

pub use super::theme::Theme;

/// The state word's style in the header and the folds table.
pub fn state_style(theme: Theme, mode: &Mode) -> Style {
    let color = match mode {
        Mode::Starting | Mode::Running => Color::LightGreen,
        Mode::Paused => Color::Yellow,
        Mode::Done => Color::LightBlue,
        Mode::Failed(_) => Color::LightRed,
    };
    theme.fg(color).add_modifier(Modifier::BOLD)
}

/// A bordered panel with a title.
pub fn panel<'a>(title: impl Into<Line<'a>>, theme: Theme) -> Block<'a> {
    Block::new().borders(Borders::ALL).border_style(theme.border()).title(title)
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small(area, buf);
            return;
        }
        let log_rows = match area.height {
            36.. => 7,
            26.. => 5,
            _ => 4,
        };
        let [top, body, news, keys] = Layout::vertical([
            Constraint::Length(header::height(self)),
            Constraint::Min(8),
            Constraint::Length(log_rows),
            Constraint::Length(1),
        ])
        .areas(area);
        header::render(self, top, buf);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
        let [loss, metric] = Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(left);
        charts::render_loss(self, loss, buf);
        if self.screen.forecast_view {
            charts::render_forecast(self, metric, buf);
        } else {
            charts::render_metric(self, metric, buf);
        }
        // The fold table gets a row per fold (plus borders, header and footer) while the
        // weights panel keeps at least half.
        let fold_rows = u16::try_from(self.folds.len().max(2)).unwrap_or(u16::MAX).saturating_add(4);
        let folds_height = fold_rows.max(6).min(right.height / 2);
        let [weights_area, folds_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(folds_height)]).areas(right);
        match self.screen.side_panel {
            SidePanel::Weights => weights::render(self, weights_area, buf),
            SidePanel::Learned => learned::render_learned(self, weights_area, buf),
            SidePanel::Map => learned::render_map(self, weights_area, buf),
        }
        folds::render(self, folds_area, buf);
        log::render(self, news, buf);
        log::render_key_bar(self, keys, buf);
        if self.screen.log_open {
            // Full screen above the key bar: the report, acknowledgements and
            // checkpoint messages can be read back after they pass.
            let [above, _] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
            Clear.render(above, buf);
            log::render(self, above, buf);
        }
        if self.screen.help {
            log::render_help(self, area, buf);
        }
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    Clear.render(area, buf);
    let text = vec![
        Line::from("terminal too small"),
        Line::from(format!("need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}", area.width, area.height)),
        Line::from("q quits"),
    ];
    let top = area.height.saturating_sub(3) / 2;
    let rows = Rect { y: area.y + top, height: area.height.saturating_sub(top), ..area };
    Paragraph::new(text).centered().wrap(Wrap { trim: true }).render(rows, buf);
}

/// A quiet note in place of a panel's data: what it waits for while the run is on, or
/// that nothing came once it is over.
pub fn note_for_missing(app: &App, waiting: &'static str, none: &'static str, area: Rect, buf: &mut Buffer) {
    let text = if matches!(app.mode, Mode::Done | Mode::Failed(_)) { none } else { waiting };
    Paragraph::new(Span::styled(text, app.screen.theme.quiet())).render(area, buf);
}

/// `label value` pairs as one line of spans, the labels quiet.
pub fn pairs<'a>(theme: Theme, items: &[(&'a str, String)]) -> Line<'a> {
    fitted_pairs(theme, items, usize::MAX)
}

/// As [`pairs`], but only the leading items that fit in `width` columns: callers list
/// the most important first.
pub fn fitted_pairs<'a>(theme: Theme, items: &[(&'a str, String)], width: usize) -> Line<'a> {
    let mut spans = Vec::new();
    let mut used = 0;
    for (index, (label, value)) in items.iter().enumerate() {
        let separator = if index > 0 { 2 } else { 0 };
        let label_width = if label.is_empty() { 0 } else { label.chars().count() + 1 };
        let needed = separator + label_width + value.chars().count();
        if used + needed > width {
            break;
        }
        used += needed;
        if separator > 0 {
            spans.push(Span::raw("  "));
        }
        if !label.is_empty() {
            spans.push(Span::styled(format!("{label} "), theme.quiet()));
        }
        spans.push(Span::raw(value.clone()));
    }
    Line::from(spans)
}

/// The parts of a title in their order, leaving out the least important (highest
/// number) until the rest fit in `width`.
pub fn fitted_title(mut parts: Vec<(u8, Span<'_>)>, width: usize) -> Line<'_> {
    let total = |parts: &[(u8, Span)]| parts.iter().map(|(_, s)| s.width()).sum::<usize>();
    while total(&parts) > width {
        let Some(least) = parts.iter().enumerate().max_by_key(|(_, (p, _))| *p).map(|(i, _)| i) else {
            break;
        };
        if parts[least].0 == 0 {
            break;
        }
        parts.remove(least);
    }
    Line::from(parts.into_iter().map(|(_, span)| span).collect::<Vec<_>>())
}

/// A count in at most `width` characters, never losing digits silently: `232038`, or
/// `232k`, `12M` where the digits do not fit.
pub fn count_text(count: usize, width: usize) -> String {
    let full = count.to_string();
    if full.len() <= width {
        return full;
    }
    let (value, unit) = if count < 1_000_000 { (count / 1_000, "k") } else { (count / 1_000_000, "M") };
    format!("{value}{unit}")
}

/// `mm:ss`, or `h:mm:ss` past an hour.
pub fn clock(duration: std::time::Duration) -> String {
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes:02}:{seconds:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn counts_keep_their_magnitude() {
        assert_eq!(count_text(184, 5), "184");
        assert_eq!(count_text(232_038, 5), "232k");
        assert_eq!(count_text(232_038, 6), "232038");
        assert_eq!(count_text(12_345, 4), "12k");
        assert_eq!(count_text(12_345_678, 5), "12M");
    }

    #[test]
    fn clock_format() {
        assert_eq!(clock(Duration::from_secs(75)), "01:15");
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
    }
}
