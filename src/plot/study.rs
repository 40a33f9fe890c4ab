//! `nntui view STUDY --plot DIR`: a study's figures as files (the plots of
//! optuna-dashboard): `history` (the objective of each finished trial, pruned ones apart,
//! and the best so far), `slice_<option>` (the objective against each searched option, on
//! a log axis labelled in the option's own values where they span more than a factor of
//! 20) and `parallel` (parallel coordinates coloured by the objective).

use super::{FONT, Format, SIZE, finish_file, png, register_font};
use crate::runs::trials::{Figures, Scale};
use crate::series::short;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// Complete trials.
const COMPLETE: RGBColor = RGBColor(31, 119, 180);
/// Pruned trials.
const PRUNED: RGBColor = RGBColor(170, 170, 170);
/// The best so far.
const BEST: RGBColor = RGBColor(214, 39, 40);

fn error(e: &dyn std::fmt::Display) -> String {
    e.to_string()
}

/// A colour from the worst objective (light blue) to the best (dark blue), as Optuna's
/// parallel-coordinate plot shades its lines.
#[allow(clippy::cast_possible_truncation, reason = "channels in 0..=255")]
fn shade(goodness: f64) -> RGBColor {
    let g = goodness.clamp(0.0, 1.0);
    let mix = |light: f64, dark: f64| (light + (dark - light) * g).round() as u8;
    RGBColor(mix(198.0, 8.0), mix(219.0, 48.0), mix(239.0, 107.0))
}

/// Writes the study's figures into `dir`, their names after `prefix` and `_` when it is
/// not empty (a storage's several studies); returns the files written.
///
/// # Errors
/// The folder or a file cannot be written.
pub fn write_study(
    figures: &Figures,
    dir: &Path,
    prefix: &str,
    format: Format,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    register_font();
    let extension = if format == Format::Svg { "svg" } else { "png" };
    let mut written = Vec::new();
    let mut draw = |name: &str, what: &dyn Fn(&Path) -> Result<(), String>| -> Result<(), String> {
        let safe: String = prefix
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
            .collect();
        let path = dir.join(if safe.is_empty() {
            format!("{name}.{extension}")
        } else {
            format!("{safe}_{name}.{extension}")
        });
        what(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        finish_file(&path, format)?;
        written.push(path);
        Ok(())
    };
    draw("history", &|path| draw_file!(path, format, draw_history, figures))?;
    for option in figures.scales.keys() {
        let file: String = option
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
            .collect();
        draw(&format!("slice_{file}"), &|path| draw_file!(path, format, draw_slice, figures, option))?;
    }
    if !figures.scales.is_empty() {
        draw("parallel", &|path| draw_file!(path, format, draw_parallel, figures))?;
    }
    Ok(written)
}

fn value_bounds(figures: &Figures) -> (f64, f64) {
    let (low, high) = figures.value_range();
    let pad = ((high - low) * 0.05).max(1e-9 * high.abs().max(1.0));
    (low - pad, high + pad)
}

fn draw_history<B: DrawingBackend>(
    root: DrawingArea<B, plotters::coord::Shift>,
    figures: &Figures,
) -> Result<(), String>
where
    B::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let (y0, y1) = value_bounds(figures);
    let last = figures.points.iter().map(|p| p.trial).max().unwrap_or(0) as f64;
    let pruned = figures.points.iter().filter(|p| p.pruned).count();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{} over trials: {} complete, {pruned} pruned",
                figures.objective,
                figures.points.len() - pruned
            ),
            (FONT, 20),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..last.max(1.0) + 0.5, y0..y1)
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .x_desc("trial")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc(figures.objective.as_str())
        .y_label_formatter(&|y| short(*y))
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| error(&e))?;
    chart
        .draw_series(
            figures
                .points
                .iter()
                .filter(|p| p.pruned)
                .map(|p| Cross::new((p.trial as f64, p.value), 4, PRUNED.stroke_width(2))),
        )
        .map_err(|e| error(&e))?
        .label("pruned")
        .legend(|(x, y)| Cross::new((x + 10, y), 4, PRUNED.stroke_width(2)));
    chart
        .draw_series(
            figures
                .points
                .iter()
                .filter(|p| !p.pruned)
                .map(|p| Circle::new((p.trial as f64, p.value), 4, COMPLETE.filled())),
        )
        .map_err(|e| error(&e))?
        .label("complete")
        .legend(|(x, y)| Circle::new((x + 10, y), 4, COMPLETE.filled()));
    let best = figures.best_so_far();
    // The best so far as steps: it holds until a trial beats it.
    let mut steps: Vec<(f64, f64)> = Vec::new();
    for (i, &(x, y)) in best.iter().enumerate() {
        if i > 0 {
            steps.push((x, best[i - 1].1));
        }
        steps.push((x, y));
    }
    if let Some(&(_, y)) = best.last() {
        steps.push((last + 0.5, y));
    }
    chart
        .draw_series(LineSeries::new(steps, BEST.stroke_width(2)))
        .map_err(|e| error(&e))?
        .label("best so far")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BEST.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(if figures.maximize {
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperRight
        })
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| error(&e))?;
    root.present().map_err(|e| error(&e))
}

