//! `tessera-verify`: the kiosk verifier. Everything is in [`tessera_verifier::cli`].
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    tessera_verifier::cli::main()
}
