//! The presentation: what the wallet shows as a QR code, and its verification.
//!
//! A presentation is the CBOR array `[credential, disclosures, proof, holder_signature]`:
//! the issuer's COSE_Sign1 exactly as issued, the disclosed leaves, the proof hashes that
//! rebuild the attribute root, and a COSE_Sign1 by the holder's device key over the
//! presentation time, a nonce, the purpose and (as external AAD, never transmitted) the
//! counter code and everything else in the presentation. See docs/format.md.

use crate::attributes::{AttrId, AttrValue, Purpose};
pub use crate::batch::HolderSigner;
use crate::cbor::{self, Malformed};
use crate::credential::{HeldCredential, Leaf, parse_issuer_cose};
use crate::merkle::{self, EID_SHAPE, Hash};
use crate::reason::Reason;
use crate::trust::{IssuerLookup, verify_sign1};
use crate::{StatusRef, UnixTime, text};
use ciborium::value::Value;
use coset::{AsCborValue, CoseSign1, CoseSign1Builder, HeaderBuilder, iana};
use ed25519_dalek::SigningKey;
use rand_core::CryptoRng;
use std::fmt;
use thiserror::Error;

/// Largest presentation accepted, in bytes: what fits the longest QR text,
/// [`text::MAX_TEXT_LEN`] (4,296) characters including the 4 of `TS1:`. 4,292 base45
/// characters are 1,430 groups of three (2,860 bytes) and two characters left (one byte).
pub const MAX_PRESENTATION_LEN: usize = 2861;

/// Length of the presentation nonce in bytes.
pub const NONCE_LEN: usize = 8;

/// Longest counter code, in characters.
pub const MAX_COUNTER_CODE_LEN: usize = 16;

/// The context string that starts the holder signature's external AAD.
const AAD_CONTEXT: &str = "TS1";

/// The holder COSE_Sign1's protected header: `{1: -8}`.
const HOLDER_PROTECTED: [u8; 3] = [0xA1, 0x01, 0x27];

/// What the wallet is asked to present.
#[derive(Clone, Debug)]
pub struct PresentRequest<'a> {
    /// The items to disclose.
    pub disclose: &'a [AttrId],
    /// The purpose, signed and shown to the verifier.
    pub purpose: Purpose,
    /// The code a counter shows, typed in by the citizen; binds the QR to that counter.
    pub counter_code: Option<&'a str>,
    /// The presentation time (the wallet's clock).
    pub time: UnixTime,
}

/// Why a presentation could not be made.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PresentError {
    /// The holder key given is not the one the credential is bound to.
    #[error("this credential is bound to another device key")]
    WrongHolderKey,
    /// Nothing to disclose.
    #[error("choose at least one item to disclose")]
    NothingDisclosed,
    /// The credential has no value for an item.
    #[error("the credential has no {0}")]
    NotInCredential(AttrId),
    /// The counter code is not 1 to 16 letters or digits.
    #[error("counter code {0:?} must be 1 to 16 letters or digits")]
    BadCounterCode(String),
}

/// Normalises a counter code as typed: spaces and dashes dropped, upper case. Returns `None`
/// unless 1 to 16 ASCII letters or digits remain.
pub fn normalize_counter_code(code: &str) -> Option<String> {
    let c: String = code
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!c.is_empty()
        && c.len() <= MAX_COUNTER_CODE_LEN
        && c.chars().all(|c| c.is_ascii_alphanumeric()))
    .then_some(c)
}

fn holder_aad(code: Option<&str>, cred: &Value, disclosures: &Value, proof: &Value) -> Vec<u8> {
    cbor::encode(&Value::Array(vec![
        Value::Text(AAD_CONTEXT.into()),
        code.map_or(Value::Null, |c| Value::Text(c.into())),
        cred.clone(),
        disclosures.clone(),
        proof.clone(),
    ]))
}

/// Makes a presentation (CBOR bytes; see [`crate::text::encode`] for the QR text) signed by
/// the device key itself: [`present_with`] for a credential bound to that key.
pub fn present<R: CryptoRng + ?Sized>(
    cred: &HeldCredential,
    holder: &SigningKey,
    req: &PresentRequest<'_>,
    rng: &mut R,
) -> Result<Vec<u8>, PresentError> {
    present_with(cred, holder, req, rng)
}

