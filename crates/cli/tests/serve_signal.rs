//! `tequio serve` stops cleanly on SIGTERM, the signal systemd and container runtimes send
//! (docs/DEPLOY.md): it logs that it is shutting down and exits 0, instead of being cut off.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_tequio"))
        .args([
            "--database-url",
            &url,
            "--log",
            "info",
            "serve",
            "--no-demo",
            "--addr",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Every line the server writes to stderr, read on a thread so waiting stays bounded.
    let (lines_tx, lines) = mpsc::channel::<String>();
    let stderr = server.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let listening = lines
        .iter()
        .take(200)
        .find(|l| l.contains("Tequio en http://"));
    assert!(listening.is_some(), "the server did not start");
    // SAFETY: kill(2) on the child's own pid with SIGTERM; no memory is shared.
    let sent = unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let mut status = None;
    for _ in 0..300 {
        if let Some(s) = server.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = status else {
        server.kill().unwrap();
        panic!("the server did not stop within 30 s of SIGTERM");
    };
    assert!(status.success(), "exit status {status:?}");
    let rest: Vec<String> = lines.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("shutting down")),
        "the shutdown is logged: {rest:?}"
    );
}
