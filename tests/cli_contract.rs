//! The command-line contract of the four programs, pinned as snapshot cases: every `--help`
//! (with its exit-code table) and the error cases in tests/cmd/. A changed message or exit code
//! shows up as a reviewed diff of a case file (`TRYCMD=overwrite` rewrites them). The binaries
//! are built by `cargo test --workspace`.

use std::path::{Path, PathBuf};

const PROGRAMS: [&str; 4] = [
    "tessera-wallet",
    "tessera-issuer",
    "tessera-verify",
    "tessera-scan",
];

/// A workspace binary next to this test's executable (target/<profile>/NAME).
fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run the whole suite with `cargo test --workspace`, which builds it",
        path.display()
    );
    path
}

#[test]
fn cli_contract() {
    let cases = trycmd::TestCases::new();
    for name in PROGRAMS {
        cases.register_bin(name, bin(name));
    }
    cases.case(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/cmd/*.toml"
    ));
}
