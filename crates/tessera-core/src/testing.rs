//! A deterministic random-number generator for tests, test vectors and the worked example in
//! docs/format.md. It is predictable by design: never use it for keys, salts or nonces that
//! protect anyone.

use rand_core::{Infallible, TryCryptoRng, TryRng};

/// xorshift64: reproducible bytes from a seed.
#[derive(Clone, Debug)]
pub struct DeterministicRng(u64);

impl DeterministicRng {
    /// A generator from a seed (0 is replaced by a fixed non-zero value).
    pub fn new(seed: u64) -> DeterministicRng {
        DeterministicRng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }
}

impl TryRng for DeterministicRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for b in dst {
            *b = (self.try_next_u64()? >> 24) as u8;
        }
        Ok(())
    }
}

/// Marked as cryptographic only so that the API under test accepts it; it is not.
impl TryCryptoRng for DeterministicRng {}

/// A fixed test time: 2026-11-26T00:00:00Z.
pub const TEST_NOW: crate::UnixTime = 1_795_651_200;

/// Seconds in a day.
pub const DAY: u64 = 86_400;

/// A fictional citizen with every attribute but the portrait; age flags as of `at`.
pub fn sample_person(at: crate::UnixTime) -> crate::Attributes {
    use crate::attributes::{AttrId, AttrValue};
    let mut a = crate::Attributes::default();
    let t = |s: &str| AttrValue::Text(s.into());
    a.set(AttrId::FamilyName, t("林"));
    a.set(AttrId::GivenName, t("美华"));
    a.set(AttrId::FamilyNameLatin, t("LIN"));
    a.set(AttrId::GivenNameLatin, t("MEIHUA"));
    a.set(AttrId::Sex, AttrValue::Uint(2));
    a.set(AttrId::Ethnicity, t("汉"));
    a.set(AttrId::BirthDate, t("1990-05-17"));
    a.set(AttrId::Address, t("示范市幸福路 88 号 3 单元 501 室"));
    a.set(AttrId::IdNumber, t("DEMO000000000001"));
    a.set(AttrId::IssuingAuthority, t("示范市公安局"));
    a.compute_age_flags(at);
    a
}

/// Issues [`sample_person`] (age flags as of `not_before`) on status list 1.
pub fn issue_sample(
    issuer: &ed25519_dalek::SigningKey,
    holder: &ed25519_dalek::SigningKey,
    not_before: crate::UnixTime,
    expires: crate::UnixTime,
    index: u32,
    rng: &mut DeterministicRng,
) -> crate::HeldCredential {
    crate::issue(
        issuer,
        &crate::IssueParams {
            holder: holder.verifying_key(),
            not_before,
            expires,
            status: crate::StatusRef { list: 1, index },
            attributes: sample_person(not_before),
        },
        rng,
    )
    .unwrap_or_else(|e| panic!("test fixture: {e}"))
}

/// Issues a credential without the checks [`crate::issue`] makes (text rule, weak holder
/// keys), as a dishonest or broken issuer could: only to make test vectors of what verifiers
/// must refuse.
pub fn issue_unchecked(
    issuer: &ed25519_dalek::SigningKey,
    params: &crate::IssueParams,
    rng: &mut DeterministicRng,
) -> Result<crate::HeldCredential, crate::IssueError> {
    crate::credential::issue_unchecked(issuer, params, rng)
}

