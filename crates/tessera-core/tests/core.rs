//! Issue → present → verify through the public API, every rejection reason the core can
//! detect, and a bit-flip sweep over presentations.

use ed25519_dalek::SigningKey;
use rand_core::CryptoRng;
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::presentation::verify_text;
use tessera_core::{
    HeldCredential, IssueParams, PresentRequest, Reason, StatusRef, TrustList, VerifyPolicy, issue,
    present, text, verify,
};

use tessera_core::testing::{DAY, DeterministicRng as TestRng, Fixture as World, TEST_NOW as NOW};

fn world() -> World {
    World::new(0x9E37_79B9_7F4A_7C15)
}

fn params(holder: &SigningKey, nbf: u64, exp: u64) -> IssueParams {
    IssueParams {
        holder: holder.verifying_key(),
        not_before: nbf,
        expires: exp,
        status: StatusRef { list: 1, index: 42 },
        attributes: tessera_core::testing::sample_person(nbf),
    }
}

fn show(w: &mut World, purpose: Purpose, code: Option<&str>, time: u64) -> Vec<u8> {
    w.show(purpose, code, time)
}

fn reason(bytes: &[u8], trust: &TrustList, policy: &VerifyPolicy) -> Reason {
    verify(bytes, trust, policy).unwrap_err().reason()
}

#[test]
fn every_preset_verifies_with_exactly_its_items() {
    let mut w = world();
    for purpose in [
        Purpose::Age18,
        Purpose::Delivery,
        Purpose::CheckIn,
        Purpose::Full,
    ] {
        let p = show(&mut w, purpose, None, NOW);
        let v = verify_text(&text::encode(&p), &w.trust, &VerifyPolicy::at(NOW + 5)).unwrap();
        let got: Vec<AttrId> = v.disclosed.iter().map(|(a, _)| *a).collect();
        let mut want = purpose.preset().to_vec();
        want.sort();
        assert_eq!(got, want, "{purpose}");
        assert_eq!(v.purpose, purpose);
        assert_eq!(v.issuer_name, "Test City ID Office");
        assert_eq!(v.status, StatusRef { list: 1, index: 42 });
        for (a, value) in &v.disclosed {
            assert_eq!(Some(value), w.cred.attributes().get(*a));
        }
    }
}

#[test]
fn credential_file_round_trips_and_verifies() {
    let w = world();
    let bytes = w.cred.to_vec();
    let back = HeldCredential::from_slice(&bytes).unwrap();
    assert_eq!(back, w.cred);
    back.verify_issuer(&w.issuer.verifying_key()).unwrap();
    assert!(
        back.verify_issuer(&w.holder.verifying_key()).is_err(),
        "another key must not verify"
    );
    assert_eq!(
        back.attributes().get(AttrId::AgeOver18),
        Some(&AttrValue::Bool(true))
    );
}

#[test]
fn bit_flips_are_all_rejected() {
    let mut w = world();
    let policy = VerifyPolicy::at(NOW);
    for purpose in [
        Purpose::Age18,
        Purpose::Delivery,
        Purpose::CheckIn,
        Purpose::Full,
    ] {
        let p = show(&mut w, purpose, None, NOW);
        verify(&p, &w.trust, &policy).unwrap();
        for bit in 0..p.len() * 8 {
            let mut b = p.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            assert!(
                verify(&b, &w.trust, &policy).is_err(),
                "{purpose}: flipping bit {bit} was accepted"
            );
        }
    }
}

#[test]
fn truncations_and_extensions_are_rejected() {
    let mut w = world();
    let p = show(&mut w, Purpose::CheckIn, None, NOW);
    let policy = VerifyPolicy::at(NOW);
    for n in 0..p.len() {
        assert_eq!(reason(&p[..n], &w.trust, &policy), Reason::Malformed);
    }
    let mut longer = p.clone();
    longer.push(0);
    assert_eq!(reason(&longer, &w.trust, &policy), Reason::Malformed);
}

