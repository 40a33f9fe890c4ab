//! `--plot`'s pictures of what the model learned, from each fold's last
//! [`LearnedReport`]: `confusion` (the folds' held-out matrices summed: under
//! cross-validation every row counted once, by the fold that held it out), `roc` (a curve
//! per fold with its AUC), `map` (the decision map of the first fold, or a regression's
//! fitted curve).

use super::{FONT, PALETTE, draw_legend, settings};
use crate::train::{DecisionMap, LearnedReport, RunInfo};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::Path;

/// The file's title: what, on which data, how it was trained.
fn title(what: &str, info: &RunInfo) -> String {
    let file = Path::new(&info.dataset.source)
        .file_name()
        .map_or_else(|| info.dataset.source.clone(), |f| f.to_string_lossy().into_owned());
    format!("{what}: {file} ({})", settings(info))
}

fn error(e: &dyn std::fmt::Display) -> String {
    e.to_string()
}

/// Whose rows a picture counts: `held-out rows` or `training rows`, after which epoch.
fn whose(learned: &BTreeMap<usize, LearnedReport>) -> String {
    let held_out = learned.values().all(|l| l.held_out);
    let rows = if held_out { "held-out rows" } else { "training rows" };
    let epochs: Vec<usize> = learned.values().map(|l| l.epoch).collect();
    match (learned.len(), epochs.iter().min(), epochs.iter().max()) {
        (1, Some(e), _) => format!("{rows} after epoch {e}"),
        (folds, Some(lo), Some(hi)) if lo == hi => format!("{rows} of {folds} folds after epoch {lo}"),
        (folds, Some(lo), Some(hi)) => format!("{rows} of {folds} folds after epochs {lo}-{hi}"),
        _ => rows.to_string(),
    }
}

/// The confusion matrix: cells shaded by the true class's share, with counts and shares.
pub(super) fn draw_confusion<B: DrawingBackend>(
    root: DrawingArea<B, plotters::coord::Shift>,
    info: &RunInfo,
    learned: &BTreeMap<usize, LearnedReport>,
) -> Result<(), String>
where
    B::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let classes = info.dataset.class_names.len();
    let mut matrix = vec![vec![0u64; classes]; classes];
    for report in learned.values() {
        for (t, row) in report.confusion.iter().enumerate().take(classes) {
            for (p, &count) in row.iter().enumerate().take(classes) {
                matrix[t][p] += count;
            }
        }
    }
    let root = root
        .margin(16, 0, 0, 0)
        .titled(&title("confusion matrix", info), (FONT, 20))
        .map_err(|e| error(&e))?;
    let (width, height) = root.dim_in_pixel();
    let (width, height) = (i32::try_from(width).unwrap_or(1200), i32::try_from(height).unwrap_or(800));
    let label_width = 170;
    let size =
        ((width - label_width - 60).min(height - 150) / i32::try_from(classes.max(1)).unwrap_or(1)).max(8);
    let left = label_width + (width - label_width - size * i32::try_from(classes).unwrap_or(1)) / 2 - 40;
    let top = 70;
    let font = |px: i32| (FONT, f64::from(px)).into_font();
    let text_size = (size / 5).clamp(9, 22);
    let name = |k: usize| -> String { info.dataset.class_names[k].chars().take(14).collect() };
    let draw_text = |text: String, (x, y): (i32, i32), px: i32, colour: RGBColor, anchor: Pos| {
        root.draw(&Text::new(text, (x, y), font(px).color(&colour).pos(anchor))).map_err(|e| error(&e))
    };
    let centre = Pos::new(HPos::Center, VPos::Center);
    for (t, row) in matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        let y = top + size * i32::try_from(t).unwrap_or(0);
        draw_text(name(t), (left - 10, y + size / 2), 16, BLACK, Pos::new(HPos::Right, VPos::Center))?;
        for (p, &count) in row.iter().enumerate() {
            let x = left + size * i32::try_from(p).unwrap_or(0);
            let share = if total == 0 { 0.0 } else { count as f64 / total as f64 };
            #[allow(clippy::cast_possible_truncation, reason = "colour channels in 0..=255")]
            let shade = |full: u8| (255.0 - (255.0 - f64::from(full)) * share).round() as u8;
            let fill = if t == p {
                RGBColor(shade(44), shade(160), shade(44))
            } else {
                RGBColor(shade(214), shade(39), shade(40))
            };
            root.draw(&Rectangle::new([(x, y), (x + size, y + size)], fill.filled()))
                .map_err(|e| error(&e))?;
            root.draw(&Rectangle::new([(x, y), (x + size, y + size)], BLACK.mix(0.3).stroke_width(1)))
                .map_err(|e| error(&e))?;
            let ink = if share > 0.6 { WHITE } else { BLACK };
            draw_text(
                format!("{count}"),
                (x + size / 2, y + size / 2 - text_size / 2),
                text_size,
                ink,
                centre,
            )?;
            draw_text(
                format!("{:.0}%", share * 100.0),
                (x + size / 2, y + size / 2 + text_size * 2 / 3),
                (text_size * 3 / 4).max(8),
                ink,
                centre,
            )?;
        }
    }
    let n = i32::try_from(classes).unwrap_or(1);
    for p in 0..classes {
        let x = left + size * i32::try_from(p).unwrap_or(0) + size / 2;
        draw_text(name(p), (x, top + size * n + 16), 16, BLACK, centre)?;
    }
    draw_text("predicted class".into(), (left + size * n / 2, top + size * n + 44), 18, BLACK, centre)?;
    draw_text("true class".into(), (left - 10, top - 24), 18, BLACK, Pos::new(HPos::Right, VPos::Center))?;
    draw_text(whose(learned), (left + size * n / 2, top - 24), 16, RGBColor(90, 90, 90), centre)?;
    root.present().map_err(|e| error(&e))
}

