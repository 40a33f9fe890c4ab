//! The datasets in `data/` are exactly what the project's generators write.
//! Regenerate them with `NNTUI_REGENERATE=1 cargo test --test data_files`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use nntui::data::generate::{BUNDLED, write_csv};
use std::path::Path;

#[test]
fn bundled_datasets_match_their_generators() {
    let regenerate = std::env::var_os("NNTUI_REGENERATE").is_some();
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for (name, spec) in BUNDLED {
        let mut expected = Vec::new();
        write_csv(&spec, &mut expected).unwrap();
        let path = directory.join(name);
        if regenerate {
            std::fs::write(&path, &expected).unwrap();
        }
        let actual = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            actual == expected,
            "data/{name} differs from its generator; run NNTUI_REGENERATE=1 cargo test --test data_files"
        );
    }
}
