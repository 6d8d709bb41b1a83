//! What the CLI's end-to-end tests share: running the built `tequio` binary on a SQLite file.
// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `tequio --database-url sqlite://DB ARGS…` with no configuration file and quiet logs.
pub fn tequio(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tequio"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .args(args)
        .env_remove("TEQUIO_CONFIG")
        .env("TEQUIO_LOG", "warn")
        .output()
        .expect("the tequio binary runs")
}

/// The standard output of a run that must succeed (its output and errors shown if it did not).
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "tequio failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
