//! `herald bench` end to end: the real binary sets up its own temporary
//! Herald (on the suite's backend), delivers, runs the ceiling and prints the
//! summary line other tools read. Speed itself is not asserted here (that is
//! what the bench is for); that every message arrived and the report holds
//! together is.
use crate::support::{backend, Backend};
use std::process::Command;

fn field(line: &str, name: &str) -> f64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name}= in `{line}`"))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number in `{line}`"))
}

fn bench(extra: &[&str]) -> Vec<String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command
        .args([
            "bench",
            "--events",
            "60",
            "--routings-per-event",
            "3",
            "--receivers",
            "2",
        ])
        .args(extra)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("HERALD_DATA_DIR");
    if let Backend::Postgres(admin) = backend() {
        command.args(["--database", &admin]);
    }
    let out = command.output().expect("run herald bench");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "herald bench failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_string).collect()
}

#[test]
fn throughput_run_reports_every_delivery_and_the_summary_line_last() {
    let lines = bench(&[]);
    let ingest = lines
        .iter()
        .find(|l| l.starts_with("bench: ingest "))
        .expect("ingest line");
    assert_eq!(field(ingest, "events"), 60.0, "{ingest}");
    assert_eq!(field(ingest, "refused"), 0.0, "{ingest}");
    let delivered = lines
        .iter()
        .find(|l| l.starts_with("bench: delivered="))
        .expect("delivered line");
    assert_eq!(field(delivered, "delivered"), 180.0, "{delivered}");

    let last = lines.last().expect("output");
    let names: Vec<&str> = last
        .trim_start_matches("bench: ")
        .split_whitespace()
        .map(|kv| kv.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "deliveries_per_s",
            "ceiling_per_s",
            "ratio",
            "p50_ms",
            "p99_ms",
            "peak_rss_mb"
        ],
        "{last}"
    );
    assert!(last.starts_with("bench: "), "{last}");
    let (rate, ceiling, ratio) = (
        field(last, "deliveries_per_s"),
        field(last, "ceiling_per_s"),
        field(last, "ratio"),
    );
    assert!(rate > 0.0 && ceiling > 0.0, "{last}");
    assert!((ratio - rate / ceiling).abs() < 0.01, "{last}");
    assert!(field(last, "p50_ms") <= field(last, "p99_ms"), "{last}");
    assert!(field(last, "peak_rss_mb") > 0.0, "{last}");
}

#[test]
fn backlog_run_drains_everything_and_samples_memory() {
    let lines = bench(&["--backlog"]);
    let delivered = lines
        .iter()
        .find(|l| l.starts_with("bench: delivered="))
        .expect("delivered line");
    assert_eq!(field(delivered, "delivered"), 180.0, "{delivered}");
    assert!(lines
        .last()
        .unwrap()
        .starts_with("bench: deliveries_per_s="));
}

#[test]
fn bad_options_are_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["bench", "--events", "lots"])
        .output()
        .expect("run herald bench");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--events: `lots`"), "{stderr}");
}
