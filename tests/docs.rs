//! The documentation cannot drift from the program: every ```` ```console ```` block of
//! `README.md`, `ARCHITECTURE.md`, `TESTING.md` and `docs/*.md` is run, and what it
//! shows is what the program prints.
//!
//! A block is a session in a fresh folder that holds the project's `data/` and `tests/`
//! and, when `NNTUI_PIMA` is set, `pima-indians-diabetes.csv` (a block that names the
//! Pima file is skipped, and says so, without it). Each `$ ` line (with its `\`
//! continuation lines) runs in `sh` with this build's `nntui` first on the `PATH`, its
//! stdout and stderr together; it must exit 0. The lines below it, up to the next `$ `,
//! are its output, matched line by line: a line `...` stands for any number of lines,
//! and `[..]` inside a line for any text (times, paths, sizes that vary).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use std::path::{Path, PathBuf};

/// One command of a console block and the output shown under it.
struct Step {
    command: String,
    expected: Vec<String>,
}

/// A console block: where it starts, and its commands.
struct Block {
    line: usize,
    steps: Vec<Step>,
}

/// The console blocks of a markdown text.
fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        if line.trim_end() != "```console" {
            continue;
        }
        let mut block = Block { line: number + 1, steps: Vec::new() };
        let mut continued = false;
        for (_, line) in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            if let Some(command) = line.strip_prefix("$ ") {
                block.steps.push(Step { command: command.to_string(), expected: Vec::new() });
                continued = command.ends_with('\\');
            } else if continued {
                let step = block.steps.last_mut().expect("a continuation follows a command");
                step.command.push('\n');
                step.command.push_str(line);
                continued = line.ends_with('\\');
            } else if let Some(step) = block.steps.last_mut() {
                step.expected.push(line.to_string());
            } else {
                panic!("line {}: output before any `$ ` command in a console block", number + 1);
            }
        }
        for step in &mut block.steps {
            while step.expected.last().is_some_and(|l| l.trim().is_empty()) {
                step.expected.pop();
            }
        }
        blocks.push(block);
    }
    blocks
}

/// Whether `actual` is `pattern`, where `[..]` in the pattern stands for any text.
fn line_matches(pattern: &str, actual: &str) -> bool {
    let pattern = pattern.trim_end();
    let actual = actual.trim_end();
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || !actual[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `actual` lines are the `expected` ones (`...` standing for any lines).
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && lines_match(rest, more)),
    }
}

/// The markdown files whose console blocks are run.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["README.md", "ARCHITECTURE.md", "TESTING.md"]
        .iter()
        .map(|f| root.join(f))
        .filter(|f| f.exists())
        .collect();
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .map(|entries| {
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "md")).collect()
        })
        .unwrap_or_default();
    chapters.sort();
    files.extend(chapters);
    files
}

/// Runs one block in a fresh folder; the first difference, if any.
fn run_block(document: &Path, block: &Block, pima: Option<&Path>) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for shared in ["data", "tests"] {
        std::os::unix::fs::symlink(root.join(shared), dir.path().join(shared)).unwrap();
    }
    if let Some(pima) = pima {
        std::os::unix::fs::symlink(pima, dir.path().join("pima-indians-diabetes.csv")).unwrap();
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_nntui"));
    let path =
        format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    for step in &block.steps {
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1\n{}", step.command))
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env_remove("NNTUI_PIMA")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        let actual: Vec<&str> = text.lines().collect();
        let place = format!("{}:{}: `{}`", document.display(), block.line, step.command.replace('\n', " "));
        if !output.status.success() {
            return Err(format!("{place} exited with {}:\n{text}", output.status));
        }
        if !lines_match(&step.expected, &actual) {
            return Err(format!(
                "{place} printed something else.\n--- shown:\n{}\n--- printed:\n{text}",
                step.expected.join("\n")
            ));
        }
    }
    Ok(())
}

#[test]
fn the_matching_rules_do_what_the_docs_say() {
    let lines = |text: &str| text.lines().map(String::from).collect::<Vec<_>>();
    assert!(lines_match(&lines("a\n...\nd"), &["a", "b", "c", "d"]));
    assert!(lines_match(&lines("a\n...\nb"), &["a", "b"]));
    assert!(!lines_match(&lines("a\nd"), &["a", "b", "d"]));
    assert!(!lines_match(&lines("a"), &["a", "extra"]));
    assert!(line_matches("77/77 - [..]s - [..]/step - loss: 0.4551", "77/77 - 0s - 2us/step - loss: 0.4551"));
    assert!(!line_matches("loss: [..] acc", "loss: 0.1 accuracy"));
    assert!(!line_matches("a[..]a", "a"));
    let parsed = blocks("text\n```console\n$ one \\\n  two\nout\n\n$ three\n```\n");
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].steps[0].command, "one \\\n  two");
    assert_eq!(parsed[0].steps[0].expected, ["out"]);
    assert!(parsed[0].steps[1].expected.is_empty());
}

#[test]
fn every_console_example_in_the_docs_prints_what_it_shows() {
    let pima = std::env::var_os("NNTUI_PIMA").map(PathBuf::from).filter(|p| p.is_file());
    let (mut ran, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    for document in documents() {
        let text = std::fs::read_to_string(&document).unwrap();
        for block in blocks(&text) {
            let needs_pima = block.steps.iter().any(|s| s.command.contains("pima-indians-diabetes.csv"));
            if needs_pima && pima.is_none() {
                skipped.push(format!("{}:{}", document.display(), block.line));
                continue;
            }
            ran += 1;
            if let Err(failure) = run_block(&document, &block, pima.as_deref()) {
                failures.push(failure);
            }
        }
    }
    if !skipped.is_empty() {
        eprintln!("skipped (NNTUI_PIMA is not set): {}", skipped.join(", "));
    }
    assert!(ran >= 10, "only {ran} console examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
