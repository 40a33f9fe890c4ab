//! The dependency direction is law: the engine never names the terminal or the
//! command line; only the dashboard, the printers and main do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use std::path::Path;

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn engine_modules_do_not_name_ui_or_cli_crates() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for module in ["nn", "data", "train"] {
        files.push(src.join(format!("{module}.rs")));
        rust_files(&src.join(module), &mut files);
    }
    files.push(src.join("random.rs"));
    assert!(files.len() > 15, "found only {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for forbidden in ["ratatui", "crossterm", "clap"] {
            assert!(!text.contains(forbidden), "{} names {forbidden}", file.display());
        }
    }
}

/// The layers of the house, lowest first: a module may name its own layer and those
/// below, never one above (tests inside a file, after `#[cfg(test)]`, are free). Paths
/// are matched most specific first.
const LAYERS: [(&str, &[&str]); 7] = [
    ("base", &["names", "random", "stats", "series", "debug", "signals"]),
    ("maths and data", &["nn", "data"]),
    ("engine", &["train"]),
    (
        "files and printers",
        &["model_file", "export", "evaluate", "headless", "plot", "tensorboard", "runs", "runs/record"],
    ),
    (
        "sources and commands",
        &["runs/read", "runs/follow", "runs/table", "runs/csvlog", "tune", "cli", "prepare"],
    ),
    ("views", &["tui"]),
    ("main", &["main", "commands"]),
];

/// The layer of a file under `src/` (`tune/study.rs` -> its module path `tune/study`).
fn layer_of(module_path: &str) -> usize {
    let mut best: Option<(usize, usize)> = None;
    for (layer, (_, modules)) in LAYERS.iter().enumerate() {
        for module in *modules {
            let matches = module_path == *module || module_path.starts_with(&format!("{module}/"));
            if matches && best.is_none_or(|(_, len)| module.len() > len) {
                best = Some((layer, module.len()));
            }
        }
    }
    best.map_or_else(|| panic!("{module_path} is in no layer: add it to LAYERS"), |(layer, _)| layer)
}

#[test]
fn no_import_runs_up_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap().with_extension("");
        let module = relative.to_string_lossy().replace('\\', "/");
        if module == "lib" {
            continue;
        }
        let own = layer_of(&module);
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let mut check = |target: &str| {
            if target.is_empty() || target == "self" || target == "crate" {
                return;
            }
            let target_layer = layer_of(target);
            if target_layer > own {
                upward.push(format!(
                    "{module} ({}) names {target} ({})",
                    LAYERS[own].0, LAYERS[target_layer].0
                ));
            }
        };
        // `crate::runs::read::Run`, `nntui::tui::...` (main), and `use crate::{a, b::c}`.
        for prefix in ["crate::", "nntui::"] {
            for (at, _) in code.match_indices(prefix) {
                let rest = &code[at + prefix.len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    let inner = &group[..group.find('}').unwrap_or(group.len())];
                    for item in inner.split(',') {
                        check(&module_of(item.trim()));
                    }
                } else {
                    check(&module_of(rest));
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports that run up the layers:\n{}", upward.join("\n"));
}

/// `runs::read::Run` -> `runs/read` when that is a module with its own layer, else `runs`.
fn module_of(path: &str) -> String {
    let ident = |text: &str| -> String {
        text.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
    };
    let first = ident(path);
    let second = path[first.len()..].strip_prefix("::").map(ident).unwrap_or_default();
    let nested = format!("{first}/{second}");
    if !second.is_empty() && layer_exact(&nested) { nested } else { first }
}

fn layer_exact(module: &str) -> bool {
    LAYERS.iter().any(|(_, modules)| modules.contains(&module))
}

#[test]
fn the_layer_test_catches_an_upward_import() {
    assert!(layer_of("train/fit") < layer_of("model_file"));
    assert!(layer_of("runs/record") < layer_of("runs/read"));
    assert_eq!(module_of("runs::read::Run"), "runs/read");
    assert_eq!(module_of("runs::SCHEMA"), "runs");
    assert_eq!(module_of("model_file::ModelFile"), "model_file");
}