/// Makes a presentation whose holder signature `signer` makes: a [`SigningKey`] for a
/// credential bound to the device key, a [`crate::batch::BatchSigner`] for credential `i` of
/// a batch. The arguments are [`present`]'s, with `signer` in the place of the device key.
/// Fails with [`PresentError::WrongHolderKey`] if `signer` does not sign for the credential's
/// key.
pub fn present_with<R: CryptoRng + ?Sized, S: HolderSigner + ?Sized>(
    cred: &HeldCredential,
    signer: &S,
    req: &PresentRequest<'_>,
    rng: &mut R,
) -> Result<Vec<u8>, PresentError> {
    if signer.holder_key() != cred.claims().holder {
        return Err(PresentError::WrongHolderKey);
    }
    present_signed_by(cred, req, rng, |tbs| {
        signer.sign_holder(tbs).to_bytes().to_vec()
    })
}

/// [`present`] with the holder signature made by `sign` over the COSE `Sig_structure` bytes.
pub(crate) fn present_signed_by<R: CryptoRng + ?Sized>(
    cred: &HeldCredential,
    req: &PresentRequest<'_>,
    rng: &mut R,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Result<Vec<u8>, PresentError> {
    if req.disclose.is_empty() {
        return Err(PresentError::NothingDisclosed);
    }
    let code = match req.counter_code {
        None => None,
        Some(c) => {
            Some(normalize_counter_code(c).ok_or_else(|| PresentError::BadCounterCode(c.into()))?)
        }
    };
    let mut slots: Vec<u8> = req.disclose.iter().map(|a| a.slot()).collect();
    slots.sort_unstable();
    slots.dedup();
    let leaves = cred.leaves();
    let mut disclosed = Vec::with_capacity(slots.len());
    for &s in &slots {
        let leaf = &leaves[usize::from(s) - 1];
        if leaf.value.is_none() {
            return Err(PresentError::NotInCredential(
                AttrId::from_slot(s).unwrap_or(AttrId::FamilyName),
            ));
        }
        disclosed.push(leaf.to_value());
    }
    let hashes: [Hash; merkle::SLOTS as usize] = std::array::from_fn(|i| leaves[i].hash());
    let proof = merkle::prove(&EID_SHAPE, &hashes, &slots);

    let cred_v = Value::Bytes(cred.cose_bytes().to_vec());
    let disclosures_v = Value::Array(disclosed);
    let proof_v = Value::Array(proof.iter().map(|h| Value::Bytes(h.to_vec())).collect());

    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let payload = cbor::encode(&Value::Array(vec![
        cbor::uint(req.time),
        Value::Bytes(nonce.to_vec()),
        cbor::uint(req.purpose.code()),
        Value::Bool(code.is_some()),
    ]));
    let aad = holder_aad(code.as_deref(), &cred_v, &disclosures_v, &proof_v);
    let holder_sign1 = CoseSign1Builder::new()
        .protected(
            HeaderBuilder::new()
                .algorithm(iana::Algorithm::EdDSA)
                .build(),
        )
        .payload(payload)
        .create_signature(&aad, sign)
        .build();
    let holder_v = holder_sign1.to_cbor_value().unwrap_or(Value::Null);
    Ok(cbor::encode(&Value::Array(vec![
        cred_v,
        disclosures_v,
        proof_v,
        holder_v,
    ])))
}

/// How a verifier judges time and counter codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// The verifier's clock.
    pub now: UnixTime,
    /// How long a presentation is accepted after it was made, in seconds (default 60).
    pub lifetime: u64,
    /// Allowed clock difference between wallet and verifier, in seconds (default 30).
    pub skew: u64,
    /// The code this counter shows, if it uses one.
    pub counter_code: Option<String>,
}

impl VerifyPolicy {
    /// The default policy at time `now`: 60 s lifetime, 30 s skew, no counter code.
    pub fn at(now: UnixTime) -> VerifyPolicy {
        VerifyPolicy {
            now,
            lifetime: 60,
            skew: 30,
            counter_code: None,
        }
    }
}

/// A rejected presentation: the reason and what exactly was wrong.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub struct Rejection {
    reason: Reason,
    detail: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason.describe(), self.detail)
    }
}

impl Rejection {
    /// A rejection for `reason` with details.
    pub fn new(reason: Reason, detail: impl Into<String>) -> Rejection {
        Rejection {
            reason,
            detail: detail.into(),
        }
    }