#[test]
fn unknown_issuer() {
    let mut w = world();
    let p = show(&mut w, Purpose::Age18, None, NOW);
    assert_eq!(
        reason(&p, &TrustList::empty(NOW), &VerifyPolicy::at(NOW)),
        Reason::UnknownIssuer
    );
    let mut wrong_doctype = w.trust.clone();
    wrong_doctype.issuers[0].doctypes = vec!["other.doc.1".into()];
    assert_eq!(
        reason(&p, &wrong_doctype, &VerifyPolicy::at(NOW)),
        Reason::UnknownIssuer
    );
}

#[test]
fn credential_validity_window() {
    let mut w = world();
    let early = issue(
        &w.issuer,
        &params(&w.holder, NOW + DAY, NOW + 9 * DAY),
        &mut w.rng,
    )
    .unwrap();
    let late = issue(
        &w.issuer,
        &params(&w.holder, NOW - 9 * DAY, NOW - DAY),
        &mut w.rng,
    )
    .unwrap();
    for (cred, want) in [(early, Reason::NotYetValid), (late, Reason::Expired)] {
        w.cred = cred;
        let p = show(&mut w, Purpose::Age18, None, NOW);
        assert_eq!(reason(&p, &w.trust, &VerifyPolicy::at(NOW)), want);
    }
}

#[test]
fn issuer_key_window() {
    let mut w = world();
    let p = show(&mut w, Purpose::Age18, None, NOW);
    let mut t = w.trust.clone();
    t.issuers[0].keys[0].not_after = NOW - 1;
    assert_eq!(
        reason(&p, &t, &VerifyPolicy::at(NOW)),
        Reason::IssuerKeyNotValid
    );
}

#[test]
fn freshness_and_skew() {
    let mut w = world();
    let p = show(&mut w, Purpose::Age18, None, NOW);
    let policy = |now| VerifyPolicy::at(now);
    assert!(
        verify(&p, &w.trust, &policy(NOW + 90)).is_ok(),
        "60 s + 30 s skew"
    );
    assert_eq!(reason(&p, &w.trust, &policy(NOW + 91)), Reason::TooOld);
    assert!(verify(&p, &w.trust, &policy(NOW - 30)).is_ok());
    assert_eq!(reason(&p, &w.trust, &policy(NOW - 31)), Reason::FromFuture);
}

#[test]
fn counter_codes() {
    let mut w = world();
    let with = |c: Option<&str>| VerifyPolicy {
        counter_code: c.map(str::to_string),
        ..VerifyPolicy::at(NOW)
    };
    let bound = show(&mut w, Purpose::CheckIn, Some("k7-42"), NOW);
    let v = verify(&bound, &w.trust, &with(Some("K742"))).unwrap();
    assert!(v.counter_bound);
    assert_eq!(
        reason(&bound, &w.trust, &with(Some("K743"))),
        Reason::WrongCounterCode
    );
    assert_eq!(
        reason(&bound, &w.trust, &with(None)),
        Reason::WrongCounterCode
    );
    let unbound = show(&mut w, Purpose::CheckIn, None, NOW);
    assert_eq!(
        reason(&unbound, &w.trust, &with(Some("K742"))),
        Reason::WrongCounterCode
    );
}

/// Splits a presentation into its four CBOR parts.
fn parts(p: &[u8]) -> Vec<ciborium::Value> {
    let v: ciborium::Value = ciborium::from_reader(p).unwrap();
    v.into_array().unwrap()
}

fn join(parts: Vec<ciborium::Value>) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(&ciborium::Value::Array(parts), &mut out).unwrap();
    out
}

#[test]
fn item_swapped_from_another_credential() {
    let mut w = world();
    let mine = show(&mut w, Purpose::Age18, None, NOW);
    // Someone else's credential from the same issuer, with age_over_18 = true as well.
    let other_holder = SigningKey::generate(&mut w.rng);
    let other = issue(
        &w.issuer,
        &params(&other_holder, NOW - DAY, NOW + DAY),
        &mut w.rng,
    )
    .unwrap();
    let mut w2 = World {
        issuer: w.issuer.clone(),
        holder: other_holder,
        trust: w.trust.clone(),
        cred: other,
        rng: TestRng::new(7),
    };
    let theirs = show(&mut w2, Purpose::Age18, None, NOW);
    let mut p = parts(&mine);
    p[1] = parts(&theirs)[1].clone();
    assert_eq!(
        reason(&join(p), &w.trust, &VerifyPolicy::at(NOW)),
        Reason::BadIssuerSignature
    );
}

