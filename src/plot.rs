//! `--plot DIR`: a run's charts as image files when it ends (`loss.svg`, `accuracy.svg`
//! or `mae.svg`; PNG with `--plot-format png`), drawn with `plotters` and the font in
//! `assets/fonts` (no system fonts, no system libraries). One line per fold in the
//! dashboard's colours (training cyan, validation amber), and for cross-validation the
//! mean curves with a +/- one standard deviation band; a legend, labelled axes and a
//! title with the data file and the settings.

use crate::train::{Event, LearnedReport, RunInfo};
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Once;

mod learned;
mod png;

/// Draws with `$draw(root, args...)` into `$path` as an SVG or a PNG.
macro_rules! draw_file {
    ($path:expr, $format:expr, $draw:path, $($arg:expr),*) => {
        match $format {
            Format::Svg => $draw(SVGBackend::new($path, SIZE).into_drawing_area(), $($arg),*),
            Format::Png => $draw(png::Png(BitMapBackend::new($path, SIZE)).into_drawing_area(), $($arg),*),
        }
    };
}

mod study;
pub use study::write_study;

/// The file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics.
    Svg,
    /// A 1200 x 800 bitmap.
    Png,
}

/// The bitmap size, and the SVG's nominal size.
pub const SIZE: (u32, u32) = (1200, 800);

/// An epoch's values: epoch, loss, metric, validation loss and metric.
type EpochValues = (usize, f64, f64, Option<f64>, Option<f64>);

/// One fold's values per epoch.
#[derive(Clone, Debug, Default)]
struct FoldCurves {
    epochs: Vec<EpochValues>,
}

/// Collects what the charts need from the event stream.
#[derive(Clone, Debug, Default)]
pub struct Collector {
    info: Option<RunInfo>,
    folds: BTreeMap<usize, FoldCurves>,
    /// Each fold's latest pictures.
    learned: BTreeMap<usize, LearnedReport>,
}

impl Collector {
    /// Takes in one event.
    pub fn take(&mut self, event: &Event) {
        match event {
            Event::RunStarted(info) => {
                self.info = Some(info.as_ref().clone());
                self.folds.clear();
                self.learned.clear();
            }
            Event::Learned(learned) => {
                // A report without a matrix (a regression's, or between the training
                // rows' scorings) keeps the matrix before it.
                let entry = self.learned.entry(learned.fold).or_insert_with(|| learned.as_ref().clone());
                if learned.confusion.is_empty() {
                    entry.map.clone_from(&learned.map);
                } else {
                    *entry = learned.as_ref().clone();
                }
            }
            Event::EpochEnded(r) => self.folds.entry(r.fold).or_default().epochs.push((
                r.epoch,
                r.loss,
                r.metric,
                r.val_loss,
                r.val_metric,
            )),
            _ => {}
        }
    }