    /// The verdict reason.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// What exactly was wrong (technical).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

fn malformed(m: Malformed) -> Rejection {
    Rejection::new(Reason::Malformed, m)
}

/// A presentation that passed every check the core can make. Only [`verify`] constructs it.
/// Revocation, replay and trust-data age are the verifier's policy (tessera-verifier).
/// `#[non_exhaustive]` keeps other crates from building one by hand.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPresentation {
    /// Issuer identifier from the trust list.
    pub issuer_id: String,
    /// Issuer name from the trust list.
    pub issuer_name: String,
    /// The issuer key id.
    pub kid: [u8; 8],
    /// The disclosed items, in slot order.
    pub disclosed: Vec<(AttrId, AttrValue)>,
    /// The purpose the holder signed.
    pub purpose: Purpose,
    /// When the wallet made the presentation.
    pub presented_at: UnixTime,
    /// The presentation nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The holder signature: unique per presentation, the key of the replay cache.
    pub holder_signature: [u8; 64],
    /// Until when this presentation is acceptable (time + lifetime + skew): how long a replay
    /// cache must remember it.
    pub accept_until: UnixTime,
    /// The credential's status reference.
    pub status: StatusRef,
    /// The credential's validity window.
    pub valid_from: UnixTime,
    /// End of the credential's validity.
    pub valid_until: UnixTime,
    /// Whether the presentation was bound to this counter's code.
    pub counter_bound: bool,
}

impl VerifiedPresentation {
    /// The value of a disclosed item.
    pub fn get(&self, id: AttrId) -> Option<&AttrValue> {
        self.disclosed
            .iter()
            .find(|(a, _)| *a == id)
            .map(|(_, v)| v)
    }
}

/// Verifies QR text (`TS1:` + base45) as [`verify`] does.
pub fn verify_text(
    text: &str,
    trust: &impl IssuerLookup,
    policy: &VerifyPolicy,
) -> Result<VerifiedPresentation, Rejection> {
    let bytes = text::decode(text).map_err(|e| malformed(e.to_string()))?;
    verify(&bytes, trust, policy)
}

