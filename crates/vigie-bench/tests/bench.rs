//! The benchmark binary runs end to end on small inputs and checks its own counts.

use std::process::Command;

/// Runs `vigie-bench --format json ARGS` in `dir` and parses its output.
fn run_json(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_vigie-bench"))
        .current_dir(dir)
        .arg("--format")
        .arg("json")
        .args(args)
        .output()
        .expect("vigie-bench runs");
    assert!(
        out.status.success(),
        "vigie-bench {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "vigie-bench {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn ingest_benchmark_runs_and_checks_its_counts() {
    let d = tempfile::tempdir().expect("a temporary folder");
    let out = run_json(
        d.path(),
        &[
            "ingest",
            "--posts",
            "3000",
            "--accounts",
            "200",
            "--dir",
            "work",
        ],
    );
    assert_eq!(out["posts_stored"].as_i64(), Some(3000), "{out}");
    assert_eq!(out["accounts_stored"].as_i64(), Some(200), "{out}");
    assert!(
        out["posts_per_second"].as_f64().unwrap_or(0.0) > 0.0,
        "{out}"
    );
    assert!(out["peak_rss_mib"].as_f64().unwrap_or(0.0) > 0.0, "{out}");
}
