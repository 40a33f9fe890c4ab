//! The log of changes, pauses and warnings; the key bar; the help overlay.

use super::app::{App, LogKind};
use super::keymap::{BAR, HELP};
use super::ui::panel;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

/// Draws the newest log lines that fit.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme;
    let block = panel(" Log ", theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let room = inner.height as usize;
    let lines: Vec<Line> = app
        .log
        .iter()
        .skip(app.log.len().saturating_sub(room))
        .map(|entry| {
            let place = match (entry.fold, entry.epoch) {
                (Some(fold), Some(epoch)) => format!("fold {:<2} epoch {:<5} ", fold + 1, epoch),
                (Some(fold), None) => format!("fold {:<2}             ", fold + 1),
                (None, _) => " ".repeat(21),
            };
            let style = match entry.kind {
                LogKind::Info => ratatui::style::Style::new(),
                LogKind::Change => theme.marker(),
                LogKind::Warning => theme.warning(),
            };
            Line::from(vec![Span::styled(place, theme.quiet()), Span::styled(entry.text.clone(), style)])
        })
        .collect();
    Paragraph::new(lines).render(inner, buf);
}

/// The bottom line: the most used keys.
pub fn render_key_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme;
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (key, meaning) in BAR {
        let width = key.chars().count() + meaning.chars().count() + 3;
        if used + width > area.width as usize {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::raw(format!(" {meaning} ")));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// The help overlay, centred over everything.
#[allow(clippy::cast_possible_truncation, reason = "the help has a few dozen lines")]
pub fn render_help(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme;
    let width = area.width.min(64);
    let height = area.height.min(HELP.len() as u16 + 4);
    let [_, middle, _] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(height), Constraint::Fill(1)]).areas(area);
    let [_, overlay, _] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(width), Constraint::Fill(1)])
            .areas(middle);
    Clear.render(overlay, buf);
    let block = panel(" Keys (? or esc closes) ", theme);
    let inner = block.inner(overlay);
    block.render(overlay, buf);
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|entry| {
            Line::from(vec![
                Span::styled(format!(" {:<16}", entry.keys), theme.key()),
                Span::raw(entry.meaning),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled(
        " Changes are marked on the charts and listed in the log.",
        theme.quiet(),
    )));
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(inner, buf);
}
