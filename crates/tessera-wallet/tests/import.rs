//! Importing credential files: a stored credential is never replaced unless the bytes are
//! identical or the replacement is asked for; a known issuer's signature is checked over the
//! leaves (invented leaves wrapped around a real issuer signature are refused); a loaded
//! trust list is kept in the wallet and marks which issuers are known.

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, AttrValue};
use tessera_core::credential::{CredentialError, IssueParams, StatusRef, issue};
use tessera_core::keys::secret_key_from_text;
use tessera_core::trust::{TrustedIssuer, TrustedKey};
use tessera_core::{DOCTYPE_EID, HeldCredential, TrustList};
use tessera_store::{KdfParams, Secret};
use tessera_wallet::wallet::{ImportOutcome, IssuerCheck};
use tessera_wallet::{Wallet, WalletError, demo};

const NOW: u64 = 1_795_651_200;

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

fn pin() -> Secret {
    Secret::pin("482913").unwrap()
}

fn new_wallet(dir: &std::path::Path) -> (Wallet, VerifyingKey) {
    let w = Wallet::create(dir, &pin(), KdfParams::insecure_for_tests()).unwrap();
    let holder = w.ensure_device_key(&mut rng()).unwrap();
    (w, holder)
}

/// A credential for `holder` from `issuer`, status 3/7, with the demo person's attributes and
/// `family_name` set to `family`.
fn credential(issuer: &SigningKey, holder: &VerifyingKey, family: &str) -> HeldCredential {
    let mut attributes = demo::person(NOW);
    attributes.set(AttrId::FamilyName, AttrValue::Text(family.into()));
    issue(
        issuer,
        &IssueParams {
            holder: *holder,
            not_before: NOW - 60,
            expires: NOW + 86_400 * 365,
            status: StatusRef { list: 3, index: 7 },
            attributes,
        },
        &mut rng(),
    )
    .unwrap()
}

/// `signed`'s issuer signature wrapped around `other`'s leaves: what anyone who saw one QR
/// code of the citizen could build.
fn forged(signed: &HeldCredential, other: &HeldCredential) -> Vec<u8> {
    let a = signed.to_vec();
    let b = other.to_vec();
    let end_of = |file: &[u8], cose: &[u8]| {
        file.windows(cose.len()).position(|w| w == cose).unwrap() + cose.len()
    };
    let mut out = a[..end_of(&a, signed.cose_bytes())].to_vec();
    out.extend_from_slice(&b[end_of(&b, other.cose_bytes())..]);
    let parsed = HeldCredential::from_slice(&out).unwrap();
    assert_eq!(parsed.cose_bytes(), signed.cose_bytes());
    assert_eq!(parsed.leaves(), other.leaves());
    out
}

fn family_name(w: &Wallet, id: &str) -> String {
    let (_, cred) = w.credential(Some(id)).unwrap();
    cred.attributes()
        .get(AttrId::FamilyName)
        .unwrap()
        .to_string()
}

#[test]
fn a_stored_credential_is_never_replaced_silently() {
    let dir = tempfile::tempdir().unwrap();
    let (w, holder) = new_wallet(dir.path());
    let unknown = SigningKey::generate(&mut rng());
    let real = credential(&unknown, &holder, "林");
    let other = credential(&unknown, &holder, "陈");

    let first = w.import_answering(&real.to_vec()).unwrap();
    assert_eq!(first.outcome, ImportOutcome::Added);
    assert_eq!(first.issuer, IssuerCheck::Unknown);
    let again = w.import_answering(&real.to_vec()).unwrap();
    assert_eq!(
        (again.id.as_str(), again.outcome),
        (first.id.as_str(), ImportOutcome::Unchanged)
    );

    // Same issuer key and status reference, so the same id: refused, saying what changes.
    for bytes in [other.to_vec(), forged(&real, &other)] {
        match w.import_answering(&bytes).unwrap_err() {
            WalletError::WouldReplace { id, changes } => {
                assert_eq!(id, first.id);
                assert!(
                    changes.contains(&"family_name: 林 -> 陈".to_string()),
                    "{changes:?}"
                );
                let e = WalletError::WouldReplace { id, changes }.to_string();
                assert!(e.contains("--replace"), "{e}");
            }
            e => panic!("{e}"),
        }
        assert_eq!(family_name(&w, &first.id), "林");
    }

    // Asked for (the app asks first, showing the changes): replaced.
    let replaced = w.import_replacing(&other.to_vec()).unwrap();
    assert_eq!(replaced.outcome, ImportOutcome::Replaced);
    assert_eq!(family_name(&w, &first.id), "陈");
}