    /// Writes the charts into `dir` (created if needed); returns the files written.
    ///
    /// # Errors
    /// A file or the folder cannot be written, or nothing was trained.
    pub fn write(&self, dir: &Path, format: Format) -> Result<Vec<PathBuf>, String> {
        let info = self.info.as_ref().ok_or("no run to plot")?;
        if self.folds.values().all(|f| f.epochs.is_empty()) {
            return Err("no epoch finished: nothing to plot".into());
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        register_font();
        let extension = if format == Format::Svg { "svg" } else { "png" };
        let metric = info.metric.name();
        let mut written = Vec::new();
        for (quantity, name) in [(Quantity::Loss, "loss"), (Quantity::Metric, metric)] {
            let path = dir.join(format!("{name}.{extension}"));
            let result = match format {
                Format::Svg => self.draw(SVGBackend::new(&path, SIZE).into_drawing_area(), info, quantity),
                Format::Png => {
                    self.draw(png::Png(BitMapBackend::new(&path, SIZE)).into_drawing_area(), info, quantity)
                }
            };
            result.map_err(|e| format!("{}: {e}", path.display()))?;
            finish_file(&path, format)?;
            written.push(path);
        }
        let classes: BTreeMap<usize, LearnedReport> = self
            .learned
            .iter()
            .filter(|(_, l)| !l.confusion.is_empty())
            .map(|(&k, l)| (k, l.clone()))
            .collect();
        let mut picture = |name: &str, draw: &dyn Fn(&Path) -> Result<(), String>| -> Result<(), String> {
            let path = dir.join(format!("{name}.{extension}"));
            draw(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            finish_file(&path, format)?;
            written.push(path);
            Ok(())
        };
        if !classes.is_empty() {
            picture("confusion", &|path| draw_file!(path, format, learned::draw_confusion, info, &classes))?;
        }
        if classes.values().any(|l| !l.roc.is_empty()) {
            picture("roc", &|path| draw_file!(path, format, learned::draw_roc, info, &classes))?;
        }
        if let Some((epoch, map)) = self.learned.values().find_map(|l| l.map.as_ref().map(|m| (l.epoch, m))) {
            picture("map", &|path| draw_file!(path, format, learned::draw_map, info, map, epoch))?;
        }
        Ok(written)
    }

    fn draw<B: DrawingBackend>(
        &self,
        root: DrawingArea<B, plotters::coord::Shift>,
        info: &RunInfo,
        quantity: Quantity,
    ) -> Result<(), String>
    where
        B::ErrorType: 'static,
    {
        let error = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|e| error(&e))?;
        let value = |e: &EpochValues, validation: bool| match (quantity, validation) {
            (Quantity::Loss, false) => Some(e.1),
            (Quantity::Metric, false) => Some(e.2),
            (Quantity::Loss, true) => e.3,
            (Quantity::Metric, true) => e.4,
        };
        let curves = |validation: bool| -> Vec<Vec<(f64, f64)>> {
            self.folds
                .values()
                .map(|f| {
                    f.epochs
                        .iter()
                        .filter_map(|e| {
                            value(e, validation).filter(|v| v.is_finite()).map(|v| (e.0 as f64, v))
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|c| !c.is_empty())
                .collect()
        };
        let (train, validation) = (curves(false), curves(true));
        let all = train.iter().chain(&validation).flatten();
        let (mut low, mut high, mut last) = (f64::INFINITY, f64::NEG_INFINITY, 1.0f64);
        for &(x, y) in all {
            low = low.min(y);
            high = high.max(y);
            last = last.max(x);
        }
        let pad = ((high - low) * 0.05).max(1e-3);
        let low = (low - pad).max(0.0);
        let high = if quantity == Quantity::Metric && info.metric == crate::nn::Metric::Accuracy {
            (high + pad).min(1.0)
        } else {
            high + pad
        };
        let name = match quantity {
            Quantity::Loss => "loss".to_string(),
            Quantity::Metric => info.metric.name().to_string(),
        };
        let what = if info.folds > 1 { format!("{}-fold CV", info.folds) } else { "single fit".into() };
        let file = Path::new(&info.dataset.source)
            .file_name()
            .map_or_else(|| info.dataset.source.clone(), |f| f.to_string_lossy().into_owned());
        let title = format!("{name}: {file} ({what}, {})", settings(info));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(1f64..last.max(2.0), low..high)
            .map_err(|e| error(&e))?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_labels(whole_ticks(1.0, last.max(2.0)))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc(name.as_str())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| error(&e))?;
        let colours = [(TRAIN, "train", &train), (VALIDATION, "val", &validation)];
        let folds = info.folds > 1;
        for (colour, label, lines) in colours {
            if lines.is_empty() {
                continue;
            }
            // Folds: thin lines, translucent under cross-validation; the first carries the legend.
            for (index, line) in lines.iter().enumerate() {
                let style = if folds { colour.mix(0.35).stroke_width(1) } else { colour.stroke_width(2) };
                let series =
                    chart.draw_series(LineSeries::new(line.iter().copied(), style)).map_err(|e| error(&e))?;
                if index == 0 {
                    let text = if folds { format!("{label}, each fold") } else { label.to_string() };
                    series.label(text).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                    });
                }
            }
            if folds {
                let band = mean_and_band(lines);
                let upper: Vec<(f64, f64)> = band.iter().map(|&(x, m, s)| (x, m + s)).collect();
                let lower: Vec<(f64, f64)> =
                    band.iter().rev().map(|&(x, m, s)| (x, (m - s).max(low))).collect();
                let outline: Vec<(f64, f64)> = upper.into_iter().chain(lower).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(outline, colour.mix(0.15).filled())))
                    .map_err(|e| error(&e))?;
                chart
                    .draw_series(LineSeries::new(
                        band.iter().map(|&(x, m, _)| (x, m)),
                        colour.stroke_width(3),
                    ))
                    .map_err(|e| error(&e))?
                    .label(format!("{label}, mean +/- std"))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(4))
                    });
            }
        }
        let points: Vec<(f64, f64)> = train.iter().chain(&validation).flatten().copied().collect();
        draw_legend(&mut chart, &points, (1.0, last.max(2.0)), (low, high))?;
        root.present().map_err(|e| error(&e))
    }
}

/// How many x labels a range of whole epochs takes: one per epoch when there are few
/// (more would print the same rounded number twice), ten at most.
fn whole_ticks(x0: f64, x1: f64) -> usize {
    #[allow(clippy::cast_possible_truncation, reason = "a small positive count")]
    let span = (x1 - x0).round().max(1.0) as usize;
    (span + 1).clamp(2, 10)
}