#[test]
fn credential_presented_with_another_holders_key() {
    let mut w = world();
    // A thief has the credential bytes (a copied QR or file) but not the holder's device key.
    let thief = SigningKey::generate(&mut w.rng);
    let honest = show(&mut w, Purpose::Age18, None, NOW);
    let real_holder = std::mem::replace(&mut w.holder, thief.clone());
    assert!(
        present(
            &w.cred,
            &thief,
            &PresentRequest {
                disclose: &[AttrId::AgeOver18],
                purpose: Purpose::Age18,
                counter_code: None,
                time: NOW
            },
            &mut w.rng
        )
        .is_err(),
        "the wallet refuses"
    );
    // Forge by hand: the honest parts, the thief's signature (from another credential of his).
    let thief_cred = issue(&w.issuer, &params(&thief, NOW - DAY, NOW + DAY), &mut w.rng).unwrap();
    w.cred = thief_cred;
    let thiefs = show(&mut w, Purpose::Age18, None, NOW);
    let mut p = parts(&honest);
    p[3] = parts(&thiefs)[3].clone();
    assert_eq!(
        reason(&join(p), &w.trust, &VerifyPolicy::at(NOW)),
        Reason::BadHolderSignature
    );
    drop(real_holder);
}

#[test]
fn disclosure_cannot_be_hidden_after_signing() {
    // Turning a disclosed item into a proof hash keeps the issuer root but breaks the holder
    // signature, which covers the disclosures.
    let mut w = world();
    let p = show(&mut w, Purpose::Delivery, None, NOW);
    let mut v = parts(&p);
    let disclosures = v[1].as_array().unwrap().clone();
    let mut leaf = Vec::new();
    ciborium::into_writer(&disclosures[1], &mut leaf).unwrap();
    let h = tessera_core::merkle::leaf_hash(&leaf);
    v[1] = ciborium::Value::Array(vec![disclosures[0].clone()]);
    // Proof order is depth-first: [age_over_18, given_name (now hidden), (id, birth), rest].
    let mut proof = v[2].as_array().unwrap().clone();
    proof.insert(1, ciborium::Value::Bytes(h.to_vec()));
    v[2] = ciborium::Value::Array(proof);
    assert_eq!(
        reason(&join(v), &w.trust, &VerifyPolicy::at(NOW)),
        Reason::BadHolderSignature
    );
}

#[test]
fn wrong_holder_and_empty_disclosure_are_refused_by_present() {
    let mut w = world();
    let req = PresentRequest {
        disclose: &[],
        purpose: Purpose::Custom,
        counter_code: None,
        time: NOW,
    };
    assert!(present(&w.cred, &w.holder, &req, &mut w.rng).is_err());
    let req = PresentRequest {
        disclose: &[AttrId::Portrait],
        ..req
    };
    assert!(
        present(&w.cred, &w.holder, &req, &mut w.rng).is_err(),
        "no portrait in this credential"
    );
}