/// Makes a presentation whose holder signature is whatever `sign` returns for the COSE
/// `Sig_structure` bytes, with no holder key: for test vectors of forged signatures (for
/// example R = identity, S = 0 under a small-order holder key).
pub fn present_with_signature(
    cred: &crate::HeldCredential,
    req: &crate::PresentRequest<'_>,
    rng: &mut DeterministicRng,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Result<Vec<u8>, crate::PresentError> {
    crate::presentation::present_signed_by(cred, req, rng, sign)
}

/// A test world: an issuer trusted by a trust list, a holder, and a credential issued to the
/// holder (valid from a day before [`TEST_NOW`] for a year, status list 1 index 42), all made
/// from one seed.
pub struct Fixture {
    /// The generator the fixture was made with; further draws continue from it.
    pub rng: DeterministicRng,
    /// The issuer's key.
    pub issuer: ed25519_dalek::SigningKey,
    /// The holder's device key.
    pub holder: ed25519_dalek::SigningKey,
    /// A trust list (issuer `test.tessera`) holding the issuer key.
    pub trust: crate::TrustList,
    /// The holder's credential.
    pub cred: crate::HeldCredential,
}

impl Fixture {
    /// A fixture from `seed` whose credential holds [`sample_person`].
    pub fn new(seed: u64) -> Fixture {
        Fixture::with_attributes(seed, sample_person(TEST_NOW - DAY))
    }

    /// A fixture from `seed` whose credential holds `attributes` as given (age flags
    /// included: compute them, or not, before).
    pub fn with_attributes(seed: u64, attributes: crate::Attributes) -> Fixture {
        let mut rng = DeterministicRng::new(seed);
        let issuer = ed25519_dalek::SigningKey::generate(&mut rng);
        let holder = ed25519_dalek::SigningKey::generate(&mut rng);
        let trust = trust_list(&issuer.verifying_key());
        let cred = crate::issue(
            &issuer,
            &crate::IssueParams {
                holder: holder.verifying_key(),
                not_before: TEST_NOW - DAY,
                expires: TEST_NOW + 365 * DAY,
                status: crate::StatusRef { list: 1, index: 42 },
                attributes,
            },
            &mut rng,
        )
        .unwrap_or_else(|e| panic!("test fixture: {e}"));
        Fixture {
            rng,
            issuer,
            holder,
            trust,
            cred,
        }
    }

    /// Presents the fixture's credential at `time`, disclosing `disclose`.
    pub fn present(
        &mut self,
        disclose: &[crate::attributes::AttrId],
        purpose: crate::Purpose,
        counter_code: Option<&str>,
        time: crate::UnixTime,
    ) -> Vec<u8> {
        crate::present(
            &self.cred,
            &self.holder,
            &crate::PresentRequest {
                disclose,
                purpose,
                counter_code,
                time,
            },
            &mut self.rng,
        )
        .unwrap_or_else(|e| panic!("test fixture: {e}"))
    }

    /// Presents the fixture's credential with a preset at `time`.
    pub fn show(
        &mut self,
        purpose: crate::Purpose,
        counter_code: Option<&str>,
        time: crate::UnixTime,
    ) -> Vec<u8> {
        self.present(purpose.preset(), purpose, counter_code, time)
    }
}

/// The trust list of [`Fixture`]: sequence 1, issued a day before [`TEST_NOW`], next update
/// 30 days after it, one issuer `test.tessera` ("Test City ID Office") holding `issuer`,
/// valid from 400 days before [`TEST_NOW`] for ten years.
fn trust_list(issuer: &ed25519_dalek::VerifyingKey) -> crate::TrustList {
    use crate::{TrustList, TrustedIssuer, TrustedKey};
    TrustList {
        sequence: 1,
        issued_at: TEST_NOW - DAY,
        next_update: TEST_NOW + 30 * DAY,
        issuers: vec![TrustedIssuer {
            id: "test.tessera".into(),
            name: "Test City ID Office".into(),
            doctypes: vec![crate::DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(
                *issuer,
                TEST_NOW - 400 * DAY,
                TEST_NOW + 3650 * DAY,
            )],
        }],
    }
}

fn wrap(hex: &str) -> String {
    hex.as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn section(out: &mut String, title: &str, note: &str, bytes: &[u8]) {
    use std::fmt::Write as _;
    let _ = write!(out, "### {title}\n\n");
    if !note.is_empty() {
        let _ = write!(out, "{note}\n\n");
    }
    let _ = write!(
        out,
        "{} bytes:\n\n```\n{}\n```\n\n",
        bytes.len(),
        wrap(&crate::keys::to_hex(bytes))
    );
}

fn enc(v: &ciborium::Value) -> Vec<u8> {
    let mut e = Vec::new();
    let _ = ciborium::into_writer(v, &mut e);
    e
}

/// The worked example of docs/format-example.md, made from fixed seeds: every structure of
/// an age-check presentation in hex, with the bytes each signature covers. A test keeps the
/// document equal to this output.
pub fn format_example() -> String {
    use crate::attributes::{AttrId, AttrValue, Attributes, Purpose};
    use crate::{IssueParams, PresentRequest, StatusRef, issue, present, text};
    use coset::{AsCborValue, CoseSign1, TaggedCborSerializable};
    use ed25519_dalek::SigningKey;

    let mut rng = DeterministicRng::new(1);
    let issuer = SigningKey::generate(&mut rng);
    let holder = SigningKey::generate(&mut rng);
    let mut a = Attributes::default();
    a.set(AttrId::FamilyName, AttrValue::Text("林".into()));
    a.set(AttrId::GivenName, AttrValue::Text("美华".into()));
    a.set(AttrId::BirthDate, AttrValue::Text("1990-05-17".into()));
    let now = 1_795_651_200;
    a.compute_age_flags(now);
    let Ok(cred) = issue(
        &issuer,
        &IssueParams {
            holder: holder.verifying_key(),
            not_before: now,
            expires: now + 365 * 86_400,
            status: StatusRef { list: 1, index: 42 },
            attributes: a,
        },
        &mut rng,
    ) else {
        return String::new();
    };
    let Ok(p) = present(
        &cred,
        &holder,
        &PresentRequest {
            disclose: &[AttrId::AgeOver18],
            purpose: Purpose::Age18,
            counter_code: None,
            time: now + 10,
        },
        &mut rng,
    ) else {
        return String::new();
    };
    let msg = CoseSign1::from_tagged_slice(cred.cose_bytes()).unwrap_or_default();
    let root = cred.root();

    let mut out = String::from(
        "# Worked example\n\nWritten by `cargo run -p tessera-core --example format_example > \
         docs/format-example.md` from fixed seeds (the deterministic test generator: these keys \
         are public, never use them). A test keeps this file equal to the program's output. \
         Times: nbf 1795651200 (2026-11-26T00:00:00Z), presented 10 s later. See \
         [format.md](format.md) for the meaning of every field.\n\n",
    );
    section(
        &mut out,
        "Issuer key pair",
        "Ed25519 seed (32 bytes) then public key (32 bytes).",
        &[
            issuer.to_bytes().as_slice(),
            issuer.verifying_key().as_bytes(),
        ]
        .concat(),
    );
    section(
        &mut out,
        "Issuer kid",
        "First 8 bytes of SHA-256(\"tessera.kid\" || issuer public key).",
        &cred.kid(),
    );
    section(
        &mut out,
        "Holder public key",
        "",
        holder.verifying_key().as_bytes(),
    );
    for slot in [1usize, 2, 7, 13, 15] {
        let l = &cred.leaves()[slot - 1];
        section(
            &mut out,
            &format!("Leaf, slot {slot}"),
            &format!(
                "CBOR `[slot, salt, value]` with value {:?}; leaf hash = SHA-256(0x00 || leaf) = `{}`.",
                l.value,
                crate::keys::to_hex(&l.hash())
            ),
            &enc(&l.to_value()),
        );
    }
    section(
        &mut out,
        "Attribute root",
        "Root of the fixed tree over all 16 leaf hashes; the issuer signature's external AAD.",
        &root,
    );
    section(
        &mut out,
        "Issuer protected header",
        "`{1: -8, 4: kid}`",
        msg.protected.original_data.as_deref().unwrap_or_default(),
    );
    section(
        &mut out,
        "Claims (issuer payload)",
        "`{4: exp, 5: nbf, 8: {1: COSE_Key}, -1: doctype, -2: [list, index]}`",
        msg.payload.as_deref().unwrap_or_default(),
    );
    section(
        &mut out,
        "Issuer Sig_structure: the exact bytes the issuer signs",
        "`[\"Signature1\", protected, external_aad = root, payload]` (RFC 9052, section 4.4).",
        &msg.tbs_data(&root),
    );
    section(&mut out, "Issuer signature", "", &msg.signature);
    section(
        &mut out,
        "Credential: tagged COSE_Sign1",
        "What the issuer signs and every presentation carries unchanged.",
        cred.cose_bytes(),
    );
    let parts = ciborium::from_reader::<ciborium::Value, _>(&p[..])
        .ok()
        .and_then(|v| v.into_array().ok())
        .unwrap_or_default();
    if let [credential, disclosures, proof, holder_v] = &parts[..] {
        section(
            &mut out,
            "Disclosures",
            "`[[13, salt, true]]`: age_over_18 only.",
            &enc(disclosures),
        );
        section(
            &mut out,
            "Proof",
            "One hash: the subtree holding every other item (age_over_18 sits next to the root).",
            &enc(proof),
        );
        let holder_msg = CoseSign1::from_cbor_value(holder_v.clone()).unwrap_or_default();
        section(
            &mut out,
            "Holder payload",
            "`[time, nonce, purpose, counter_code_bound]`",
            holder_msg.payload.as_deref().unwrap_or_default(),
        );
        let aad = enc(&ciborium::Value::Array(vec![
            ciborium::Value::Text("TS1".into()),
            ciborium::Value::Null,
            credential.clone(),
            disclosures.clone(),
            proof.clone(),
        ]));
        section(
            &mut out,
            "Holder external AAD",
            "`[\"TS1\", counter_code / null, credential, disclosures, proof]`; never transmitted.",
            &aad,
        );
        section(
            &mut out,
            "Holder Sig_structure: the exact bytes the holder signs",
            "",
            &holder_msg.tbs_data(&aad),
        );
    }
    section(
        &mut out,
        "Presentation",
        "`[credential, disclosures, proof, holder COSE_Sign1]`",
        &p,
    );
    out.push_str(&format!(
        "### QR text\n\nOne line of {} characters, not wrapped: base45 uses the space character, \
         so a line break would change the text.\n\n```\n{}\n```\n",
        text::encode(&p).len(),
        text::encode(&p)
    ));
    out
}