/// Verifies a presentation: structure, issuer, both signatures, validity, freshness and the
/// counter code. Signatures are checked with `verify_strict` over the exact bytes received.
pub fn verify(
    bytes: &[u8],
    trust: &impl IssuerLookup,
    policy: &VerifyPolicy,
) -> Result<VerifiedPresentation, Rejection> {
    if bytes.len() > MAX_PRESENTATION_LEN {
        return Err(malformed(format!(
            "presentation is {} bytes; at most {MAX_PRESENTATION_LEN} are accepted",
            bytes.len()
        )));
    }
    let top = cbor::decode_canonical(bytes, "presentation").map_err(malformed)?;
    let parts = cbor::as_array_len(&top, 4, "presentation").map_err(malformed)?;

    // The issuer's credential, and who signed it.
    let cred_bytes = cbor::as_bytes(&parts[0], "credential").map_err(malformed)?;
    let (kid, issuer_msg, claims) = parse_issuer_cose(cred_bytes).map_err(malformed)?;
    let (issuer, key) = trust.find_key(&kid).ok_or_else(|| {
        Rejection::new(
            Reason::UnknownIssuer,
            format!(
                "no trusted issuer key has kid {}",
                crate::keys::to_hex(&kid)
            ),
        )
    })?;
    if !issuer.doctypes.contains(&claims.doctype) {
        return Err(Rejection::new(
            Reason::UnknownIssuer,
            format!("issuer {} is not trusted for {}", issuer.id, claims.doctype),
        ));
    }

    // Disclosures and proof rebuild the attribute root.
    let dv = cbor::as_array(&parts[1], "disclosures").map_err(malformed)?;
    if dv.is_empty() || dv.len() > AttrId::ALL.len() {
        return Err(malformed(format!(
            "{} disclosures; expected 1 to 14",
            dv.len()
        )));
    }
    let mut disclosed = Vec::with_capacity(dv.len());
    let mut leaf_hashes = Vec::with_capacity(dv.len());
    for v in dv {
        let leaf = Leaf::from_value(v, false).map_err(malformed)?;
        if leaf_hashes.last().is_some_and(|(s, _)| *s >= leaf.slot) {
            return Err(malformed(
                "disclosures must be in strictly increasing slot order".into(),
            ));
        }
        leaf_hashes.push((leaf.slot, merkle::leaf_hash(&cbor::encode(v))));
        if let (Some(id), Some(value)) = (AttrId::from_slot(leaf.slot), leaf.value) {
            disclosed.push((id, value));
        }
    }
    let portrait = disclosed.iter().find(|(a, _)| *a == AttrId::Portrait);
    if let Some((_, AttrValue::Bytes(b))) = portrait {
        crate::portrait::check_issued(b, claims.not_before)
            .map_err(|e| malformed(format!("portrait: {e}")))?;
    }
    let pv = cbor::as_array(&parts[2], "proof").map_err(malformed)?;
    let proof: Vec<Hash> = pv
        .iter()
        .map(|h| cbor::as_fixed::<32>(h, "proof hash"))
        .collect::<Result<_, _>>()
        .map_err(malformed)?;
    let root = merkle::root_from_proof(&EID_SHAPE, &leaf_hashes, &proof)
        .map_err(|e| malformed(e.into()))?;
    if !verify_sign1(&issuer_msg, &key.key, &root) {
        return Err(Rejection::new(
            Reason::BadIssuerSignature,
            "issuer signature does not verify over these claims and disclosed items",
        ));
    }

    // The holder's signature.
    let holder_msg = CoseSign1::from_cbor_value(parts[3].clone())
        .map_err(|e| malformed(format!("holder cose_sign1: {e}")))?;
    if holder_msg.protected.original_data.as_deref() != Some(&HOLDER_PROTECTED[..])
        || !holder_msg.unprotected.is_empty()
    {
        return Err(malformed(
            "holder cose_sign1: headers must be exactly protected {1: -8} and unprotected {}"
                .into(),
        ));
    }
    let hp = holder_msg
        .payload
        .as_deref()
        .ok_or_else(|| malformed("holder cose_sign1: payload is missing".into()))?;
    let hv = cbor::decode_canonical(hp, "holder payload").map_err(malformed)?;
    let h = cbor::as_array_len(&hv, 4, "holder payload").map_err(malformed)?;
    let presented_at = cbor::as_u64(&h[0], "presentation time").map_err(malformed)?;
    let nonce: [u8; NONCE_LEN] = cbor::as_fixed(&h[1], "nonce").map_err(malformed)?;
    let purpose = Purpose::from_code(cbor::as_u64(&h[2], "purpose").map_err(malformed)?)
        .ok_or_else(|| malformed("unknown purpose code".into()))?;
    let counter_bound = cbor::as_bool(&h[3], "counter code flag").map_err(malformed)?;
    let holder_signature: [u8; 64] = holder_msg
        .signature
        .as_slice()
        .try_into()
        .map_err(|_| malformed("holder signature must be 64 bytes".into()))?;

    let expected_code = policy
        .counter_code
        .as_deref()
        .map(|c| normalize_counter_code(c).unwrap_or_default());
    match (counter_bound, &expected_code) {
        (true, None) => {
            return Err(Rejection::new(
                Reason::WrongCounterCode,
                "the code is bound to a counter code; this verifier has none set",
            ));
        }
        (false, Some(_)) => {
            return Err(Rejection::new(
                Reason::WrongCounterCode,
                "this counter requires its code to be entered in the wallet",
            ));
        }
        _ => {}
    }
    let aad = holder_aad(expected_code.as_deref(), &parts[0], &parts[1], &parts[2]);
    if !verify_sign1(&holder_msg, &claims.holder, &aad) {
        return Err(if counter_bound {
            Rejection::new(
                Reason::WrongCounterCode,
                "holder signature does not verify with this counter's code",
            )
        } else {
            Rejection::new(
                Reason::BadHolderSignature,
                "holder signature does not verify under the credential's holder key",
            )
        });
    }

    // Time: issuer key window, credential validity, presentation freshness.
    let now = policy.now;
    if !key.valid_at(now) {
        return Err(Rejection::new(
            Reason::IssuerKeyNotValid,
            format!(
                "issuer key {} is trusted from {} to {}, not at {now}",
                crate::keys::to_hex(&kid),
                key.not_before,
                key.not_after
            ),
        ));
    }
    if now < claims.not_before {
        return Err(Rejection::new(
            Reason::NotYetValid,
            format!("valid from {}, now {now}", claims.not_before),
        ));
    }
    if now >= claims.expires {
        return Err(Rejection::new(
            Reason::Expired,
            format!("expired at {}, now {now}", claims.expires),
        ));
    }
    if presented_at > now.saturating_add(policy.skew) {
        return Err(Rejection::new(
            Reason::FromFuture,
            format!(
                "made {} s ahead of this clock; {} s allowed",
                presented_at - now,
                policy.skew
            ),
        ));
    }
    let accept_until = presented_at
        .saturating_add(policy.lifetime)
        .saturating_add(policy.skew);
    if now > accept_until {
        return Err(Rejection::new(
            Reason::TooOld,
            format!(
                "made {} s ago; accepted for {} s plus {} s skew",
                now - presented_at,
                policy.lifetime,
                policy.skew
            ),
        ));
    }

    Ok(VerifiedPresentation {
        issuer_id: issuer.id.clone(),
        issuer_name: issuer.name.clone(),
        kid,
        disclosed,
        purpose,
        presented_at,
        nonce,
        holder_signature,
        accept_until,
        status: claims.status,
        valid_from: claims.not_before,
        valid_until: claims.expires,
        counter_bound,
    })
}
