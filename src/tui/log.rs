//! The log of changes, pauses and warnings; the key bar; the help overlay.

use super::app::{App, LogKind};
use super::keymap::{BAR, HELP};
use super::ui::{count_text, panel};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

/// Width of the place column (`fold 10 epoch 12345 `).
const PLACE: usize = 21;
/// Width of the compact place column (`f10 e12345 `).
const COMPACT_PLACE: usize = 12;

/// Draws the newest log entries that fit, each wrapped at word boundaries under its
/// text column, so that no hint loses its end.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    // Scrolled back: the newest entries skipped are counted in the title.
    let skip = app.screen.log_scroll.min(app.log.len().saturating_sub(1));
    let title = match (app.screen.log_open, skip) {
        (true, 0) => format!(" Log, {} entries (L or esc closes; up/pgup older) ", app.log.len()),
        (true, n) => {
            format!(" Log, {} entries, {n} newer below (down/pgdn; L or esc closes) ", app.log.len())
        }
        (false, 0) => " Log ".to_string(),
        (false, n) => format!(" Log ({n} newer: pgdn) "),
    };
    let block = panel(title, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let room = inner.height as usize;
    // Narrow terminals get a compact place (`f3 e12`), leaving more room for the text.
    let compact = inner.width < 100;
    let place_width = if compact { COMPACT_PLACE } else { PLACE };
    let text_width = (inner.width as usize).saturating_sub(place_width).max(8);
    let mut lines: Vec<Line> = Vec::new();
    for entry in app.log.iter().rev().skip(skip) {
        if lines.len() >= room {
            break;
        }
        let place = match (entry.fold, entry.epoch, compact) {
            (Some(fold), Some(epoch), false) => format!("fold {:<2} epoch {:<5} ", fold + 1, epoch),
            (Some(fold), None, false) => format!("fold {:<2}             ", fold + 1),
            (Some(fold), Some(epoch), true) => {
                format!(
                    "{:<width$}",
                    format!("f{} e{}", fold + 1, count_text(epoch, 6)),
                    width = COMPACT_PLACE
                )
            }
            (Some(fold), None, true) => {
                format!("{:<width$}", format!("f{}", fold + 1), width = COMPACT_PLACE)
            }
            (None, _, _) => " ".repeat(place_width),
        };
        let style = match entry.kind {
            LogKind::Info => ratatui::style::Style::new(),
            LogKind::Change => theme.marker(),
            LogKind::Policy => theme.policy(),
            LogKind::Warning => theme.warning(),
        };
        let mut entry_lines: Vec<Line> = wrap(&entry.text, text_width)
            .into_iter()
            .enumerate()
            .map(|(index, part)| {
                let lead = if index == 0 { place.clone() } else { " ".repeat(place.chars().count()) };
                Line::from(vec![Span::styled(lead, theme.quiet()), Span::styled(part, style)])
            })
            .collect();
        // The newest entries are shown whole where they fit; an older one that does not
        // fit keeps its first lines.
        entry_lines.truncate(room - lines.len());
        entry_lines.reverse();
        lines.extend(entry_lines);
    }
    lines.reverse();
    Paragraph::new(lines).render(inner, buf);
}

/// Splits `text` into lines of at most `width` characters at spaces (a word longer than
/// a line is cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let used = line.chars().count();
            let needed = word.chars().count() + usize::from(used > 0);
            if used + needed <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the line: cut it.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The bottom line: the most used keys.
pub fn render_key_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let mut spans = Vec::new();
    let mut used = 0usize;
    let over = matches!(app.mode, super::app::Mode::Done | super::app::Mode::Failed(_));
    let early_stopping = app.info.as_ref().is_some_and(|i| i.config.policies.early_stopping.is_some());
    // Once the run is over, pausing and stepping mean nothing: their room goes to the rest.
    let recorded = app.recorded;
    let shown = |key: &str| match key {
        _ if recorded => ["q", "?", "s", "z", "c", "up/down", "o", "tab", "l"].contains(&key),
        "space" | "n" => !over,
        "e/x/b" => early_stopping && !over,
        _ => true,
    };
    for (index, (key, meaning)) in BAR.into_iter().filter(|(key, _)| shown(key)).enumerate() {
        // A recording says, right after quit and help, that it cannot be steered.
        if recorded && index == 2 {
            const NOTE: &str = " recorded run: controls unavailable ";
            if used + NOTE.len() <= area.width as usize {
                used += NOTE.len();
                spans.push(Span::styled(NOTE, theme.quiet()));
            }
        }
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
    let theme = app.screen.theme;
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

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_cuts_only_overlong_words() {
        assert_eq!(
            wrap("lower the learning rate (it was 0.5)", 16),
            ["lower the", "learning rate", "(it was 0.5)"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), [""]);
    }
}