#[test]
fn rejection_reasons_have_stable_codes() {
    for r in Reason::ALL {
        assert_eq!(Reason::from_code(r.code()), Some(r));
        assert!(!r.describe().is_empty());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn issue_parse_round_trip(seed in 1u64.., name in "[a-zA-Z ]{1,40}", idx in 0u32..) {
        let mut rng = TestRng::new(seed);
        let issuer = SigningKey::generate(&mut rng);
        let holder = SigningKey::generate(&mut rng);
        let mut attributes = Attributes::default();
        attributes.set(AttrId::FamilyName, AttrValue::Text(name));
        let cred = issue(&issuer, &IssueParams {
            holder: holder.verifying_key(), not_before: 1, expires: 2,
            status: StatusRef { list: 0, index: idx }, attributes,
        }, &mut rng).unwrap();
        let bytes = cred.to_vec();
        let back = HeldCredential::from_slice(&bytes).unwrap();
        proptest::prop_assert_eq!(back.to_vec(), bytes);
        proptest::prop_assert!(back.verify_issuer(&issuer.verifying_key()).is_ok());
    }

    #[test]
    fn verify_never_panics_on_garbage(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
        let _ = verify(&bytes, &TrustList::empty(0), &VerifyPolicy::at(0));
    }
}

#[allow(dead_code)]
fn assert_crypto_rng<R: CryptoRng>(_: &R) {}

/// A holder key of small order: the identity point (y = 1).
fn identity_key() -> ed25519_dalek::VerifyingKey {
    let mut b = [0u8; 32];
    b[0] = 1;
    ed25519_dalek::VerifyingKey::from_bytes(&b).unwrap()
}

/// The signature R = identity, S = 0, which RFC 8032's equations accept for any message
/// under a small-order public key.
fn identity_signature(_tbs: &[u8]) -> Vec<u8> {
    let mut sig = vec![0u8; 64];
    sig[0] = 1;
    sig
}

#[test]
fn weak_holder_keys_are_refused_at_issue_and_at_verify() {
    let mut w = world();
    let mut p = params(&w.holder, NOW - DAY, NOW + DAY);
    p.holder = identity_key();
    assert!(matches!(
        issue(&w.issuer, &p, &mut w.rng),
        Err(tessera_core::IssueError::WeakHolderKey(
            tessera_core::keys::WeakKeyError::SmallOrder
        ))
    ));
    // A dishonest issuer signs it anyway; anyone can then "sign" as the holder.
    let cred = tessera_core::testing::issue_unchecked(&w.issuer, &p, &mut w.rng).unwrap();
    let req = PresentRequest {
        disclose: Purpose::Age18.preset(),
        purpose: Purpose::Age18,
        counter_code: None,
        time: NOW,
    };
    let bytes =
        tessera_core::testing::present_with_signature(&cred, &req, &mut w.rng, identity_signature)
            .unwrap();
    let r = verify(&bytes, &w.trust, &VerifyPolicy::at(NOW)).unwrap_err();
    assert_eq!(r.reason(), Reason::Malformed);
    assert!(r.detail().contains("weak (small-order)"), "{r}");
}

#[test]
fn control_characters_in_disclosed_text_are_malformed() {
    let mut w = world();
    for bad in ["LIN\n  age_over_18: yes", "LIN\u{1b}[8m", "\u{202E}NIL"] {
        let mut p = params(&w.holder, NOW - DAY, NOW + DAY);
        p.attributes
            .set(AttrId::FamilyNameLatin, AttrValue::Text(bad.into()));
        assert!(matches!(
            issue(&w.issuer, &p, &mut w.rng),
            Err(tessera_core::IssueError::InvalidAttribute(_))
        ));
        let cred = tessera_core::testing::issue_unchecked(&w.issuer, &p, &mut w.rng).unwrap();
        let bytes = present(
            &cred,
            &w.holder,
            &PresentRequest {
                disclose: &[AttrId::FamilyNameLatin, AttrId::AgeOver18],
                purpose: Purpose::Custom,
                counter_code: None,
                time: NOW,
            },
            &mut w.rng,
        )
        .unwrap();
        let r = verify(&bytes, &w.trust, &VerifyPolicy::at(NOW)).unwrap_err();
        assert_eq!(r.reason(), Reason::Malformed, "{bad:?}");
        assert!(
            r.detail().starts_with("family_name_latin: text holds"),
            "{r}"
        );
        // Not disclosed, the bad leaf is only a hash: the rest verifies.
        let bytes = present(
            &cred,
            &w.holder,
            &PresentRequest {
                disclose: &[AttrId::AgeOver18],
                purpose: Purpose::Age18,
                counter_code: None,
                time: NOW,
            },
            &mut w.rng,
        )
        .unwrap();
        assert!(verify(&bytes, &w.trust, &VerifyPolicy::at(NOW)).is_ok());
    }
}
