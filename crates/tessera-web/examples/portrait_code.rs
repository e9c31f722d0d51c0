//! Prints a fresh `TS1:` code from the demo issuer (assets/demo) disclosing a name and the
//! portrait in PORTRAIT_FILE (a WebP QR portrait or a legacy JPEG), for the browser tests'
//! portrait check (tests/web/): `cargo run -p tessera-web --example portrait_code -- FILE`.
//! The holder key is made for this code only. Demo material only: the demo issuer's secret
//! key is public.

use std::process::ExitCode;
use tessera_core::testing::DeterministicRng;
use tessera_core::{
    AttrId, AttrValue, Attributes, IssueParams, PresentRequest, Purpose, StatusRef,
};

fn run(portrait_file: &str) -> Result<String, String> {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo");
    let issuer_text = std::fs::read_to_string(format!("{demo}/issuer.key"))
        .map_err(|e| format!("{demo}/issuer.key: {e}"))?;
    let issuer = tessera_core::keys::secret_key_from_text(&issuer_text)
        .map_err(|e| format!("issuer.key: {e}"))?;
    let portrait = std::fs::read(portrait_file).map_err(|e| format!("{portrait_file}: {e}"))?;
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?;
    let now = since_epoch.as_secs();
    // Salts and the one-off holder key from a generator seeded by the clock: a test code,
    // not a credential anyone relies on.
    let mut rng = DeterministicRng::new(since_epoch.as_nanos() as u64);
    let holder = ed25519_dalek::SigningKey::generate(&mut rng);
    let mut attributes = Attributes::default();
    attributes.set(AttrId::FamilyName, AttrValue::Text("林".into()));
    attributes.set(AttrId::GivenName, AttrValue::Text("美华".into()));
    attributes.set(AttrId::Portrait, AttrValue::Bytes(portrait));
    let cred = tessera_core::issue(
        &issuer,
        &IssueParams {
            holder: holder.verifying_key(),
            not_before: now.saturating_sub(60),
            expires: now + 86_400,
            status: StatusRef { list: 0, index: 1 },
            attributes,
        },
        &mut rng,
    )
    .map_err(|e| format!("{portrait_file}: {e}"))?;
    let presentation = tessera_core::present(
        &cred,
        &holder,
        &PresentRequest {
            disclose: &[AttrId::FamilyName, AttrId::GivenName, AttrId::Portrait],
            purpose: Purpose::CheckIn,
            counter_code: None,
            time: now,
        },
        &mut rng,
    )
    .map_err(|e| e.to_string())?;
    Ok(tessera_core::text::encode(&presentation))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [portrait_file] = &args[..] else {
        eprintln!("usage: portrait_code PORTRAIT_FILE");
        return ExitCode::from(2);
    };
    match run(portrait_file) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("portrait_code: {e}");
            ExitCode::FAILURE
        }
    }
}