#[test]
fn invented_leaves_under_a_known_issuer_signature_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (w, holder) = new_wallet(dir.path());
    let demo_key = secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let real = credential(&demo_key, &holder, "林");
    let invented = credential(&demo_key, &holder, "陈");
    let bytes = forged(&real, &invented);
    // Refused with nothing stored, and with the real one stored.
    for stored in [false, true] {
        if stored {
            let i = w.import_answering(&real.to_vec()).unwrap();
            assert!(matches!(i.issuer, IssuerCheck::Verified { .. }), "{i:?}");
        }
        assert!(matches!(
            w.import_answering(&bytes),
            Err(WalletError::Credential(CredentialError::BadSignature))
        ));
        assert!(matches!(
            w.import_replacing(&bytes),
            Err(WalletError::Credential(CredentialError::BadSignature))
        ));
    }
    let (_, kept) = w.credential(None).unwrap();
    assert_eq!(kept.to_vec(), real.to_vec());
}

fn trust_list(sequence: u64, issuer: &VerifyingKey) -> TrustList {
    TrustList {
        sequence,
        issued_at: NOW - 3600,
        next_update: NOW + 86_400,
        issuers: vec![TrustedIssuer {
            id: "test.city".into(),
            name: "Test City ID Office".into(),
            doctypes: vec![DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(*issuer, NOW - 86_400, NOW + 86_400 * 400)],
        }],
    }
}

#[test]
fn a_loaded_trust_list_is_kept_and_marks_the_issuers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, holder) = new_wallet(dir.path());
    let issuer = SigningKey::generate(&mut rng());
    let root = SigningKey::generate(&mut rng());
    let cred = credential(&issuer, &holder, "林");
    let id = w.import_answering(&cred.to_vec()).unwrap().id;
    assert_eq!(w.issuer_check(&cred), IssuerCheck::Unknown);

    // A list under another root is refused and changes nothing.
    let list2 = trust_list(2, &issuer.verifying_key()).sign(&root);
    let stranger = SigningKey::generate(&mut rng()).verifying_key();
    assert!(matches!(
        w.load_trust(&list2, &stranger),
        Err(WalletError::Trust(_))
    ));
    assert_eq!(w.issuer_check(&cred), IssuerCheck::Unknown);

    w.load_trust(&list2, &root.verifying_key()).unwrap();
    let known = IssuerCheck::Verified {
        issuer: "Test City ID Office".into(),
    };
    assert_eq!(w.issuer_check(&cred), known);
    // An older list under the same root is refused.
    let list1 = trust_list(1, &issuer.verifying_key()).sign(&root);
    let e = w.load_trust(&list1, &root.verifying_key()).unwrap_err();
    assert!(e.to_string().contains("older"), "{e}");

    // Kept, sealed in the store, across locking.
    drop(w);
    let w = Wallet::unlock(dir.path(), &pin()).unwrap();
    let (_, stored) = w.credential(Some(&id)).unwrap();
    assert_eq!(w.issuer_check(&stored), known);
    // The demo issuer stays known beside it.
    let demo_id = w.add_demo(NOW, &mut rng()).unwrap();
    let (_, d) = w.credential(Some(&demo_id)).unwrap();
    assert!(matches!(w.issuer_check(&d), IssuerCheck::Verified { .. }));
}