/// After a file is drawn: an SVG names generic families after its own font, so that a
/// browser without it falls back to a monospace font, not to serif.
fn finish_file(path: &Path, format: Format) -> Result<(), String> {
    if format != Format::Svg {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = text.replace(
        &format!("font-family=\"{FONT}\""),
        &format!("font-family=\"{FONT}, DejaVu Sans Mono, Menlo, Consolas, monospace\""),
    );
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The corner where the legend hides the fewest points: each corner's box is a third of
/// the width and a third of the height.
fn legend_corner(points: &[(f64, f64)], (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> SeriesLabelPosition {
    let (w, h) = ((x1 - x0) / 3.0, (y1 - y0) / 3.0);
    let corners = [
        (SeriesLabelPosition::UpperRight, x1 - w, x1, y1 - h, y1),
        (SeriesLabelPosition::LowerRight, x1 - w, x1, y0, y0 + h),
        (SeriesLabelPosition::UpperLeft, x0, x0 + w, y1 - h, y1),
        (SeriesLabelPosition::LowerLeft, x0, x0 + w, y0, y0 + h),
    ];
    let hidden = |&(_, xa, xb, ya, yb): &(SeriesLabelPosition, f64, f64, f64, f64)| {
        points.iter().filter(|&&(x, y)| (xa..=xb).contains(&x) && (ya..=yb).contains(&y)).count()
    };
    corners.iter().min_by_key(|c| hidden(c)).map_or(SeriesLabelPosition::UpperRight, |c| c.0.clone())
}

/// Series by name for charts of any run (whatever wrote it): per run, per name, the
/// `(step, value)` points of each of its folds (one fold for most programs' runs).
pub type RunSeries = (String, BTreeMap<String, Vec<Vec<(f64, f64)>>>);

/// A palette handed out in order, to tell runs apart on white.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Writes one chart per series name of `runs` into `dir`: a run's `val_` twin drawn
/// dashed beside its training line; for one run a line per fold, for several a line per
/// run (the mean over its folds) with a legend of run names. Returns the files written.
///
/// # Errors
/// The folder or a file cannot be written, or there is nothing to draw.
pub fn write_series(runs: &[RunSeries], dir: &Path, format: Format) -> Result<Vec<PathBuf>, String> {
    let mut bases: Vec<String> = runs
        .iter()
        .flat_map(|(_, series)| series.keys().map(|n| n.strip_prefix("val_").unwrap_or(n).to_string()))
        .collect();
    bases.sort();
    bases.dedup();
    if bases.is_empty() {
        return Err("no values to plot (the runs have no epochs yet)".into());
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    register_font();
    let extension = if format == Format::Svg { "svg" } else { "png" };
    let mut written = Vec::new();
    for base in &bases {
        let file: String = base
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
            .collect();
        let path = dir.join(format!("{file}.{extension}"));
        let result = match format {
            Format::Svg => draw_series(SVGBackend::new(&path, SIZE).into_drawing_area(), runs, base),
            Format::Png => {
                draw_series(png::Png(BitMapBackend::new(&path, SIZE)).into_drawing_area(), runs, base)
            }
        };
        result.map_err(|e| format!("{}: {e}", path.display()))?;
        finish_file(&path, format)?;
        written.push(path);
    }
    Ok(written)
}

/// The mean over folds at each step all of them reached.
fn mean_line(folds: &[Vec<(f64, f64)>]) -> Vec<(f64, f64)> {
    if folds.len() == 1 {
        return folds[0].clone();
    }
    mean_and_band(folds).into_iter().map(|(x, m, _)| (x, m)).collect()
}

/// A line of a series chart: its label, colour, whether dashed (a `val_` twin), points.
type ChartLine = (String, RGBColor, bool, Vec<(f64, f64)>);

fn draw_series<B: DrawingBackend>(
    root: DrawingArea<B, plotters::coord::Shift>,
    runs: &[RunSeries],
    base: &str,
) -> Result<(), String>
where
    B::ErrorType: 'static,
{
    let error = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let single = runs.len() == 1;
    let mut lines: Vec<ChartLine> = Vec::new();
    for (index, (run, series)) in runs.iter().enumerate() {
        for (validation, name) in [(false, base.to_string()), (true, format!("val_{base}"))] {
            let Some(folds) = series.get(&name) else { continue };
            let finite = |line: &Vec<(f64, f64)>| -> Vec<(f64, f64)> {
                line.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect()
            };
            if single {
                let colour = if validation { VALIDATION } else { TRAIN };
                for (fold, line) in folds.iter().enumerate() {
                    let label =
                        if folds.len() > 1 { format!("{name}, fold {}", fold + 1) } else { name.clone() };
                    lines.push((label, colour, validation, finite(line)));
                }
            } else {
                let colour = PALETTE[index % PALETTE.len()];
                let mean: Vec<Vec<(f64, f64)>> = folds.iter().map(finite).collect();
                lines.push((
                    format!("{run}{}", if validation { " (val)" } else { "" }),
                    colour,
                    validation,
                    mean_line(&mean),
                ));
            }
        }
    }
    lines.retain(|l| !l.3.is_empty());
    if lines.is_empty() {
        return Err(format!("no finite values of {base}"));
    }
    let points: Vec<(f64, f64)> = lines.iter().flat_map(|l| l.3.iter().copied()).collect();
    let (mut x0, mut x1, mut y0, mut y1) =
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in &points {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    // A constant line (a learning rate) gets room of a tenth of its value on each side,
    // so that the ticks read apart rather than ten times `0.001`.
    let pad =
        if y1 - y0 <= 1e-6 * y1.abs().max(y0.abs()) { (0.1 * y1.abs()).max(1e-12) } else { (y1 - y0) * 0.05 };
    let (y0, y1) = (y0 - pad, y1 + pad);
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let drawn = runs
        .iter()
        .filter(|(_, series)| series.contains_key(base) || series.contains_key(&format!("val_{base}")))
        .count();
    let title = match drawn {
        _ if single => format!("{base}: {}", runs[0].0),
        1 => {
            let name = runs
                .iter()
                .find(|(_, series)| series.contains_key(base) || series.contains_key(&format!("val_{base}")));
            format!("{base}: {}", name.map_or("", |(run, _)| run.as_str()))
        }
        _ => format!("{base}: {drawn} runs"),
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .x_desc("epoch (or step)")
        .x_labels(whole_ticks(x0, x1))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc(base)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| error(&e))?;
    for (label, colour, dashed, points) in lines {
        let style = colour.stroke_width(2);
        let series = if dashed {
            chart.draw_series(DashedLineSeries::new(points, 8, 5, style)).map_err(|e| error(&e))?
        } else {
            chart.draw_series(LineSeries::new(points, style)).map_err(|e| error(&e))?
        };
        series
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    draw_legend(&mut chart, &points, (x0, x1), (y0, y1))?;
    root.present().map_err(|e| error(&e))
}

/// The legend, in the corner where it hides the fewest of `points`.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    points: &[(f64, f64)],
    x: (f64, f64),
    y: (f64, f64),
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(legend_corner(points, x, y))
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(|e| e.to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quantity {
    Loss,
    Metric,
}

/// The dashboard's training cyan and validation yellow, darkened to read on white.
const TRAIN: RGBColor = RGBColor(0, 150, 170);
const VALIDATION: RGBColor = RGBColor(215, 150, 0);
/// The font registered from `assets/fonts`.
const FONT: &str = "nntui-sans";
/// Its bytes, part of the binary.
const FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono.ttf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is part of the binary; it is valid, so registering cannot fail.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// The settings that differ from the tutorial's, as a short title part.
fn settings(info: &RunInfo) -> String {
    let config = &info.config;
    let layers: Vec<String> = config.hidden.iter().map(ToString::to_string).collect();
    let mut parts = vec![
        format!("{} lr {}", config.optimizer.kind.name(), config.optimizer.learning_rate),
        format!("layers {}", if layers.is_empty() { "none".into() } else { layers.join(",") }),
        format!("batch {}", info.batch_size),
    ];
    if config.initializer != crate::nn::Initializer::RandomUniform {
        parts.push(config.initializer.name().to_string());
    }
    if config.regularizer.l2 > 0.0 {
        parts.push(format!("l2 {}", config.regularizer.l2));
    }
    if config.standardize {
        parts.push("standardized".into());
    }
    parts.join(", ")
}

/// Per epoch reached by every fold: `(epoch, mean, population std)` over the folds.
fn mean_and_band(lines: &[Vec<(f64, f64)>]) -> Vec<(f64, f64, f64)> {
    let mut by_epoch: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for line in lines {
        for &(x, y) in line {
            #[allow(clippy::cast_possible_truncation, reason = "epochs are whole numbers")]
            by_epoch.entry(x as i64).or_default().push(y);
        }
    }
    by_epoch
        .into_iter()
        .filter(|(_, values)| values.len() == lines.len())
        .filter_map(|(epoch, values)| {
            crate::stats::mean_and_std(values.iter().copied()).map(|(m, s)| (epoch as f64, m, s))
        })
        .collect()
}
