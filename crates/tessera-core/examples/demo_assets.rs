//! Writes the demo issuer of `assets/demo/`: keys marked as demo keys, a trust list that
//! trusts the demo issuer, an all-valid status list for the demo credentials (list 0), and a
//! drawn portrait. Run from the repository root:
//! `cargo run -p tessera-core --example demo_assets -- assets/demo` makes a new demo issuer
//! (old demo credentials stop verifying); `... -- assets/demo --resign` keeps the keys and
//! only re-signs the trust list and status list as of today, so verifiers do not warn that the
//! demo trust data is old. The wallet and the scan app embed these files.

use ed25519_dalek::SigningKey;
use image::{ImageBuffer, Rgb};
use rand_core::UnwrapErr;
use std::path::PathBuf;
use tessera_core::keys::{public_key_to_text, secret_key_from_text, secret_key_to_text};
use tessera_core::{DOCTYPE_EID, StatusList, TrustList, TrustedIssuer, TrustedKey};

const WARNING: &str = "DEMO KEY - published in the Tessera repository, trusted by nobody real.\n\
Never use it for real credentials.";

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "assets/demo".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let resign = std::env::args().any(|a| a == "--resign");
    let mut rng = UnwrapErr(getrandom::SysRng);
    let read_key = |name: &str| -> std::io::Result<SigningKey> {
        let text = std::fs::read_to_string(dir.join(name))?;
        secret_key_from_text(&text).map_err(std::io::Error::other)
    };
    let (root, issuer) = if resign {
        (read_key("root.key")?, read_key("issuer.key")?)
    } else {
        (
            SigningKey::generate(&mut rng),
            SigningKey::generate(&mut rng),
        )
    };
    // Keys trusted 2026-01-01 to 2036-01-01; data issued at the start of today (UTC).
    let (from, to) = (1_767_225_600, 2_082_758_400);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(std::io::Error::other)?
        .as_secs();
    let today = now - now % 86_400;
    let sequence = if resign {
        let old = std::fs::read(dir.join("trust-list.cbor"))?;
        TrustList::from_signed(&old, &root.verifying_key())
            .map(|l| l.sequence + 1)
            .map_err(std::io::Error::other)?
    } else {
        1
    };
    let list = TrustList {
        sequence,
        issued_at: today,
        next_update: to,
        issuers: vec![TrustedIssuer {
            id: "demo.tessera".into(),
            name: "Tessera Demo ID Office (DEMO)".into(),
            doctypes: vec![DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(issuer.verifying_key(), from, to)],
        }],
    };
    // Demo credentials carry status list 0 with an index below 2^24: all valid, for ten years.
    let status = StatusList::new("demo.tessera", 0, 2, 1 << 24, today, to - today);
    std::fs::create_dir_all(dir.join("status"))?;
    std::fs::write(dir.join("status/0.cbor"), status.sign(&issuer))?;
    std::fs::write(dir.join("trust-list.cbor"), list.sign(&root))?;
    if resign {
        println!("re-signed the demo trust list (sequence {sequence}) and status list");
        return Ok(());
    }
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
