//! The weights panel: the chosen layer's kernel histogram, its last gradient, and a
//! strip of kernel histograms over the epochs (newest at the bottom), as TensorBoard's
//! histogram view shows how a distribution moves. Tab steps through the layers with
//! weights; a stack with other layers (pooling, flatten, dropout) is listed on the first
//! line with every layer's output shape, and a convolution's learned filters are drawn
//! beside its histogram as small shaded images.

use super::app::{App, short, three_digits};
use super::ui::{Theme, count_text, fitted_pairs, fitted_title, note_for_missing, panel};
use crate::nn::layer::shape_dims;
use crate::nn::model::ModelSummary;
use crate::train::{Filters, Histogram, WeightsReport};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// Eighths of a cell, for bar tops.
const EIGHTHS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
/// The strip's colour ramp, sparse to dense.
const RAMP: [Color; 4] = [Color::Blue, Color::Cyan, Color::Yellow, Color::LightRed];
/// Density shades for the strip, light to dark.
const SHADES: [&str; 5] = [" ", "░", "▒", "▓", "█"];

/// A histogram tag over steps (TensorBoard's), as the kernel strip: the newest
/// snapshot's statistics, then one row per step.
pub fn render_histogram_tag(
    title: &str,
    snapshots: &[(i64, crate::train::Histogram)],
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let block = panel(title.to_string(), theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let Some((step, newest)) = snapshots.last() else { return };
    let stats = format!("step {step}  mean {}  std {}", short(newest.mean), short(newest.std));
    buf.set_stringn(inner.x, inner.y, stats, usize::from(inner.width), theme.quiet());
    let range = format!("{} .. {}", short(newest.min), short(newest.max));
    buf.set_stringn(inner.x, inner.y.saturating_add(1), range, usize::from(inner.width), theme.quiet());
    let rows: Vec<(usize, &crate::train::Histogram)> =
        snapshots.iter().map(|(step, h)| (usize::try_from(*step).unwrap_or(0), h)).collect();
    let strip = Rect { y: inner.y + 2, height: inner.height.saturating_sub(2), ..inner };
    render_strip(&rows, 's', strip, buf, theme);
}

/// A stored run's weights panel: its histogram tags, Tab choosing one.
fn render_stored(app: &App, stored: &super::app::Stored, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let count = stored.histograms.len();
    let Some((tag, snapshots)) = stored.histograms.iter().nth(app.screen.layer % count.max(1)) else {
        let block = panel(" Weights ", theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let text = "no histograms in this run";
        buf.set_stringn(inner.x, inner.y, text, usize::from(inner.width), theme.quiet());
        return;
    };
    let title = if count > 1 {
        format!(" {tag} ({}/{count}, tab: next) ", app.screen.layer % count + 1)
    } else {
        format!(" {tag} ")
    };
    render_histogram_tag(&title, snapshots, area, buf, theme);
}

/// Draws the panel.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    if let (None, Some(stored)) = (&app.info, &app.stored) {
        render_stored(app, stored, area, buf);
        return;
    }
    let fold = app.shown_fold().and_then(|f| app.folds.get(f));
    let layers = app.info.as_ref().map_or(0, |i| weighted_layers(&i.model).len());
    let layer = app.screen.layer.min(layers.saturating_sub(1));
    let mut title = vec![(0, Span::raw(" Weights "))];
    let mut stack_line = None;
    // What the layer's kernel is: a normalization's scale, an embedding's table.
    let mut what = "kernel";
    if let Some(info) = &app.info
        && let Some(&index) = weighted_layers(&info.model).get(layer)
    {
        let model = &info.model;
        let spec = &model.layers[index];
        what = match spec.kind.as_str() {
            "layernorm" | "batchnorm" => "scale",
            "embedding" => "embeddings",
            _ => "kernel",
        };
        let inputs = if spec.input_shape.is_empty() {
            if index == 0 { model.input_dim.to_string() } else { model.layers[index - 1].units.to_string() }
        } else {
            shape_dims(&spec.input_shape)
        };
        let activation = spec.activation.map(|a| format!(" {a}")).unwrap_or_default();
        title.push((1, Span::styled(format!("layer {}/{layers} ", layer + 1), theme.quiet())));
        let kind = if spec.kind == "dense" { String::new() } else { format!("{} ", spec.kind) };
        title.push((
            3,
            Span::styled(
                format!("{kind}{inputs}->{}{activation} ", shape_dims(&spec.shape())),
                theme.quiet(),
            ),
        ));
        if model.layers.iter().any(|l| !l.has_weights() || l.kind != "dense") {
            stack_line = Some(stack(model, index, area.width.saturating_sub(2), theme));
        }
    }
    // With the value cursor on, the snapshot nearest its epoch; else the latest.
    let latest = match app.screen.cursor {
        Some(epoch) => {
            fold.and_then(|f| f.strip.iter().min_by_key(|s| s.epoch.abs_diff(epoch)).map(|s| &s.weights))
        }
        None => fold.and_then(|f| f.weights()),
    };
    if let Some(weights) = latest {
        title.push((2, Span::styled(format!("epoch {} ", weights.epoch), theme.quiet())));
    }
    let block = panel(fitted_title(title, usize::from(area.width.saturating_sub(2))), theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let Some((weights, fold)) = latest.zip(fold).filter(|(w, _)| layer < w.layers.len()) else {
        note_for_missing(app, "waiting for the first weights", "no weights reported", inner, buf);
        return;
    };
    let kernel = &weights.layers[layer].kernel;
    let gradient = &weights.layers[layer].gradient;
    let mut inner = inner;
    if let Some(stack) = stack_line
        && inner.height > 4
    {
        Paragraph::new(stack).render(Rect { height: 1, ..inner }, buf);
        inner = Rect { y: inner.y + 1, height: inner.height - 1, ..inner };
    }
    let gates = &weights.layers[layer].gates;
    let gate_rows = u16::try_from(gates.len() + 1).unwrap_or(u16::MAX);
    if !gates.is_empty() && inner.height >= gate_rows + 5 {
        // A recurrent layer: a row per gate, its input and recurrent kernels side by side.
        let area = Rect { y: inner.bottom() - gate_rows, height: gate_rows, ..inner };
        render_gates(gates, area, buf, theme);
        inner = Rect { height: inner.height - gate_rows, ..inner };
    }
    if let Some(filters) = &weights.layers[layer].filters {
        let side = filters_width(filters, inner);
        if side > 0 {
            let area = Rect { x: inner.right() - side, width: side, ..inner };
            render_filters(filters, area, buf, theme);
            inner = Rect { width: inner.width - side - 1, ..inner };
        }
    }

    let height = inner.height;
    let (bars, gradient_bars, strip) = match height {
        14.. => (4, 2, height - 10),
        9.. => (3, 0, height - 7),
        _ => (height.saturating_sub(3).max(1), 0, 0),
    };
    let mut y = inner.y;
    let line = |text: Line, y: &mut u16, buf: &mut Buffer| {
        if *y < inner.bottom() {
            Paragraph::new(text).render(Rect { y: *y, height: 1, ..inner }, buf);
            *y += 1;
        }
    };
    line(stats_line(theme, what, kernel, inner.width), &mut y, buf);
    let bar_area = Rect { y, height: bars.min(inner.bottom().saturating_sub(y)), ..inner };
    vertical_bars(&resample(&kernel.counts, inner.width), bar_area, buf, theme.fg(Color::Cyan));
    y += bar_area.height;
    line(range_line(theme, kernel.min, kernel.max, inner.width), &mut y, buf);
    if let Some(shift) = &weights.layers[layer].shift {
        line(stats_line(theme, "shift", shift, inner.width), &mut y, buf);
    }
    line(stats_line(theme, "gradient", gradient, inner.width), &mut y, buf);
    if gradient_bars > 0 {
        let area = Rect { y, height: gradient_bars.min(inner.bottom().saturating_sub(y)), ..inner };
        vertical_bars(&resample(&gradient.counts, inner.width), area, buf, theme.fg(Color::LightMagenta));
        y += area.height;
    }
    // An embedding's codes where its values over epochs would go: the picture says more.
    if let Some(codes) = &weights.layers[layer].codes
        && strip >= 2
        && y + 3 <= inner.bottom()
    {
        render_codes(codes, Rect { y, height: inner.bottom() - y, ..inner }, buf, theme);
    } else if strip >= 2 && y + 2 <= inner.bottom() {
        let kernels = fold.strip.iter().filter_map(|s| s.weights.layers.get(layer).map(|l| &l.kernel));
        let (low, high) =
            kernels.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), h| (lo.min(h.min), hi.max(h.max)));
        let range = if low.is_finite() {
            format!(" {} .. {}", three_digits(low), three_digits(high))
        } else {
            String::new()
        };
        // The longest label that fits uncut (the filters' pictures may take the right).
        let label = [
            format!("{what} over epochs (newest last){range}"),
            format!("{what} over epochs{range}"),
            format!("{what} over epochs (newest last)"),
        ]
        .into_iter()
        .find(|label| label.chars().count() <= usize::from(inner.width))
        .unwrap_or_else(|| format!("{what} over epochs"));
        line(Line::from(Span::styled(label, theme.quiet())), &mut y, buf);
        let rows: Vec<&WeightsReport> = fold.strip.iter().map(|s| &s.weights).collect();
        let area = Rect { y, height: inner.bottom() - y, ..inner };
        let rows: Vec<(usize, &Histogram)> =
            rows.iter().filter_map(|s| s.layers.get(layer).map(|l| (s.epoch, &l.kernel))).collect();
        render_strip(&rows, 'e', area, buf, theme);
    }
}

