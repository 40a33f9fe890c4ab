//! Deterministic generators for the small datasets in `data/` and for benchmarks.
//! The same name, size and seed always write the same bytes.

use crate::random::{self, Stream, standard_normal};
use rand::seq::SliceRandom;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::io::{self, Write};

/// Which dataset to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generator {
    /// Two interleaved half-moons (binary, 2 features; scikit-learn's `make_moons`).
    Moons,
    /// Spiral arms, one per class (multiclass, 2 features; the CS231n spiral).
    Spiral,
    /// `y = sin(x) + noise` (regression, 1 feature).
    Sine,
    /// Gaussian clusters, one per class, in any number of dimensions.
    Blobs,
    /// Penguin-like measurements with what real files have: an identifier, categories
    /// (island, sex), missing cells (empty, `NA`, `?`, `NaN`) and a few rows without a
    /// label (multiclass, species).
    Mixed,
    /// 8x8 grayscale images (pixels 0..255, row-major) of a short stroke, horizontal,
    /// vertical, diagonal or anti-diagonal, anywhere in the picture, with stray bright
    /// pixels and noise: where a stroke is varies, what it looks like does not, which
    /// is what a convolution is for (multiclass, 64 features; `--input-shape 8x8x1`).
    Strokes,
}

impl Generator {
    /// Every generator.
    pub const ALL: [Generator; 6] = [
        Generator::Moons,
        Generator::Spiral,
        Generator::Sine,
        Generator::Blobs,
        Generator::Mixed,
        Generator::Strokes,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Generator::Moons => "moons",
            Generator::Spiral => "spiral",
            Generator::Sine => "sine",
            Generator::Blobs => "blobs",
            Generator::Mixed => "mixed",
            Generator::Strokes => "strokes",
        }
    }
}

crate::names::named!(Generator, "dataset");

/// A generator's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeneratorSpec {
    /// Which dataset.
    pub kind: Generator,
    /// Total rows.
    pub rows: usize,
    /// Feature columns (blobs only; the others have fixed widths).
    pub features: usize,
    /// Classes (spiral and blobs).
    pub classes: usize,
    /// Standard deviation of the added Gaussian noise.
    pub noise: f64,
    /// Seed.
    pub seed: u64,
}

/// The datasets committed under `data/`: file name and settings. A test checks that
/// each file is exactly what its generator writes.
pub const BUNDLED: [(&str, GeneratorSpec); 6] = [
    (
        "moons.csv",
        GeneratorSpec { kind: Generator::Moons, rows: 400, features: 2, classes: 2, noise: 0.15, seed: 7 },
    ),
    (
        "spiral.csv",
        GeneratorSpec { kind: Generator::Spiral, rows: 300, features: 2, classes: 3, noise: 0.2, seed: 7 },
    ),
    (
        "sine.csv",
        GeneratorSpec { kind: Generator::Sine, rows: 300, features: 1, classes: 0, noise: 0.1, seed: 7 },
    ),
    (
        "blobs.csv",
        GeneratorSpec { kind: Generator::Blobs, rows: 600, features: 10, classes: 6, noise: 1.5, seed: 7 },
    ),
    (
        "mixed.csv",
        GeneratorSpec { kind: Generator::Mixed, rows: 300, features: 6, classes: 3, noise: 1.0, seed: 7 },
    ),
    (
        "strokes.csv",
        GeneratorSpec { kind: Generator::Strokes, rows: 600, features: 64, classes: 4, noise: 0.15, seed: 7 },
    ),
];

/// The strokes' names and directions (row step, column step).
const STROKES: [(&str, isize, isize); 4] =
    [("horizontal", 0, 1), ("vertical", 1, 0), ("diagonal", 1, 1), ("antidiagonal", 1, -1)];
/// The strokes' image side.
pub const STROKE_SIDE: usize = 8;

/// One species of the mixed dataset: its islands, and the mean and spread of bill
/// length, bill depth, flipper length and body mass (after the Palmer penguins').
struct Species {
    name: &'static str,
    islands: &'static [&'static str],
    measures: [(f64, f64); 4],
}

const SPECIES: [Species; 3] = [
    Species {
        name: "Adelie",
        islands: &["Biscoe", "Dream", "Torgersen"],
        measures: [(38.8, 2.7), (18.3, 1.2), (190.0, 6.5), (3700.0, 460.0)],
    },
    Species {
        name: "Chinstrap",
        islands: &["Dream"],
        measures: [(48.8, 3.3), (18.4, 1.1), (196.0, 7.0), (3730.0, 380.0)],
    },
    Species {
        name: "Gentoo",
        islands: &["Biscoe"],
        measures: [(47.5, 3.1), (15.0, 1.0), (217.0, 6.5), (5076.0, 500.0)],
    },
];

