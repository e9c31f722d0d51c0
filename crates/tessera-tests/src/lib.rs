//! End-to-end tests of Tessera live in the top-level `tests/` folder; this crate hosts them
//! and holds what they share: running the workspace's programs as a person would, with the
//! command and its output in the test's log.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The PIN the wallet programs are given (through `TESSERA_PIN`) by [`wallet`].
pub const PIN: &str = "482913";

/// A workspace binary next to the running test's executable (target/<profile>/NAME).
///
/// # Panics
///
/// If it is not there: the message says how to build it.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run the whole suite with `cargo test --workspace`, which builds it",
        path.display()
    );
    path
}

/// Runs `cmd` to the end and prints the command line with what it wrote (shown when the test
/// fails).
///
/// # Panics
///
/// If the program cannot be started.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    eprintln!(
        "$ {cmd:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The standard output of a program that succeeded.
///
/// # Panics
///
/// If it failed (the message is its standard error) or its output is not UTF-8.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// `tessera-wallet --data-dir DIR` with [`PIN`], the cheap test key derivation and no input.
pub fn wallet(dir: &Path) -> Command {
    let mut c = Command::new(bin("tessera-wallet"));
    c.arg("--data-dir")
        .arg(dir)
        .env("TESSERA_PIN", PIN)
        .env("TESSERA_INSECURE_TEST_KDF", "1")
        .stdin(Stdio::null());
    c
}