/// The model layers with weights (the tab stops), as indices into `model.layers`.
pub fn weighted_layers(model: &ModelSummary) -> Vec<usize> {
    (0..model.layers.len()).filter(|&i| model.layers[i].has_weights()).collect()
}

/// Every layer with its output shape, the one shown highlighted; when they do not all
/// fit in `width`, the list starts a layer before the shown one (`.. >`).
fn stack(model: &ModelSummary, shown: usize, width: u16, theme: Theme) -> Line<'static> {
    let texts: Vec<String> =
        model.layers.iter().map(|l| format!("{} {}", l.short_kind(), shape_dims(&l.shape()))).collect();
    let length = |from: usize| texts[from..].iter().map(|t| t.chars().count() + 3).sum::<usize>();
    let mut first = 0;
    while first + 1 < shown && length(first) + 2 > usize::from(width) {
        first += 1;
    }
    let mut spans = Vec::new();
    if first > 0 {
        spans.push(Span::styled(".. > ", theme.quiet()));
    }
    let mut used = if first > 0 { 5 } else { 0 };
    let count = texts.len();
    for (index, text) in texts.into_iter().enumerate().skip(first) {
        // Whole items only: the next one, and room for ` > ..` unless it is the last.
        let separator = if index > first { 3 } else { 0 };
        let tail = if index + 1 < count { 5 } else { 0 };
        if index > shown && used + separator + text.chars().count() + tail > usize::from(width) {
            spans.push(Span::styled(" > ..", theme.quiet()));
            break;
        }
        used += separator + text.chars().count();
        if index > first {
            spans.push(Span::styled(" > ", theme.quiet()));
        }
        let style = if index == shown {
            theme.fg(Color::Cyan).add_modifier(ratatui::style::Modifier::BOLD)
        } else {
            theme.quiet()
        };
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

/// Columns per filter cell, and the grid of filters that fits `area`: `(cell, columns,
/// rows)`, or `None` when not even one filter fits.
fn filter_grid(filters: &Filters, width: u16, height: u16) -> Option<(u16, u16, u16)> {
    let cells = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let count = cells(filters.count());
    let (fh, fw) = (cells(filters.height), cells(filters.width));
    // Two columns per cell when that still shows every filter (cells look square).
    for cell in [2, 1] {
        let across = (width + 1) / (fw * cell + 1);
        let down = (height.saturating_sub(1) + 1) / (fh + 1);
        if across > 0 && down > 0 && (across * down >= count || cell == 1) {
            return Some((cell, across.min(count), down.min(count.div_ceil(across.max(1)))));
        }
    }
    None
}

/// How wide the filter images are drawn beside the histogram (0: not drawn): at most
/// half the panel, leaving the histogram 24 columns.
fn filters_width(filters: &Filters, inner: Rect) -> u16 {
    let room = (inner.width / 2).min(inner.width.saturating_sub(25));
    if room < 14 {
        // Too narrow for the label and two filters: the histogram keeps the room.
        return 0;
    }
    filter_grid(filters, room, inner.height).map_or(0, |(cell, across, _)| {
        let fw = u16::try_from(filters.width).unwrap_or(u16::MAX);
        (across * (fw * cell + 1)).saturating_sub(1).max(14).min(room)
    })
}

/// Each filter as a small image: a cell per kernel weight, red for positive, blue for
/// negative, shaded by the magnitude against the largest in the layer.
#[allow(clippy::cast_possible_truncation, reason = "screen cells: bounded by the area's u16 size")]
fn render_filters(filters: &Filters, area: Rect, buf: &mut Buffer, theme: Theme) {
    let Some((cell, across, down)) = filter_grid(filters, area.width, area.height) else {
        return;
    };
    let count = filters.count();
    let shown = usize::from(across * down).min(count);
    let largest = filters.values.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(f32::MIN_POSITIVE);
    let label = if shown < count { format!("filters {shown}/{count}") } else { format!("{count} filters") };
    let label = if filters.channels > 1 { format!("{label}, sum of {} ch", filters.channels) } else { label };
    buf.set_stringn(area.x, area.y, &label, usize::from(area.width), theme.quiet());
    let (fh, fw) = (filters.height as u16, filters.width as u16);
    for index in 0..shown {
        let (gx, gy) = ((index as u16) % across, (index as u16) / across);
        let x0 = area.x + gx * (fw * cell + 1);
        let y0 = area.y + 1 + gy * (fh + 1);
        for (i, &value) in filters.filter(index).iter().enumerate() {
            let (row, column) = ((i / filters.width) as u16, (i % filters.width) as u16);
            let (x, y) = (x0 + column * cell, y0 + row);
            if y >= area.bottom() || x + cell > area.right() {
                continue;
            }
            let level = (value.abs() / largest * 4.0).ceil().clamp(1.0, 4.0) as usize;
            let color = match (value >= 0.0, level) {
                (true, 4) => Color::LightRed,
                (true, _) => Color::Red,
                (false, 4) => Color::LightBlue,
                (false, _) => Color::Blue,
            };
            for dx in 0..cell {
                buf[(x + dx, y)].set_symbol(SHADES[level]).set_style(theme.fg(color));
            }
        }
    }
}

/// An embedding's first codes, each written where its vector falls on the two axes its
/// table spreads most along (TensorBoard's projector, flat): codes the model has made
/// alike sit together. Vectors of one value are spread down the rows in code order.
#[allow(clippy::cast_possible_truncation, reason = "screen cells from scaled points")]
fn render_codes(codes: &crate::train::CodeMap, area: Rect, buf: &mut Buffer, theme: Theme) {
    let count = codes.points.len();
    if count == 0 {
        return;
    }
    let label = if codes.dim == 1 {
        format!("codes 0-{} by value", count - 1)
    } else {
        format!("codes 0-{}, 2 axes: {:.0}% of spread", count - 1, codes.share * 100.0)
    };
    buf.set_stringn(area.x, area.y, &label, usize::from(area.width), theme.quiet());
    let plot = Rect { y: area.y + 1, height: area.height - 1, ..area };
    let y_of = |i: usize, p: &[f32; 2]| if codes.dim == 1 { i as f32 } else { p[1] };
    let range = |values: &mut dyn Iterator<Item = f32>| {
        values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (x_low, x_high) = range(&mut codes.points.iter().map(|p| p[0]));
    let (y_low, y_high) = range(&mut codes.points.iter().enumerate().map(|(i, p)| y_of(i, p)));
    let digits = (count - 1).to_string().len() as u16;
    let columns = plot.width.saturating_sub(digits).max(1);
    let place = |value: f32, low: f32, high: f32, cells: u16| -> u16 {
        if high > low && value.is_finite() {
            (((value - low) / (high - low)) * f32::from(cells.saturating_sub(1))).round() as u16
        } else {
            cells / 2
        }
    };
    for (code, point) in codes.points.iter().enumerate() {
        let x = plot.x + place(point[0], x_low, x_high, columns);
        // Up is larger, as on a chart.
        let y = plot.bottom() - 1 - place(y_of(code, point), y_low, y_high, plot.height);
        let text = code.to_string();
        let room = usize::from(plot.right().saturating_sub(x));
        buf.set_stringn(x, y, &text, room, theme.fg(Color::Cyan));
    }
}

/// One row per gate: its name, then one-row histograms of its input-kernel and
/// recurrent-kernel columns, each on its own range, with their spreads.
fn render_gates(gates: &[crate::train::GateWeights], area: Rect, buf: &mut Buffer, theme: Theme) {
    let width = usize::from(area.width);
    let name_width = 9;
    let half = width.saturating_sub(name_width + 1) / 2;
    if half < 6 {
        return;
    }
    let header = format!("{:<name_width$}{:<half$} {}", "gate", "input kernel, std", "recurrent kernel, std");
    buf.set_stringn(area.x, area.y, &header, width, theme.quiet());
    let row = |h: &Histogram| -> String {
        let label = format!(" {}", three_digits(h.std));
        let bars = half.saturating_sub(label.len()).max(1);
        let values = resample(&h.counts, u16::try_from(bars).unwrap_or(u16::MAX));
        let largest = values.iter().copied().fold(0.0, f64::max);
        let mut text: String = values
            .iter()
            .map(|&v| {
                if largest <= 0.0 || v <= 0.0 {
                    " "
                } else {
                    #[allow(clippy::cast_possible_truncation, reason = "0..=8 by construction")]
                    let level = ((v / largest) * 8.0).ceil().clamp(1.0, 8.0) as usize;
                    EIGHTHS[level]
                }
            })
            .collect();
        text.push_str(&label);
        text
    };
    for (index, gate) in gates.iter().enumerate() {
        let y = area.y + 1 + u16::try_from(index).unwrap_or(u16::MAX);
        if y >= area.bottom() {
            break;
        }
        buf.set_stringn(area.x, y, &gate.name, name_width, theme.quiet());
        let x = area.x + u16::try_from(name_width).unwrap_or(0);
        buf.set_stringn(x, y, row(&gate.kernel), half, theme.fg(Color::Cyan));
        let x = x + u16::try_from(half + 1).unwrap_or(0);
        buf.set_stringn(x, y, row(&gate.recurrent), half, theme.fg(Color::Yellow));
    }
}

/// Mean and spread (the range line under the bars gives min and max).
fn stats_line<'a>(theme: Theme, name: &'a str, h: &Histogram, width: u16) -> Line<'a> {
    fitted_pairs(
        theme,
        &[
            (name, String::new()),
            ("mean", three_digits(h.mean)),
            ("std", three_digits(h.std)),
            ("min", three_digits(h.min)),
            ("max", three_digits(h.max)),
        ],
        usize::from(width),
    )
}

