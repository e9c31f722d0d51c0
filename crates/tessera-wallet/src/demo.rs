//! The demo issuer from `assets/demo/`, embedded so the wallet can offer a demo ID anywhere.
//! Its keys are public demo keys: a demo credential proves nothing about anyone.

use ed25519_dalek::VerifyingKey;
use rand_core::CryptoRng;
use tessera_core::attributes::{AttrId, AttrValue, Attributes};
use tessera_core::batch::{BatchFile, BatchParams, BatchSeed, issue_batch};
use tessera_core::keys::secret_key_from_text;
use tessera_core::{HeldCredential, IssueParams, StatusRef, TrustList, UnixTime, issue};

use crate::wallet::{Wallet, WalletError};

/// The demo issuer's secret key file (a published demo key).
pub const ISSUER_KEY: &str = include_str!("../../../assets/demo/issuer.key");
/// The demo trust-list root public key file and the demo trust list (embedded once, in
/// tessera-ui, for both apps).
pub use tessera_ui::demo::{ROOT_PUB, TRUST_LIST};
/// The demo person.
pub const PERSON: &str = include_str!("../../../assets/demo/person.json");
/// The demo citizen's QR portrait (WebP, 48x64), as tessera-issuer derives it from
/// `assets/demo/portrait.jpg` (see docs/portrait.md).
pub const PORTRAIT: &[u8] = include_bytes!("../../../assets/demo/portrait.webp");

/// How long a demo credential is valid, in seconds (two years).
const VALIDITY: u64 = 2 * 365 * 86_400;

/// The demo trust list, checked against the demo root.
pub fn trust_list() -> Option<TrustList> {
    tessera_ui::demo::trust_list().ok()
}

/// The demo person's attributes, age flags computed as of `now`.
pub fn person(now: UnixTime) -> Attributes {
    let mut a = Attributes::default();
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(PERSON) {
        for (name, v) in map {
            let Some(id) = AttrId::from_name(&name) else {
                continue;
            };
            let value = match (id, v) {
                (AttrId::Portrait, _) => AttrValue::Bytes(PORTRAIT.to_vec()),
                (_, serde_json::Value::String(s)) => AttrValue::Text(s),
                (_, serde_json::Value::Number(n)) => AttrValue::Uint(n.as_u64().unwrap_or(0)),
                (_, serde_json::Value::Bool(b)) => AttrValue::Bool(b),
                _ => continue,
            };
            a.set(id, value);
        }
    }
    a.compute_age_flags(now);
    a
}

/// Issues a demo credential to `holder`, valid from `now` for two years (within the demo
/// key's window).
pub fn issue_demo<R: CryptoRng + ?Sized>(
    holder: &VerifyingKey,
    now: UnixTime,
    rng: &mut R,
) -> Option<HeldCredential> {
    let key = secret_key_from_text(ISSUER_KEY).ok()?;
    let list = trust_list()?;
    let window_end = list.issuers.first()?.keys.first()?.not_after;
    let expires = now.saturating_add(VALIDITY).min(window_end);
    let mut index = [0u8; 4];
    rng.fill_bytes(&mut index);
    issue(
        &key,
        &IssueParams {
            holder: *holder,
            not_before: now.saturating_sub(60),
            expires,
            // Demo credentials are not revocable: list 0 is never published.
            status: StatusRef {
                list: 0,
                index: u32::from_le_bytes(index) & 0x00FF_FFFF,
            },
            attributes: person(now),
        },
        rng,
    )
    .ok()
}

/// Issues a demo batch of `count` credentials to the device key `device`, valid from the
/// start of the day of `now` for two years (within the demo key's window), each with its own
/// random status index, as an issuer does for a batch request.
pub fn issue_demo_batch<R: CryptoRng + ?Sized>(
    device: &VerifyingKey,
    count: u32,
    now: UnixTime,
    rng: &mut R,
) -> Option<BatchFile> {
    let key = secret_key_from_text(ISSUER_KEY).ok()?;
    let list = trust_list()?;
    let window_end = list.issuers.first()?.keys.first()?.not_after;
    // Rounded to the day, so that every demo ID issued that day shares the values.
    let day = now - now % 86_400;
    let expires = day.saturating_add(VALIDITY).min(window_end);
    let statuses: Vec<StatusRef> = (0..count)
        .map(|_| {
            let mut index = [0u8; 4];
            rng.fill_bytes(&mut index);
            // Demo credentials are not revocable: list 0 is never published.
            StatusRef {
                list: 0,
                index: u32::from_le_bytes(index) & 0x00FF_FFFF,
            }
        })
        .collect();
    let attributes = person(now);
    issue_batch(
        &key,
        BatchSeed::generate(rng),
        &BatchParams {
            device: *device,
            not_before: day,
            expires,
            statuses: &statuses,
            attributes: &attributes,
        },
        rng,
    )
    .ok()
}

impl Wallet {
    /// Adds a demo ID for this wallet's device key (made if missing): a batch of
    /// [`BATCH_SIZE`](crate::wallet::BATCH_SIZE) credentials from the demo issuer, as an
    /// enrolment gives. Returns its id.
    pub fn add_demo<R: CryptoRng + ?Sized>(
        &self,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<String, WalletError> {
        let device = self.ensure_device_key(rng)?;
        let batch =
            issue_demo_batch(&device, crate::wallet::BATCH_SIZE, now, rng).ok_or_else(|| {
                WalletError::Damaged(
                    "demo issuer".into(),
                    "embedded demo assets are invalid".into(),
                )
            })?;
        self.import(&batch.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_demo_issuer_is_consistent() {
        let list = trust_list().expect("demo trust list verifies under the demo root");
        let key = secret_key_from_text(ISSUER_KEY).unwrap();
        assert_eq!(list.issuers[0].keys[0].key, key.verifying_key());
        let p = person(1_795_651_200);
        assert_eq!(p.get(AttrId::AgeOver18), Some(&AttrValue::Bool(true)));
        assert_eq!(
            p.get(AttrId::FamilyNameLatin),
            Some(&AttrValue::Text("LIN".into()))
        );
        assert!(
            matches!(p.get(AttrId::Portrait), Some(AttrValue::Bytes(b)) if b.starts_with(b"RIFF") && b.len() <= 500)
        );
        assert_eq!(p.0.len(), AttrId::ALL.len());
    }
}
