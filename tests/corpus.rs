//! The malformed-input corpus (`tests/corpus/`): every file with the exact outcome
//! expected of it, plus inputs made on the spot (a 5,000-column file, a directory, an
//! unreadable file, a file that ends while it is being read).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Outcome {
    let output = Command::cargo_bin("nntui").unwrap().current_dir(ROOT).args(args).output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn fit(file: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["--no-tui", "-q", "--folds", "1", "--epochs", "3"];
    args.extend_from_slice(extra);
    args.push(file);
    run(&args)
}

/// A rejected file: exit 1, exactly one line on stderr, nothing on stdout.
fn rejected(file: &str, extra: &[&str], message: &str) {
    let out = fit(file, extra);
    assert_eq!(out.code, 1, "{file}: {}", out.stderr);
    assert_eq!(out.stderr, format!("nntui: {file}{message}\n"), "{file}");
    assert!(out.stdout.is_empty(), "{file}: {}", out.stdout);
    assert!(!out.stderr.contains("panicked"));
}

/// An accepted file: exit 0 and a training accuracy on stdout.
fn accepted(file: &str, extra: &[&str]) -> Outcome {
    let out = fit(file, extra);
    assert_eq!(out.code, 0, "{file}: {}", out.stderr);
    assert!(out.stdout.starts_with("accuracy: "), "{file}: {}", out.stdout);
    out
}

#[test]
fn each_corpus_file_gets_its_exact_outcome() {
    let c = "tests/corpus/";
    rejected(&format!("{c}empty.csv"), &[], ":1:1: the file is empty");
    rejected(&format!("{c}header_only.csv"), &[], ":2:1: a header row but no data rows");
    rejected(&format!("{c}ragged.csv"), &[], ":3:3: expected 3 fields, as on line 1, found 2");
    let stray = |value: &str, column: &str, number: usize| {
        format!(
            "non-numeric value \"{value}\" in column \"{column}\", whose other values are numbers (a typo?): mark it missing with --na-values {value}, or read the column as categories with --categorical {}",
            if column.starts_with("column ") { number.to_string() } else { column.to_string() }
        )
    };
    rejected(&format!("{c}non_numeric.csv"), &[], &format!(":3:2: {}", stray("high", "pressure", 2)));
    // NaN is a missing value unless --na-values leaves it out.
    rejected(&format!("{c}nan.csv"), &["--na-values", "?"], ":2:1: value \"NaN\" is not a finite number");
    rejected(&format!("{c}inf.csv"), &[], ":2:2: value \"inf\" is not a finite number");
    rejected(
        &format!("{c}huge_value.csv"),
        &[],
        ":2:2: value \"1e308\" is too large for 32-bit floats (largest is 3.4e38)",
    );
    // --na-values is a comma-separated list: "1,5" cannot be a marker; it reads as a
    // decimal comma.
    rejected(
        &format!("{c}embedded_delimiter.csv"),
        &[],
        ":1:1: non-numeric value \"1,5\" in column \"column 1\", whose other values are numbers (a typo?): fix the cell (1.5, with a decimal point?), or read the column as categories with --categorical 1",
    );
    rejected(
        &format!("{c}one_class.csv"),
        &[],
        ": column 3: only one label value, \"1\", in 3 rows: there is nothing to learn",
    );
    rejected(
        &format!("{c}one_row.csv"),
        &[],
        ": column 3: only one label value, \"1\", in 1 row: there is nothing to learn",
    );
    rejected(&format!("{c}latin1.csv"), &[], ":1:3: label \"caf\\xe9\" is not valid UTF-8 text");
    rejected(
        &format!("{c}garbage.bin"),
        &[],
        ":1:2: binary data (a NUL byte at offset 143): this is not a CSV text file",
    );
    rejected(
        &format!("{c}semicolons.csv"),
        &[],
        ":1:1: found one column; nntui needs feature columns and a label column (the line contains ';': try --delimiter ;)",
    );
    rejected(
        &format!("{c}tabs.tsv"),
        &[],
        ":1:1: found one column; nntui needs feature columns and a label column (the line contains tab: try --delimiter tab)",
    );

    // Quoted fields and a quoted class name holding the delimiter; a byte-order mark;
    // CRLF line ends; other delimiters when asked for.
    let quoted = accepted(&format!("{c}quoted.csv"), &[]);
    assert!(quoted.stderr.contains("\"no, really\""), "{}", quoted.stderr);
    accepted(&format!("{c}bom.csv"), &[]);
    let nan = accepted(&format!("{c}nan.csv"), &[]);
    assert!(nan.stdout.starts_with("accuracy: "), "{}", nan.stdout);
    accepted(&format!("{c}crlf.csv"), &[]);
    accepted(&format!("{c}semicolons.csv"), &["--delimiter", ";"]);
    accepted(&format!("{c}tabs.tsv"), &["--delimiter", "tab"]);
}

#[test]
fn five_thousand_columns_train() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let mut text = String::new();
    for row in 0..40 {
        let cells: Vec<String> =
            (0..5000).map(|c| format!("{}", ((row * 31 + c * 7) % 100) as f32 / 10.0)).collect();
        text.push_str(&format!("{},{}\n", cells.join(","), row % 2));
    }
    std::fs::write(&path, text).unwrap();
    let out = accepted(path.to_str().unwrap(), &["--standardize"]);
    assert!(out.stdout.contains("loss: "));
    let summary = run(&["--no-tui", "--folds", "1", "--epochs", "1", path.to_str().unwrap()]);
    assert!(summary.stderr.contains("40 rows x 5000 features"), "{}", summary.stderr);
    assert!(summary.stderr.contains("Total params: 60125"), "{}", summary.stderr);
}

#[test]
fn a_directory_and_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().to_str().unwrap();
    rejected(name, &[], ": is a directory, not a CSV file");
    rejected("tests/corpus/no-such-file.csv", &[], ": no such file");
}

#[test]
fn an_unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.csv");
    std::fs::write(&path, "1,2,0\n3,4,1\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        eprintln!("note: running as root, which reads any file; the permission case cannot be shown here");
        return;
    }
    rejected(path.to_str().unwrap(), &[], ": permission denied");
}

#[test]
fn a_file_that_ends_while_being_read() {
    // A named pipe whose writer gives up in the middle of a row, as a file cut short
    // (a download that stopped, a process that died) would look while nntui reads it.
    let dir = tempfile::tempdir().unwrap();
    let fifo: PathBuf = dir.path().join("stream.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            pipe.write_all(b"1,2,0\n3,4,1\n5,6").unwrap();
        })
    };
    rejected(fifo.to_str().unwrap(), &[], ":3:3: expected 3 fields, as on line 1, found 2");
    writer.join().unwrap();
}

#[test]
fn corpus_files_are_where_the_table_says() {
    let listed = [
        "empty.csv",
        "header_only.csv",
        "ragged.csv",
        "non_numeric.csv",
        "nan.csv",
        "inf.csv",
        "huge_value.csv",
        "embedded_delimiter.csv",
        "one_class.csv",
        "one_row.csv",
        "latin1.csv",
        "garbage.bin",
        "semicolons.csv",
        "tabs.tsv",
        "quoted.csv",
        "bom.csv",
        "crlf.csv",
    ];
    let mut present: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("tests/corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "README.md")
        .collect();
    present.sort();
    let mut listed: Vec<String> = listed.iter().map(std::string::ToString::to_string).collect();
    listed.sort();
    assert_eq!(present, listed, "every corpus file has an expectation, and every expectation a file");
}