fn range_line(theme: Theme, low: f64, high: f64, width: u16) -> Line<'static> {
    let (left, right) = (three_digits(low), three_digits(high));
    let gap = (width as usize).saturating_sub(left.len() + right.len());
    Line::from(Span::styled(format!("{left}{}{right}", " ".repeat(gap)), theme.quiet()))
}

/// Spreads `counts` over `width` columns (averaging or repeating bins).
pub fn resample(counts: &[u32], width: u16) -> Vec<f64> {
    let (bins, width) = (counts.len(), width as usize);
    if bins == 0 || width == 0 {
        return Vec::new();
    }
    (0..width)
        .map(|column| {
            let start = column * bins / width;
            let end = ((column + 1) * bins / width).max(start + 1).min(bins);
            let sum: u32 = counts[start..end].iter().sum();
            f64::from(sum) / (end - start) as f64
        })
        .collect()
}

/// Bars rising from the bottom of `area`, scaled to the largest value.
#[allow(clippy::cast_possible_truncation, reason = "screen cells: bounded by the area's u16 size")]
pub fn vertical_bars(values: &[f64], area: Rect, buf: &mut Buffer, style: Style) {
    let largest = values.iter().copied().fold(0.0, f64::max);
    if largest <= 0.0 || area.height == 0 {
        return;
    }
    let levels = f64::from(area.height) * 8.0;
    for (column, &value) in values.iter().enumerate().take(area.width as usize) {
        // Any non-empty bin shows at least a sliver.
        let mut eighths = (value / largest * levels).round() as u32;
        if value > 0.0 {
            eighths = eighths.max(1);
        }
        for row in 0..area.height {
            let from_bottom = u32::from(area.height - 1 - row);
            let fill = eighths.saturating_sub(from_bottom * 8).min(8) as usize;
            if fill > 0 {
                let x = area.x + column as u16;
                buf[(x, area.y + row)].set_symbol(EIGHTHS[fill]).set_style(style);
            }
        }
    }
}