/// What a demo dataset can reach, for a hint when a run falls far short of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoHint {
    /// The demo's name (`spiral`).
    pub name: String,
    /// The flags that reach the score (as `data/README.md` lists them).
    pub suggested: String,
    /// The cross-validated accuracy (or mae, for regression) those flags reach.
    pub reachable: f64,
}

/// The hint for a dataset written by one of nntui's generators (recognized by its
/// column names), where the defaults fall short of what the data allows.
pub fn demo_hint(dataset: &super::Dataset) -> Option<DemoHint> {
    let features: Vec<&str> = dataset.feature_names.iter().map(String::as_str).collect();
    let (name, suggested, reachable) = match (features.as_slice(), dataset.label_name.as_str()) {
        (["x", "y"], "moon") => ("moons", "--init he_uniform", 0.985),
        (["x", "y"], "arm") => ("spiral", "--init he_uniform", 0.97),
        (["x"], "y") => ("sine", "--standardize --init he_uniform", 0.09),
        _ => return None,
    };
    Some(DemoHint { name: name.into(), suggested: suggested.into(), reachable })
}

/// Formats with `decimals`, never printing a negative zero such as `-0.0000`.
fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(magnitude) if magnitude.chars().all(|c| c == '0' || c == '.') => magnitude.to_string(),
        _ => text,
    }
}

/// Points on `classes` spiral arms, `per_class` each: features `[x, y]` row-major and
/// each row's class.
pub fn spiral_points(classes: usize, per_class: usize, noise: f64, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = random::rng(seed, Stream::Generator);
    let mut features = Vec::with_capacity(classes * per_class * 2);
    let mut labels = Vec::with_capacity(classes * per_class);
    for class in 0..classes {
        for i in 0..per_class {
            let r = i as f64 / (per_class.max(2) - 1) as f64;
            let turn = 4.0 * (class as f64 + r) + noise * standard_normal(&mut rng);
            features.extend([r * turn.sin(), r * turn.cos()]);
            labels.push(class);
        }
    }
    (features, labels)
}