/// The ROC curve of each fold, with the chance diagonal.
pub(super) fn draw_roc<B: DrawingBackend>(
    root: DrawingArea<B, plotters::coord::Shift>,
    info: &RunInfo,
    learned: &BTreeMap<usize, LearnedReport>,
) -> Result<(), String>
where
    B::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title("ROC curve", info), (FONT, 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)
        .map_err(|e| error(&e))?;
    let positive = info.dataset.class_names.get(1).cloned().unwrap_or_default();
    chart
        .configure_mesh()
        .x_desc(format!("false positive rate ({})", whose(learned)))
        .y_desc(format!("true positive rate (class {positive})"))
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| error(&e))?;
    chart
        .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], RGBColor(150, 150, 150).stroke_width(1)))
        .map_err(|e| error(&e))?
        .label("chance")
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], RGBColor(150, 150, 150).stroke_width(1))
        });
    let several = learned.len() > 1;
    for (index, report) in learned.values().filter(|l| !l.roc.is_empty()).enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        let auc = report.roc_auc.map_or_else(String::new, |a| format!(" AUC {a:.4}"));
        let label = if several { format!("fold {}{auc}", report.fold + 1) } else { format!("ROC{auc}") };
        chart
            .draw_series(LineSeries::new(
                report.roc.iter().map(|&(x, y)| (f64::from(x), f64::from(y))),
                colour.stroke_width(2),
            ))
            .map_err(|e| error(&e))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    // The legend goes where the curves and the diagonal are not (low and to the right).
    let drawn: Vec<(f64, f64)> = learned
        .values()
        .flat_map(|l| l.roc.iter().map(|&(x, y)| (f64::from(x), f64::from(y))))
        .chain((0..=10).map(|i| (f64::from(i) / 10.0, f64::from(i) / 10.0)))
        .collect();
    draw_legend(&mut chart, &drawn, (0.0, 1.0), (0.0, 1.0))?;
    root.present().map_err(|e| error(&e))
}

