//! The command-line contract of the four programs, pinned as snapshot cases: every `--help`
//! (with its exit-code table) and the error cases in tests/cmd/. A changed message or exit code
//! shows up as a reviewed diff of a case file (`TRYCMD=overwrite` rewrites them). The binaries
//! are built by `cargo test --workspace`.

use tessera_tests::bin;

const PROGRAMS: [&str; 4] = [
    "tessera-wallet",
    "tessera-issuer",
    "tessera-verify",
    "tessera-scan",
];

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