fn draw_slice<B: DrawingBackend>(
    root: DrawingArea<B, plotters::coord::Shift>,
    figures: &Figures,
    option: &str,
) -> Result<(), String>
where
    B::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let scale = &figures.scales[option];
    let (y0, y1) = value_bounds(figures);
    let points: Vec<(f64, f64, bool)> = figures
        .points
        .iter()
        .zip(&figures.values)
        .filter_map(|(p, values)| Some((scale.place(values.get(option)?)?, p.value, p.pruned)))
        .collect();
    let title = match scale {
        Scale::Number { log: true, .. } => format!("{} against {option} (log scale)", figures.objective),
        _ => format!("{} against {option}", figures.objective),
    };
    // Places run 0 to 1 along the axis; the labels give the option's own values there.
    let (x0, x1) = match scale {
        Scale::Choice(c) => (-0.5 / c.len().max(1) as f64, 1.0 + 0.5 / c.len().max(1) as f64),
        Scale::Number { .. } => (-0.03, 1.03),
    };
    let ticks = match scale {
        Scale::Choice(c) => c.len().max(2),
        Scale::Number { .. } => 5,
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| error(&e))?;
    let label = |x: &f64| match scale {
        Scale::Choice(c) if c.len() > 1 => {
            let step = 1.0 / (c.len() - 1) as f64;
            let at = x / step;
            if (at - at.round()).abs() < 1e-6 && (0.0..=1.0 + 1e-9).contains(x) {
                scale.label(*x, short)
            } else {
                String::new()
            }
        }
        _ if (0.0..=1.0 + 1e-9).contains(x) => scale.label(*x, short),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .x_labels(if matches!(scale, Scale::Choice(_)) { ticks * 2 + 1 } else { ticks + 2 })
        .x_label_formatter(&label)
        .x_desc(option)
        .y_desc(figures.objective.as_str())
        .y_label_formatter(&|y| short(*y))
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| error(&e))?;
    chart
        .draw_series(
            points.iter().filter(|p| p.2).map(|&(x, y, _)| Cross::new((x, y), 4, PRUNED.stroke_width(2))),
        )
        .map_err(|e| error(&e))?;
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| !p.2)
                .map(|&(x, y, _)| Circle::new((x, y), 4, shade(figures.goodness(y)).filled())),
        )
        .map_err(|e| error(&e))?;
    root.present().map_err(|e| error(&e))
}

fn draw_parallel<B: DrawingBackend>(
    root: DrawingArea<B, plotters::coord::Shift>,
    figures: &Figures,
) -> Result<(), String>
where
    B::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let names: Vec<&String> = figures.scales.keys().collect();
    let axes = names.len() + 1;
    let span = (axes - 1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "parallel coordinates: {} trials, darker is a better {}",
                figures.points.len(),
                figures.objective
            ),
            (FONT, 20),
        )
        .margin(40)
        .build_cartesian_2d(-0.1..span + 0.1, -0.12..1.08)
        .map_err(|e| error(&e))?;
    let (low, high) = figures.value_range();
    let objective_place = |v: f64| if high > low { (v - low) / (high - low) } else { 0.5 };
    let mut order: Vec<usize> = (0..figures.points.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&figures.points[a], &figures.points[b]);
        pb.pruned.cmp(&pa.pruned).then(figures.goodness(pa.value).total_cmp(&figures.goodness(pb.value)))
    });
    for i in 0..axes {
        let x = i as f64;
        chart
            .draw_series(LineSeries::new([(x, 0.0), (x, 1.0)], BLACK.mix(0.5).stroke_width(1)))
            .map_err(|e| error(&e))?;
    }
    for &i in &order {
        let point = &figures.points[i];
        let colour =
            if point.pruned { PRUNED.mix(0.6) } else { shade(figures.goodness(point.value)).mix(0.9) };
        let places: Vec<Option<f64>> = names
            .iter()
            .map(|name| figures.values[i].get(*name).and_then(|text| figures.scales[*name].place(text)))
            .chain(std::iter::once(Some(objective_place(point.value))))
            .collect();
        for (a, pair) in places.windows(2).enumerate() {
            if let [Some(y1), Some(y2)] = pair {
                chart
                    .draw_series(LineSeries::new(
                        [(a as f64, *y1), (a as f64 + 1.0, *y2)],
                        colour.stroke_width(2),
                    ))
                    .map_err(|e| error(&e))?;
            }
        }
    }
    let centred = |size: u32| (FONT, size).into_text_style(&root).pos(Pos::new(HPos::Center, VPos::Center));
    let labels = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let scale = &figures.scales[*name];
            (i as f64, (*name).clone(), scale.label(1.0, short), scale.label(0.0, short))
        })
        .chain(std::iter::once((span, figures.objective.clone(), short(high), short(low))));
    for (x, name, top, bottom) in labels {
        chart.draw_series([Text::new(name, (x, -0.09), centred(18))]).map_err(|e| error(&e))?;
        chart.draw_series([Text::new(top, (x, 1.04), centred(15))]).map_err(|e| error(&e))?;
        chart.draw_series([Text::new(bottom, (x, -0.04), centred(15))]).map_err(|e| error(&e))?;
    }
    root.present().map_err(|e| error(&e))
}
