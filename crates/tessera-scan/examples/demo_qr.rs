//! Writes a QR code PNG of a fresh demo-ID presentation (made now, valid for 60 s), to try the
//! app without a wallet: `cargo run -p tessera-scan --example demo_qr -- demo.png [PURPOSE]`
//! with PURPOSE `age18`, `delivery`, `checkin`, `full` or `portrait` (names and portrait).
//! The demo issuer's keys are public: this proves nothing about anyone.

use ed25519_dalek::SigningKey;
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::{IssueParams, PresentRequest, StatusRef, issue, present, text};
use tessera_qr::{Ecc, EncodeOptions};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "demo.png".into());
    let which = args.next().unwrap_or_else(|| "portrait".into());
    let (disclose, purpose): (&[AttrId], Purpose) = match which.as_str() {
        "portrait" => (
            &[AttrId::FamilyName, AttrId::GivenName, AttrId::Portrait],
            Purpose::Custom,
        ),
        name => {
            let p = Purpose::from_name(name)
                .ok_or_else(|| anyhow::anyhow!("unknown purpose {name:?}"))?;
            (p.preset(), p)
        }
    };
    let now = tessera_scan::system_clock()();
    let mut seed = [0u8; 32];
    seed_from_clock(&mut seed, now);
    let mut rng =
        tessera_core::testing::DeterministicRng::new(u64::from_le_bytes(seed[..8].try_into()?));
    let issuer =
        tessera_core::keys::secret_key_from_text(include_str!("../../../assets/demo/issuer.key"))?;
    let holder = SigningKey::generate(&mut rng);
    let mut a = Attributes::default();
    let t = |s: &str| AttrValue::Text(s.into());
    a.set(AttrId::FamilyName, t("林"));
    a.set(AttrId::GivenName, t("美华"));
    a.set(AttrId::FamilyNameLatin, t("LIN"));
    a.set(AttrId::GivenNameLatin, t("MEIHUA"));
    a.set(AttrId::Sex, AttrValue::Uint(2));
    a.set(AttrId::Ethnicity, t("汉"));
    a.set(AttrId::BirthDate, t("1990-05-17"));
    a.set(AttrId::Address, t("幸福路 88 号 3 单元 501 室"));
    a.set(AttrId::IdNumber, t("110105199005171234"));
    a.set(AttrId::IssuingAuthority, t("示范市公安局"));
    a.set(
        AttrId::Portrait,
        AttrValue::Bytes(include_bytes!("../../../assets/demo/portrait.jpg").to_vec()),
    );
    a.compute_age_flags(now);
    let cred = issue(
        &issuer,
        &IssueParams {
            holder: holder.verifying_key(),
            not_before: now - 60,
            expires: now + 86_400,
            status: StatusRef { list: 0, index: 1 },
            attributes: a,
        },
        &mut rng,
    )?;
    let p = present(
        &cred,
        &holder,
        &PresentRequest {
            disclose,
            purpose,
            counter_code: None,
            time: now,
        },
        &mut rng,
    )?;
    let opts = EncodeOptions {
        max_version: 40,
        min_ecc: Ecc::L,
    };
    tessera_qr::encode(&text::encode(&p), &opts)?
        .to_image(4)
        .save(&out)?;
    println!("wrote {out} ({which}); scan it within 60 s");
    Ok(())
}

/// Seed material for a throw-away demo: the clock and the process id (the demo keys are
/// public anyway; nothing here protects anyone).
fn seed_from_clock(seed: &mut [u8; 32], now: u64) {
    let x = now ^ (u64::from(std::process::id()) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    seed[..8].copy_from_slice(&x.to_le_bytes());
}