/// Writes the dataset as CSV with a header row.
pub fn write_csv(spec: &GeneratorSpec, out: &mut impl Write) -> io::Result<()> {
    let mut rng = random::rng(spec.seed, Stream::Generator);
    let mut out = io::BufWriter::new(out);
    match spec.kind {
        Generator::Moons => {
            writeln!(out, "x,y,moon")?;
            for row in 0..spec.rows {
                // Alternate moons so any prefix of the file holds both classes.
                let upper = row % 2 == 0;
                let t = PI * rng.random::<f64>();
                let (x, y) = if upper { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
                let x = x + spec.noise * standard_normal(&mut rng);
                let y = y + spec.noise * standard_normal(&mut rng);
                writeln!(out, "{x:.4},{y:.4},{}", if upper { "upper" } else { "lower" })?;
            }
        }
        Generator::Spiral => {
            writeln!(out, "x,y,arm")?;
            let per_class = spec.rows / spec.classes.max(1);
            let (features, labels) = spiral_points(spec.classes, per_class, spec.noise, spec.seed);
            // Rows in a seeded shuffled order: a file sorted by arm would hold out only
            // the last arm under Keras's --validation-split (the last rows).
            let mut order: Vec<usize> = (0..labels.len()).collect();
            order.shuffle(&mut rng);
            for row in order {
                let point = &features[2 * row..2 * row + 2];
                writeln!(out, "{},{},{}", fixed(point[0], 4), fixed(point[1], 4), labels[row])?;
            }
        }
        Generator::Sine => {
            writeln!(out, "x,y")?;
            for _ in 0..spec.rows {
                let x = -PI + 2.0 * PI * rng.random::<f64>();
                let y = x.sin() + spec.noise * standard_normal(&mut rng);
                writeln!(out, "{},{}", fixed(x, 4), fixed(y, 4))?;
            }
        }
        Generator::Blobs => {
            let header: Vec<String> = (1..=spec.features).map(|i| format!("f{i}")).collect();
            writeln!(out, "{},class", header.join(","))?;
            let centres: Vec<Vec<f64>> = (0..spec.classes)
                .map(|_| (0..spec.features).map(|_| 4.0 * (2.0 * rng.random::<f64>() - 1.0)).collect())
                .collect();
            let mut line = String::new();
            for row in 0..spec.rows {
                let class = row % spec.classes.max(1);
                line.clear();
                for &centre in &centres[class] {
                    let value = centre + spec.noise * standard_normal(&mut rng);
                    line.push_str(&fixed(value, 3));
                    line.push(',');
                }
                writeln!(out, "{line}c{class}")?;
            }
        }
        Generator::Mixed => {
            writeln!(
                out,
                "id,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,species"
            )?;
            for row in 0..spec.rows {
                let Species { name: species, islands, measures } = &SPECIES[row % SPECIES.len()];
                let island = islands[rng.random_range(0..islands.len())];
                let male = rng.random::<bool>();
                let mut cells = vec![format!("P{:04}", row + 1), island.to_string()];
                for (index, &(mean, spread)) in measures.iter().enumerate() {
                    // Males are larger: a third of a spread more.
                    let shift = if male { spread / 3.0 } else { -spread / 3.0 };
                    let value = mean + shift + spec.noise * spread * standard_normal(&mut rng);
                    cells.push(if index == 3 { fixed(value, 0) } else { fixed(value, 1) });
                }
                cells.push(if male { "male" } else { "female" }.to_string());
                cells.push(species.to_string());
                // The gaps real files have, each in its own spelling.
                for (column, marker, chance) in [
                    (2, "NA", 0.02),
                    (3, "NaN", 0.02),
                    (4, "", 0.03),
                    (5, "?", 0.04),
                    (6, "", 0.04),
                    (7, "", 0.015),
                ] {
                    if rng.random::<f64>() < chance {
                        cells[column] = marker.to_string();
                    }
                }
                writeln!(out, "{}", cells.join(","))?;
            }
        }
        Generator::Strokes => write_strokes(spec, &mut rng, &mut out)?,
    }
    out.flush()
}

/// [`Generator::Strokes`]: a 3-pixel stroke per image, two stray pixels as bright as
/// it, Gaussian noise of `noise * 255`; classes rotate.
fn write_strokes(spec: &GeneratorSpec, rng: &mut impl Rng, out: &mut impl Write) -> io::Result<()> {
    let side = STROKE_SIDE;
    let header: Vec<String> = (0..side * side).map(|i| format!("p{}_{}", i / side, i % side)).collect();
    writeln!(out, "{},stroke", header.join(","))?;
    let mut line = String::new();
    for row in 0..spec.rows {
        let (name, dy, dx) = STROKES[row % STROKES.len()];
        let mut image = vec![0.0f64; side * side];
        // A start from which all three pixels stay inside.
        #[allow(clippy::cast_possible_wrap, reason = "an image side of a few pixels")]
        let (y, x) = loop {
            let (y, x) = (rng.random_range(0..side), rng.random_range(0..side));
            let (end_y, end_x) = (y as isize + 2 * dy, x as isize + 2 * dx);
            if (0..side as isize).contains(&end_y) && (0..side as isize).contains(&end_x) {
                break (y as isize, x as isize);
            }
        };
        for step in 0..3 {
            let (py, px) = ((y + step * dy) as usize, (x + step * dx) as usize);
            image[py * side + px] = 200.0 + 55.0 * rng.random::<f64>();
        }
        for _ in 0..2 {
            image[rng.random_range(0..side * side)] = 200.0 + 55.0 * rng.random::<f64>();
        }
        line.clear();
        for value in &image {
            let noisy = (value + spec.noise * 255.0 * standard_normal(rng)).clamp(0.0, 255.0).round();
            line.push_str(&fixed(noisy, 0));
            line.push(',');
        }
        writeln!(out, "{line}{name}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(spec: GeneratorSpec) -> String {
        let mut bytes = Vec::new();
        write_csv(&spec, &mut bytes).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn same_seed_same_bytes() {
        for kind in Generator::ALL {
            let spec = GeneratorSpec { kind, rows: 30, features: 3, classes: 3, noise: 0.1, seed: 4 };
            assert_eq!(text(spec), text(spec));
            assert_ne!(text(spec), text(GeneratorSpec { seed: 5, ..spec }), "{kind}");
            assert_eq!(text(spec).lines().count(), 31, "{kind}");
        }
    }

    #[test]
    fn no_negative_zero() {
        assert_eq!(fixed(-0.000_01, 4), "0.0000");
        assert_eq!(fixed(-0.05, 2), "-0.05");
        assert_eq!(fixed(1.5, 1), "1.5");
    }

    #[test]
    fn spiral_arms_start_at_the_centre() {
        let (features, labels) = spiral_points(3, 10, 0.0, 1);
        assert_eq!(labels.len(), 30);
        assert_eq!(&features[..2], &[0.0, 0.0]);
    }
}