/// One row per snapshot (the newest at the bottom), labelled `e12` (`label` and the
/// epoch or step), columns on a range common to all rows, shaded by how many values
/// fall there.
#[allow(clippy::cast_possible_truncation, reason = "screen cells: bounded by the area's u16 size")]
pub fn render_strip(
    snapshots: &[(usize, &Histogram)],
    label: char,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
) {
    let shown = &snapshots[snapshots.len().saturating_sub(area.height as usize)..];
    // Room for the label and the newest epoch's digits (the strip's rows differ there),
    // at most nine columns; past that the epochs are shortened to `232k`.
    let digits = shown.last().map_or(1, |s| s.0.to_string().len());
    let gutter = (digits as u16 + 2).clamp(6, 9);
    if area.width <= gutter + 8 || area.height == 0 || snapshots.is_empty() {
        return;
    }
    let histograms: Vec<&Histogram> = shown.iter().map(|s| s.1).collect();
    let low = histograms.iter().map(|h| h.min).fold(f64::INFINITY, f64::min);
    let high = histograms.iter().map(|h| h.max).fold(f64::NEG_INFINITY, f64::max);
    let width = usize::from(area.width - gutter);
    let span = (high - low).max(f64::EPSILON);
    let top = area.y + area.height - shown.len().min(area.height as usize) as u16;
    for (row, (snapshot, histogram)) in shown.iter().zip(&histograms).enumerate() {
        let y = top + row as u16;
        let label = format!("{label}{}", count_text(snapshot.0, usize::from(gutter) - 2));
        buf.set_stringn(area.x, y, &label, gutter as usize, theme.quiet());
        let mut columns = vec![0.0f64; width];
        let bins = histogram.counts.len().max(1) as f64;
        let bin_width = (histogram.max - histogram.min) / bins;
        for (i, &count) in histogram.counts.iter().enumerate() {
            let centre = histogram.min + (i as f64 + 0.5) * bin_width;
            let column = (((centre - low) / span) * width as f64) as usize;
            columns[column.min(width - 1)] += f64::from(count);
        }
        let largest = columns.iter().copied().fold(0.0, f64::max);
        for (column, &value) in columns.iter().enumerate() {
            if value <= 0.0 || largest <= 0.0 {
                continue;
            }
            let shade = ((value / largest) * 4.0).ceil().clamp(1.0, 4.0) as usize;
            // A heat map: a colour ramp, and the shade characters as the ramp without colour.
            buf[(area.x + gutter + column as u16, y)]
                .set_symbol(SHADES[shade])
                .set_style(theme.fg(RAMP[shade - 1]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_averages_or_repeats_bins() {
        assert_eq!(resample(&[1, 3, 5, 7], 2), vec![2.0, 6.0]);
        assert_eq!(resample(&[1, 3], 4), vec![1.0, 1.0, 3.0, 3.0]);
        assert!(resample(&[], 4).is_empty());
    }

    #[test]
    fn bars_rise_from_the_bottom() {
        let area = Rect::new(0, 0, 3, 2);
        let mut buf = Buffer::empty(area);
        vertical_bars(&[4.0, 2.0, 0.0], area, &mut buf, Style::new());
        assert_eq!(buf, Buffer::with_lines(["█  ", "██ "]));
    }
}
