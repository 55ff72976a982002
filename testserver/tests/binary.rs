//! The `omnisocket-testserver` binary: PORT line, port file, exit on stdin close / SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_omnisocket-testserver"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .strip_prefix("PORT=")
        .and_then(|p| p.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(line.ends_with('\n'));
    (child, port)
}

fn health(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn prints_port_writes_port_file_and_exits_on_stdin_close() {
    let dir = std::env::temp_dir().join(format!("wsts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port_file = dir.join("port");
    let (mut child, port) = spawn(&[
        "--port-file",
        port_file.to_str().unwrap(),
        "--exit-on-stdin-close",
    ]);
    assert_ne!(port, 0);
    assert_eq!(
        std::fs::read_to_string(&port_file).unwrap(),
        port.to_string()
    );
    let resp = health(port);
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert!(resp.ends_with("\r\n\r\nok"), "{resp}");

    drop(child.stdin.take());
    assert!(wait_exit(&mut child).success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exits_on_sigterm() {
    let (mut child, port) = spawn(&[]);
    assert!(health(port).starts_with("HTTP/1.1 200 "));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(wait_exit(&mut child).success());
}

#[test]
fn rejects_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_omnisocket-testserver"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
