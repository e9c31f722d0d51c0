//! Prints the QR size of each disclosure preset, and what the other attribute commitments
//! would cost: `cargo run -p tessera-core --example sizes`. The table in docs/format.md comes
//! from this program.

use ed25519_dalek::SigningKey;
use qrcode::{EcLevel, QrCode};
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::merkle::{self, BALANCED_SHAPE, EID_SHAPE};
use tessera_core::{IssueParams, PresentRequest, StatusRef, issue, present, text};

fn main() {
    let mut rng = UnwrapErr(getrandom::SysRng);
    let issuer = SigningKey::generate(&mut rng);
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
    a.set(AttrId::Address, t("示范市幸福路 88 号 3 单元 501 室"));
    a.set(AttrId::IdNumber, t("110105199005171234"));
    a.set(AttrId::IssuingAuthority, t("示范市公安局"));
    a.compute_age_flags(1_795_651_200);
    let cred = issue(
        &issuer,
        &IssueParams {
            holder: holder.verifying_key(),
            not_before: 1_795_651_200,
            expires: 1_795_651_200 + 5 * 365 * 86_400,
            status: StatusRef {
                list: 1,
                index: 123_456,
            },
            attributes: a,
        },
        &mut rng,
    )
    .expect("issue");
    let leaves: [merkle::Hash; 16] = std::array::from_fn(|i| cred.leaves()[i].hash());
    println!(
        "credential file: {} bytes (issuer COSE_Sign1 {} bytes)",
        cred.to_vec().len(),
        cred.cose_bytes().len()
    );
    println!(
        "| preset | shaped tree: bytes | base45 chars | QR version (M) | balanced tree: bytes | version | flat digest list: bytes | version |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for purpose in [
        Purpose::Age18,
        Purpose::Delivery,
        Purpose::CheckIn,
        Purpose::Full,
    ] {
        let p = present(
            &cred,
            &holder,
            &PresentRequest {
                disclose: purpose.preset(),
                purpose,
                counter_code: None,
                time: 1_795_651_200,
            },
            &mut rng,
        )
        .expect("present");
        let slots: Vec<u8> = purpose.preset().iter().map(|a| a.slot()).collect();
        let shaped = merkle::prove(&EID_SHAPE, &leaves, &slots).len() as i64;
        let balanced = merkle::prove(&BALANCED_SHAPE, &leaves, &slots).len() as i64;
        let n = p.len() as i64;
        // Same encoding, other commitment: each proof hash costs 34 bytes (bstr header + 32);
        // a flat list puts 16 digests (1 + 16 * 34 bytes + 1 key byte) into every credential.
        let qr = text::encode(&p);
        let balanced_len = n + 34 * (balanced - shaped);
        let flat_len = n - 34 * shaped + 1 + 16 * 34 + 1;
        let version = |bytes: i64| {
            let chars = 4 + (bytes as usize).div_ceil(2) * 3 - (bytes as usize % 2);
            // Measured on the real text where we have it, on a same-length stand-in otherwise.
            let s = if chars == qr.len() {
                qr.clone()
            } else {
                "A".repeat(chars)
            };
            QrCode::with_error_correction_level(s.as_bytes(), EcLevel::M)
                .map(|c| match c.version() {
                    qrcode::Version::Normal(v) => v.to_string(),
                    qrcode::Version::Micro(v) => format!("M{v}"),
                })
                .unwrap_or_else(|_| "too big".into())
        };
        println!(
            "| {purpose} | {n} | {} | {} | {balanced_len} | {} | {flat_len} | {} |",
            qr.len(),
            version(n),
            version(balanced_len),
            version(flat_len)
        );
    }
}