/// The decision map (each cell in its colour, the training rows on it by class) or a
/// regression's fitted curve over its rows.
pub(super) fn draw_map<B: DrawingBackend>(
    root: DrawingArea<B, plotters::coord::Shift>,
    info: &RunInfo,
    map: &DecisionMap,
    epoch: usize,
) -> Result<(), String>
where
    B::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let (x0, x1) = (f64::from(map.x.0), f64::from(map.x.1));
    let (y0, y1) = (f64::from(map.y.0), f64::from(map.y.1));
    let pad = if map.rows == 1 { ((y1 - y0) * 0.05).max(1e-6) } else { 0.0 };
    let what = if map.rows == 1 { "fitted curve" } else { "decision map" };
    let mut chart = ChartBuilder::on(&root)
        .caption(title(&format!("{what} after epoch {epoch}"), info), (FONT, 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
        .map_err(|e| error(&e))?;
    let y_name = if map.rows == 1 {
        info.dataset.label_name.clone()
    } else {
        map.features.get(1).cloned().unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(map.features.first().cloned().unwrap_or_default())
        .y_desc(y_name)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(|e| error(&e))?;
    let (dx, dy) = ((x1 - x0) / map.columns as f64, (y1 - y0) / map.rows as f64);
    if map.rows == 1 {
        chart
            .draw_series(map.points.iter().map(|&(x, y, _)| {
                Circle::new((f64::from(x), f64::from(y)), 3, super::VALIDATION.mix(0.6).filled())
            }))
            .map_err(|e| error(&e))?
            .label("training rows")
            .legend(|(x, y)| Circle::new((x + 10, y), 4, super::VALIDATION.filled()));
        let curve = map.value.iter().enumerate().map(|(i, &v)| (x0 + dx * (i as f64 + 0.5), f64::from(v)));
        chart
            .draw_series(LineSeries::new(curve, super::TRAIN.stroke_width(3)))
            .map_err(|e| error(&e))?
            .label("model")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], super::TRAIN.stroke_width(3)));
        let points: Vec<(f64, f64)> =
            map.points.iter().map(|&(x, y, _)| (f64::from(x), f64::from(y))).collect();
        draw_legend(&mut chart, &points, (x0, x1), (y0 - pad, y1 + pad))?;
        return root.present().map_err(|e| error(&e));
    }
    let classes = info.dataset.class_names.len();
    let cells = (0..map.columns * map.rows).map(|cell| {
        let (row, column) = ((cell / map.columns) as f64, (cell % map.columns) as f64);
        let (left, top) = (x0 + dx * column, y1 - dy * row);
        let (r, g, b) = map.colour(cell, classes);
        Rectangle::new([(left, top), (left + dx, top - dy)], RGBColor(r, g, b).filled())
    });
    chart.draw_series(cells).map_err(|e| error(&e))?;
    for (k, name) in info.dataset.class_names.iter().enumerate() {
        let points = map
            .points
            .iter()
            .filter(|p| usize::from(p.2) == k)
            .map(|&(x, y, _)| (f64::from(x), f64::from(y)));
        let label = name.clone();
        let series = match k % 3 {
            0 => chart.draw_series(points.map(|p| Circle::new(p, 4, BLACK.stroke_width(2)))),
            1 => chart.draw_series(points.map(|p| Cross::new(p, 4, BLACK.stroke_width(2)))),
            _ => chart.draw_series(points.map(|p| TriangleMarker::new(p, 5, BLACK.stroke_width(2)))),
        }
        .map_err(|e| error(&e))?;
        series.label(label).legend(move |(x, y)| -> DynElement<'static, _, _> {
            match k % 3 {
                0 => Circle::new((x + 10, y), 4, BLACK.stroke_width(2)).into_dyn(),
                1 => Cross::new((x + 10, y), 4, BLACK.stroke_width(2)).into_dyn(),
                _ => TriangleMarker::new((x + 10, y), 5, BLACK.stroke_width(2)).into_dyn(),
            }
        });
    }
    let points: Vec<(f64, f64)> = map.points.iter().map(|&(x, y, _)| (f64::from(x), f64::from(y))).collect();
    draw_legend(&mut chart, &points, (x0, x1), (y0, y1))?;
    root.present().map_err(|e| error(&e))
}
