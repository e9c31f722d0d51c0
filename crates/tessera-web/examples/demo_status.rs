//! Signs a newer status list 0 for the demo issuer (assets/demo) in which every entry is
//! revoked, for the browser tests' revocation check (tests/web/):
//! `cargo run -p tessera-web --example demo_status -- --revoke-all --out status/0.cbor`.
//! Demo material only: the demo issuer's secret key is public.

use std::process::ExitCode;
use tessera_core::{Status, StatusList, TrustList};

fn run(out: &str) -> Result<(), String> {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo");
    let read = |name: &str| {
        std::fs::read_to_string(format!("{demo}/{name}")).map_err(|e| format!("{demo}/{name}: {e}"))
    };
    let issuer = tessera_core::keys::secret_key_from_text(&read("issuer.key")?)
        .map_err(|e| format!("issuer.key: {e}"))?;
    let root = tessera_core::keys::public_key_from_text(&read("root.pub")?)
        .map_err(|e| format!("root.pub: {e}"))?;
    let trust_bytes = std::fs::read(format!("{demo}/trust-list.cbor"))
        .map_err(|e| format!("trust-list.cbor: {e}"))?;
    let trust =
        TrustList::from_signed(&trust_bytes, &root).map_err(|e| format!("trust-list.cbor: {e}"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let len: u32 = 1 << 24;
    let mut list = StatusList::new(
        "demo.tessera",
        0,
        2,
        len,
        now,
        trust.next_update.saturating_sub(now),
    );
    for i in 0..len {
        list.set(i, Status::Revoked).map_err(|e| e.to_string())?;
    }
    std::fs::write(out, list.sign(&issuer)).map_err(|e| format!("{out}: {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match &args[..] {
        [flag, o, path] if flag == "--revoke-all" && o == "--out" => path,
        _ => {
            eprintln!("usage: demo_status --revoke-all --out FILE.cbor");
            return ExitCode::from(2);
        }
    };
    match run(out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo_status: {e}");
            ExitCode::FAILURE
        }
    }
}
