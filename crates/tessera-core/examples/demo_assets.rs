//! Writes the demo issuer of `assets/demo/`: keys marked as demo keys, a trust list that
//! trusts the demo issuer, and a drawn portrait. Run from the repository root:
//! `cargo run -p tessera-core --example demo_assets -- assets/demo`. The wallet embeds these
//! files; regenerating them changes the demo issuer (old demo credentials stop verifying).

use ed25519_dalek::SigningKey;
use image::{ImageBuffer, Rgb};
use rand_core::UnwrapErr;
use std::path::PathBuf;
use tessera_core::keys::{public_key_to_text, secret_key_to_text};
use tessera_core::{DOCTYPE_EID, TrustList, TrustedIssuer, TrustedKey};

const WARNING: &str = "DEMO KEY - published in the Tessera repository, trusted by nobody real.\n\
Never use it for real credentials.";

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "assets/demo".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let mut rng = UnwrapErr(getrandom::SysRng);
    let root = SigningKey::generate(&mut rng);
    let issuer = SigningKey::generate(&mut rng);
    // 2026-01-01 to 2036-01-01.
    let (from, to) = (1_767_225_600, 2_082_758_400);
    let list = TrustList {
        sequence: 1,
        issued_at: from,
        next_update: to,
        issuers: vec![TrustedIssuer {
            id: "demo.tessera".into(),
            name: "Tessera Demo ID Office (DEMO)".into(),
            doctypes: vec![DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(issuer.verifying_key(), from, to)],
        }],
    };
    std::fs::write(
        dir.join("root.key"),
        secret_key_to_text(&root, WARNING).as_bytes(),
    )?;
    std::fs::write(
        dir.join("root.pub"),
        public_key_to_text(&root.verifying_key(), "Demo trust-list root (DEMO)"),
    )?;
    std::fs::write(
        dir.join("issuer.key"),
        secret_key_to_text(&issuer, WARNING).as_bytes(),
    )?;
    std::fs::write(
        dir.join("issuer.pub"),
        public_key_to_text(&issuer.verifying_key(), "Demo issuer (DEMO)"),
    )?;
    std::fs::write(dir.join("trust-list.cbor"), list.sign(&root))?;

    // A calm, obviously drawn portrait: a silhouette on a soft background.
    let (w, h) = (96u32, 120u32);
    let img = ImageBuffer::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let head = ((fx - 48.0) / 20.0).powi(2) + ((fy - 46.0) / 24.0).powi(2) <= 1.0;
        let body = ((fx - 48.0) / 40.0).powi(2) + ((fy - 124.0) / 40.0).powi(2) <= 1.0;
        if head || body {
            Rgb([70u8, 86, 110])
        } else {
            let t = (fy / h as f32 * 40.0) as u8;
            Rgb([210 - t, 226 - t, 236 - t / 2])
        }
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 60)
        .encode_image(&img)
        .map_err(std::io::Error::other)?;
    std::fs::write(dir.join("portrait.jpg"), &jpeg)?;
    println!(
        "wrote demo issuer to {} (portrait {} bytes)",
        dir.display(),
        jpeg.len()
    );
    Ok(())
}
