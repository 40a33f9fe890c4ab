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
