//! `nntui tune` as a process: the best trial's command line reproduces its score, the
//! thread count changes nothing, and processes sharing a study file run every trial
//! exactly once, even when one of them is killed in the middle of a trial.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // a test fails loudly where its set-up does

mod common;

use common::{data, run};
use nntui::tune::journal::{Journal, TrialState};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn moons() -> String {
    data("moons.csv").to_str().unwrap().to_string()
}

/// The ranking and the best command (after the trial lines, if any).
fn summary(stdout: &str) -> &str {
    stdout.find("rank  trial").map_or(stdout, |at| &stdout[at..])
}

#[test]
fn the_best_command_line_reproduces_its_score() {
    let file = moons();
    let out = run(&[
        "tune",
        &file,
        "--no-tui",
        "--trials",
        "3",
        "--epochs",
        "12",
        "--init",
        "he_uniform",
        "--lr",
        "1e-3..1e-1:log",
        "--layers",
        "8:relu|16:relu",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().filter(|l| l.starts_with("trial ")).count(), 3, "{}", out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let best = lines.iter().find(|l| l.starts_with("best: trial ")).unwrap();
    // best: trial 2, val_accuracy 97.25% (+/- 1.00%); to train it again:
    let score = best.split_once("val_accuracy ").unwrap().1.trim_end_matches("; to train it again:");
    let command = lines.last().unwrap();
    assert!(command.starts_with("nntui ") && command.contains("--folds 5"), "{command}");
    let arguments: Vec<&str> = command.split(' ').skip(1).collect();
    let mut again = vec!["-q"];
    again.extend(arguments);
    let rerun = run(&again);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_eq!(rerun.stdout.lines().last().unwrap(), score, "{}", rerun.stdout);
}

#[test]
fn the_thread_count_changes_nothing() {
    let file = moons();
    let tune = |threads: &str| {
        let out = run(&[
            "tune",
            &file,
            "--no-tui",
            "-q",
            "--trials",
            "4",
            "--epochs",
            "8",
            "--threads",
            threads,
            "--lr",
            "1e-3..1e-1:log",
            "--pruner",
            "median",
            "--startup-trials",
            "1",
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        summary(&out.stdout).replace(&format!("--threads {threads}"), "--threads N")
    };
    assert_eq!(tune("1"), tune("2"));
}

#[test]
fn usage_errors_name_the_option() {
    let file = moons();
    for (args, expected) in [
        (vec!["--lr", "0.1..0.01"], "--lr \"0.1..0.01\": the low bound must be below the high one"),
        (
            vec!["--optimizer", "adam|nadam"],
            "--optimizer nadam: invalid value 'nadam' for '--optimizer <OPTIMIZER>'",
        ),
        (
            vec!["--search", "grid", "--lr", "1e-3..1e-2"],
            "--search grid walks choice lists a|b|c; --lr is a range",
        ),
        (vec!["--pruner", "hyperband"], "--pruner: unknown pruner 'hyperband'"),
        (vec!["--objective", "val_auc"], "--objective: \"val_auc\" is not measured"),
        (vec!["--folds", "1"], "val_accuracy needs held-out rows"),
    ] {
        let mut all = vec!["tune", file.as_str(), "--no-tui"];
        all.extend(args);
        let out = run(&all);
        assert_eq!(out.code, 2, "{all:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{all:?}: {}", out.stderr);
    }
}

/// Starts `nntui tune` sharing `storage`, in the background.
fn tune_process(storage: &str, trials: &str, epochs: &str, timeout: &str) -> std::process::Child {
    Command::new(assert_cmd::cargo::cargo_bin("nntui"))
        .args([
            "tune",
            &moons(),
            "--no-tui",
            "-q",
            "--trials",
            trials,
            "--epochs",
            epochs,
            "--lr",
            "1e-3..1e-1:log",
            "--storage",
            storage,
            "--heartbeat-timeout",
            timeout,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every sample of the study completed exactly once.
fn check_each_sample_once(storage: &std::path::Path, trials: usize) -> Journal {
    let journal = Journal::open(storage).unwrap();
    let mut completed: Vec<usize> =
        journal.trials.values().filter(|t| t.state == TrialState::Complete).map(|t| t.sample).collect();
    completed.sort_unstable();
    assert_eq!(completed, (0..trials).collect::<Vec<_>>(), "{:?}", journal.trials);
    assert_eq!(journal.skipped, 0);
    journal
}

#[test]
fn two_processes_share_a_study_and_run_each_trial_once() {
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("study.jsonl");
    let path = storage.to_str().unwrap();
    let (a, b) = (tune_process(path, "8", "6", "60"), tune_process(path, "8", "6", "60"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{}{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    let journal = check_each_sample_once(&storage, 8);
    assert_eq!(journal.trials.len(), 8, "no trial ran twice");
    // Both finished with the same ranking of the whole study.
    let (a, b) = (String::from_utf8_lossy(&a.stdout), String::from_utf8_lossy(&b.stdout));
    assert_eq!(summary(&a), summary(&b));
    assert!(!dir.path().join("study.jsonl.lock").exists());
}

#[test]
fn a_killed_process_leaves_its_trial_for_another() {
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("study.jsonl");
    let path = storage.to_str().unwrap();
    // The first process takes trial 0 (long enough to be killed during it) and dies.
    let mut victim = tune_process(path, "3", "400", "2");
    let started = Instant::now();
    loop {
        let journal = Journal::open(&storage).unwrap();
        if journal.trials.get(&0).is_some_and(|t| !t.intermediate.is_empty()) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "trial 0 never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    victim.kill().unwrap();
    victim.wait().unwrap();
    // Another process finishes the study: trial 0 is marked failed after its silence
    // and its sample run again.
    let survivor = tune_process(path, "3", "400", "2").wait_with_output().unwrap();
    assert!(survivor.status.success(), "{}", String::from_utf8_lossy(&survivor.stderr));
    let journal = check_each_sample_once(&storage, 3);
    let failed = &journal.trials[&0];
    assert_eq!(failed.state, TrialState::Failed);
    assert!(failed.note.as_deref().unwrap_or_default().starts_with("no heartbeat from"), "{failed:?}");
    assert!(journal.trials.values().any(|t| t.retry_of == Some(0) && t.state == TrialState::Complete));
    let summary = String::from_utf8_lossy(&survivor.stdout);
    assert!(!summary.contains("failed"), "a failure that was run again is not ranked: {summary}");
}

/// Optuna 5's own decisions (tests/tune/pruner_tables.json, from make_pruner_tables.py
/// beside it), replayed: the same trials, one after another, reporting each epoch and
/// stopping where nntui's pruner says; every trial must stop at the same epoch.
#[test]
fn pruning_decisions_match_optunas() {
    use nntui::tune::journal::Trial;
    use nntui::tune::pruner::Pruner;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tune/pruner_tables.json");
    let tables: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = tables["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 60);
    let mut pruned = 0;
    for (index, case) in cases.iter().enumerate() {
        let parameters = &case["parameters"];
        let count = |name: &str| parameters[name].as_u64().map(|n| n as usize);
        let pruner = match case["pruner"].as_str().unwrap() {
            "median" => {
                Pruner::Median { startup: count("startup").unwrap(), warmup: count("warmup").unwrap() }
            }
            _ => Pruner::Asha { min_epochs: count("min_epochs"), reduction: count("reduction").unwrap() },
        };
        let maximize = case["maximize"].as_bool().unwrap();
        let mut done: Vec<Trial> = Vec::new();
        for (number, (curve, expected)) in
            case["curves"].as_array().unwrap().iter().zip(case["pruned_at"].as_array().unwrap()).enumerate()
        {
            let mut trial = Trial { number, ..Trial::default() };
            let mut at = None;
            for (step, value) in curve.as_array().unwrap().iter().enumerate() {
                let epoch = step + 1;
                trial.intermediate.insert(epoch, value.as_f64().unwrap());
                let others: Vec<&Trial> = done.iter().collect();
                let decision = pruner.decide(&trial, epoch, &others, maximize);
                trial.rungs.extend(decision.rungs);
                if decision.prune {
                    at = Some(epoch);
                    break;
                }
            }
            trial.state = if at.is_some() { TrialState::Pruned } else { TrialState::Complete };
            assert_eq!(
                at,
                expected.as_u64().map(|e| e as usize),
                "case {index} ({pruner:?}, maximize {maximize}), trial {number}"
            );
            pruned += usize::from(at.is_some());
            done.push(trial);
        }
    }
    assert!(pruned > 200, "the tables exercise pruning ({pruned} pruned trials)");
}

/// A study file names its journal format; one from a later format is refused rather
/// than misread, and one from before formats (none written) reads as format 1.
#[test]
fn a_study_in_a_later_journal_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("study.jsonl");
    let storage_text = storage.to_str().unwrap().to_string();
    let moons = moons();
    let tune = || {
        run(&[
            "tune",
            &moons,
            "--epochs",
            "2",
            "--folds",
            "2",
            "--lr",
            "0.001|0.01",
            "--trials",
            "1",
            "--storage",
            &storage_text,
        ])
    };
    let first = tune();
    assert_eq!(first.code, 0, "{}", first.stderr);
    let text = std::fs::read_to_string(&storage).unwrap();
    assert!(text.lines().next().unwrap().contains("\"format\":1"), "{text}");
    // Written before formats: the same study, continued.
    std::fs::write(&storage, text.replacen("\"format\":1,", "", 1)).unwrap();
    let again = tune();
    assert_eq!(again.code, 0, "{}", again.stderr);
    let text = std::fs::read_to_string(&storage).unwrap();
    std::fs::write(&storage, text.replacen("\"op\":\"study\",", "\"op\":\"study\",\"format\":2,", 1))
        .unwrap();
    let later = tune();
    assert_ne!(later.code, 0);
    assert!(
        later
            .stderr
            .contains("a study in journal format 2 (written by a later nntui); this one reads format 1"),
        "{}",
        later.stderr
    );
}

/// Optuna's own TPE numbers (tests/tune/tpe_tables.json, from make_tpe_tables.py beside
/// it), replayed: the ramp weights and gamma, the below/above split of complete and
/// pruned trials, the Parzen estimators' log densities, and the candidate chosen.
#[test]
fn tpe_matches_optunas_estimator() {
    use nntui::tune::tpe::{Dist, Outcome, Parzen, choose, gamma, split, weights};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tune/tpe_tables.json");
    let tables: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for (n, expected) in tables["weights"].as_object().unwrap() {
        let got = weights(n.parse().unwrap());
        let expected: Vec<f64> = expected.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(got.len(), expected.len());
        assert!(got.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-15), "weights({n})");
    }
    for (n, expected) in tables["gamma"].as_object().unwrap() {
        assert_eq!(gamma(n.parse().unwrap()) as u64, expected.as_u64().unwrap(), "gamma({n})");
    }
    let dist = |d: &serde_json::Value| match d["kind"].as_str().unwrap() {
        "choice" => Dist::Choice(d["choices"].as_u64().unwrap() as usize),
        kind => {
            let (low, high, log) =
                (d["low"].as_f64().unwrap(), d["high"].as_f64().unwrap(), d["log"].as_bool().unwrap());
            if kind == "int" { Dist::Int { low, high, log } } else { Dist::Float { low, high, log } }
        }
    };
    let numbers = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
    };
    let estimators = tables["estimators"].as_array().unwrap();
    assert_eq!(estimators.len(), 80);
    for (index, case) in estimators.iter().enumerate() {
        let parzen = Parzen::new(dist(&case["distribution"]), &numbers(&case["observations"]));
        for (x, want) in numbers(&case["points"]).iter().zip(numbers(&case["log_pdf"])) {
            let got = parzen.log_pdf(*x);
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "estimator {index} at {x}: {got} vs Optuna's {want}"
            );
        }
    }
    let choices = tables["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 40);
    let mut exact = 0;
    for (index, case) in choices.iter().enumerate() {
        let d = dist(&case["distribution"]);
        let (l, g) = (Parzen::new(d, &numbers(&case["below"])), Parzen::new(d, &numbers(&case["above"])));
        let candidates = numbers(&case["candidates"]);
        let scores = numbers(&case["score"]);
        for (x, want) in candidates.iter().zip(&scores) {
            let got = l.log_pdf(*x) - g.log_pdf(*x);
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "choice case {index} at {x}: {got} vs {want}"
            );
        }
        // Optuna's pick; where candidates' scores agree to the last bits (two choices
        // neither estimator tells apart), which one wins is rounding, so any of them.
        let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let tied: Vec<usize> =
            (0..scores.len()).filter(|&i| scores[i] >= best - 1e-12 * best.abs().max(1.0)).collect();
        let chosen = choose(&l, &g, &candidates);
        assert!(tied.contains(&chosen), "choice case {index}: {chosen}, Optuna {}", case["chosen"]);
        exact += usize::from(chosen as u64 == case["chosen"].as_u64().unwrap());
    }
    assert!(exact >= 35, "{exact} of 40 picks are Optuna's own");
    let splits = tables["splits"].as_array().unwrap();
    assert_eq!(splits.len(), 40);
    let mut pruned_below = 0;
    for (index, case) in splits.iter().enumerate() {
        let outcomes: Vec<Outcome> = case["trials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                if t["state"].as_str().unwrap() == "complete" {
                    Outcome::Complete(t["value"].as_f64().unwrap())
                } else {
                    let values = t["intermediate"].as_array().unwrap();
                    Outcome::Pruned(values.last().map(|v| (values.len(), v.as_f64().unwrap_or(f64::NAN))))
                }
            })
            .collect();
        let n_below = case["gamma"].as_u64().unwrap() as usize;
        assert_eq!(gamma(outcomes.len()), n_below);
        let (below, above) = split(&outcomes, n_below, case["maximize"].as_bool().unwrap());
        let expected: Vec<usize> =
            case["below"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        assert_eq!(below, expected, "split case {index}");
        assert_eq!(below.len() + above.len(), outcomes.len());
        pruned_below += below.iter().filter(|&&i| matches!(outcomes[i], Outcome::Pruned(_))).count();
    }
    assert!(pruned_below > 0, "the tables rank pruned trials too");
}

/// TPE is the default sampler and says so in the study file; a study continued without
/// `--sampler` keeps its own (a random search stays random), one continued with another
/// sampler is refused with the difference named, and `--trials N` on a finished study
/// runs the trials missing up to N.
#[test]
fn the_sampler_is_tpe_by_default_and_a_continued_study_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let moons = moons();
    let study = |name: &str, extra: &[&str]| {
        let storage = dir.path().join(name);
        let mut all = vec!["tune", moons.as_str(), "--no-tui", "-q", "--epochs", "2", "--folds", "2"];
        all.extend(["--lr", "1e-3..1e-1:log", "--storage", storage.to_str().unwrap()]);
        all.extend(extra);
        let out = run(&all);
        let journal = Journal::open(&storage).unwrap();
        (out, journal)
    };
    let (out, journal) = study("default.jsonl", &["--trials", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(journal.header.unwrap().search, "tpe");
    let (out, journal) = study("random.jsonl", &["--sampler", "random", "--trials", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(journal.trials.len(), 2);
    let (out, journal) = study("random.jsonl", &["--trials", "3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(journal.header.unwrap().search, "random");
    assert_eq!(journal.trials.len(), 3, "the missing trial ran");
    assert!(journal.trials.values().all(|t| t.state == TrialState::Complete));
    assert!(
        out.stdout
            .contains("importance of each searched option to reaching the best 10% of 3 completed trials"),
        "{}",
        out.stdout
    );
    // The study file's importances, in the viewer's text and JSON.
    let storage = dir.path().join("random.jsonl");
    let view = run(&["view", storage.to_str().unwrap(), "--no-tui"]);
    assert!(view.stdout.contains("random.jsonl: importance of each searched option"), "{}", view.stdout);
    // Each trial's real fold count (its curve is the mean over its folds).
    let trial = view.stdout.lines().find(|l| l.starts_with("trial 000")).unwrap();
    assert_eq!(trial.split_whitespace().nth(3), Some("2"), "{}", view.stdout);
    assert!(view.stdout.contains("  lr  \u{2588}"), "{}", view.stdout);
    let view = run(&["view", storage.to_str().unwrap(), "--json"]);
    let line = view.stdout.lines().last().unwrap();
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(value["type"], "importance");
    assert_eq!(value["completed"], 3);
    assert_eq!(value["importances"][0]["option"], "lr");
    assert!((value["importances"][0]["share"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    let (out, journal) = study("random.jsonl", &["--sampler", "tpe", "--trials", "4"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("its sampler is random, not tpe"), "{}", out.stderr);
    assert_eq!(journal.trials.len(), 3);
    let out = run(&[
        "tune",
        moons.as_str(),
        "--no-tui",
        "--sampler",
        "tpe",
        "--search",
        "random",
        "--lr",
        "0.01|0.1",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--sampler and --search are one option"), "{}", out.stderr);
    let out = run(&["tune", moons.as_str(), "--no-tui", "--sampler", "cmaes", "--lr", "0.01|0.1"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown sampler 'cmaes' (expected one of: tpe, random, grid)"),
        "{}",
        out.stderr
    );
}

/// Optuna's own parameter importances (PED-ANOVA, tests/tune/importance_tables.json from
/// make_importance_tables.py beside it), replayed on the same trials: 24 studies of 5 to
/// 150 trials, both directions, ties at the top-10% cutoff.
#[test]
fn importances_match_optunas_ped_anova() {
    use nntui::tune::importance::importances;
    use nntui::tune::space::{Param, Space, kind_of, parse};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tune/importance_tables.json");
    let tables: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = tables["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 24);
    for (index, case) in cases.iter().enumerate() {
        let space = Space {
            params: case["space"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let (flag, text) = (p[0].as_str().unwrap(), p[1].as_str().unwrap());
                    Param {
                        flag: flag.into(),
                        text: text.into(),
                        domain: parse(flag, kind_of(flag).unwrap(), text).unwrap().unwrap(),
                    }
                })
                .collect(),
        };
        let trials: Vec<(Vec<(String, String)>, f64)> = case["trials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let params = t["params"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
                    .collect();
                (params, t["value"].as_f64().unwrap())
            })
            .collect();
        let borrowed: Vec<(&[(String, String)], f64)> =
            trials.iter().map(|(p, v)| (p.as_slice(), *v)).collect();
        let got = importances(&space, &borrowed, case["maximize"].as_bool().unwrap()).unwrap();
        let want: Vec<(String, f64)> = case["importances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_f64().unwrap()))
            .collect();
        assert_eq!(got.len(), want.len());
        for ((flag, value), (want_flag, want_value)) in got.iter().zip(&want) {
            assert_eq!(flag, want_flag, "case {index}: {got:?} vs Optuna's {want:?}");
            assert!(
                (value - want_value).abs() < 1e-9,
                "case {index} {flag}: {value} vs Optuna's {want_value}"
            );
        }
    }
}

/// A study is its options that change results: another process may show it otherwise
/// (quiet or not, other threads, its own log folder); options that do differ are named.
#[test]
fn a_study_is_its_results_options_not_how_a_process_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("study.jsonl");
    let moons = moons();
    let tune = |extra: &[&str]| {
        let mut all = vec!["tune", moons.as_str(), "--no-tui", "--folds", "2", "--lr", "0.01|0.1"];
        all.extend(["--storage", storage.to_str().unwrap()]);
        all.extend(extra);
        run(&all)
    };
    let out = tune(&["-q", "--epochs", "2", "--threads", "1", "--trials", "1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("nothing is searched"), "{}", out.stderr);
    let out =
        run(&["tune", moons.as_str(), "--no-tui", "-q", "--folds", "2", "--epochs", "1", "--trials", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr.matches("nothing is searched").count(), 1, "said once: {}", out.stderr);
    // Pruning that may act from the first epoch is said once, with the option to change it.
    let pruned = |extra: &[&str]| {
        let mut all =
            vec!["tune", moons.as_str(), "--no-tui", "-q", "--folds", "2", "--epochs", "2", "--trials", "2"];
        all.extend(["--lr", "0.01|0.1"]);
        all.extend(extra);
        run(&all)
    };
    let out = pruned(&["--pruner", "median"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr.matches("--warmup-epochs N lets every trial train").count(), 1, "{}", out.stderr);
    let out = pruned(&["--pruner", "median", "--warmup-epochs", "1"]);
    assert!(!out.stderr.contains("first epoch"), "{}", out.stderr);
    let out = pruned(&["--pruner", "asha"]);
    assert!(out.stderr.contains("--min-epochs N sets it"), "{}", out.stderr);
    // A searched option that needs another (--lr-decay with --lr-decay-steps) is searchable.
    let out = run(&[
        "tune",
        moons.as_str(),
        "--no-tui",
        "-q",
        "--folds",
        "2",
        "--epochs",
        "1",
        "--trials",
        "2",
        "--lr-decay",
        "0.5..0.99",
        "--lr-decay-steps",
        "100",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(&["tune", moons.as_str(), "--no-tui", "-q", "--folds", "2", "--lr-decay", "0.5..0.99"]);
    assert!(out.stderr.contains("not provided: --lr-decay-steps <STEPS>"), "{}", out.stderr);
    let logs = dir.path().join("logs");
    let out = tune(&["--epochs", "2", "--threads=2", "--log-dir", logs.to_str().unwrap(), "--trials", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(Journal::open(&storage).unwrap().trials.len(), 2);
    let out = tune(&["-q", "--epochs", "3", "--trials", "3"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("its options have --epochs 2 where these have --epochs 3"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

/// A trial busy for longer than the heartbeat timeout, its epochs never pausing, is alive
/// to another process sharing the study: that one waits for it rather than marking it
/// failed and throwing its result away.
#[test]
fn a_busy_trial_longer_than_the_timeout_is_not_taken_for_dead() {
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("study.jsonl");
    let storage_text = storage.to_str().unwrap();
    let started = Instant::now();
    let first = tune_process(storage_text, "1", "3000", "0.3");
    std::thread::sleep(Duration::from_millis(200));
    let second = tune_process(storage_text, "1", "3000", "0.3");
    let (first, second) = (first.wait_with_output().unwrap(), second.wait_with_output().unwrap());
    assert!(first.status.success() && second.status.success());
    let journal = Journal::open(&storage).unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed > Duration::from_millis(600), "the trial outlasts the timeout ({elapsed:?})");
    assert_eq!(journal.trials.len(), 1, "{:?}", journal.trials);
    assert_eq!(journal.trials[&0].state, TrialState::Complete);
    let text = std::fs::read_to_string(&storage).unwrap();
    assert!(!text.contains("no heartbeat"), "a live trial was marked dead");
    assert!(text.matches("\"op\":\"beat\"").count() >= 2, "it beat while busy");
}

/// The same study from another folder, naming the data file another way and giving the
/// options in another order, continues it; a rerun of a finished study says so; SIGTERM
/// exits 143 as training does.
#[test]
fn a_study_is_the_same_from_another_folder_and_in_another_order() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&first).unwrap();
    std::fs::create_dir_all(&second).unwrap();
    std::fs::copy(data("moons.csv"), first.join("moons.csv")).unwrap();
    let storage = dir.path().join("study.jsonl");
    let tune = |folder: &std::path::Path, args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_nntui"))
            .current_dir(folder)
            .arg("tune")
            .args(args)
            .args(["--storage", storage.to_str().unwrap()])
            .output()
            .unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (code, stderr) = tune(
        &first,
        &[
            "moons.csv",
            "--no-tui",
            "-q",
            "--folds",
            "2",
            "--epochs",
            "2",
            "--lr",
            "0.01|0.1",
            "--trials",
            "2",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr) = tune(
        &second,
        &["--lr", "0.01|0.1", "--epochs", "2", "--trials", "3", "--folds", "2", "../a/moons.csv", "--no-tui"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(Journal::open(&storage).unwrap().trials.len(), 3);
    let (code, stderr) = tune(
        &second,
        &["--no-tui", "--lr", "0.01|0.1", "--epochs", "2", "--trials", "3", "--folds", "2", "../a/moons.csv"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("study complete: 3 of 3 trials ran, none is left; --trials N above 3 runs more"),
        "{stderr}"
    );
    assert_eq!(Journal::open(&storage).unwrap().trials.len(), 3);
    // SIGTERM (scancel) while trials run: the exit status of training's.
    let mut child = Command::new(env!("CARGO_BIN_EXE_nntui"))
        .current_dir(&first)
        .args([
            "tune",
            "moons.csv",
            "--no-tui",
            "-q",
            "--epochs",
            "400",
            "--trials",
            "50",
            "--lr",
            "0.01|0.1",
        ])
        .args(["--storage", dir.path().join("long.jsonl").to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
}
