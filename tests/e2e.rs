//! End to end through the libraries: an issuer signs a credential, the wallet (real encrypted
//! store on disk) imports it and presents each preset, the QR code is rendered to a PNG, a
//! real decoder reads the PNG back, and the verifier gives its verdict.

use ed25519_dalek::SigningKey;
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, Purpose};
use tessera_core::{
    IssueParams, Reason, StatusRef, TrustList, TrustedIssuer, TrustedKey, UnixTime, issue,
};
use tessera_store::KdfParams;
use tessera_store::Secret;
use tessera_verifier::{Policy, Verifier};
use tessera_wallet::Wallet;

fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

struct Issuer {
    key: SigningKey,
    trust: TrustList,
}

fn issuer(now: UnixTime) -> Issuer {
    let key = SigningKey::generate(&mut UnwrapErr(getrandom::SysRng));
    let trust = TrustList {
        sequence: 1,
        issued_at: now - 3600,
        next_update: now + 86_400,
        issuers: vec![TrustedIssuer {
            id: "test.issuer".into(),
            name: "Test ID Office".into(),
            doctypes: vec![tessera_core::DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(
                key.verifying_key(),
                now - 86_400,
                now + 86_400 * 400,
            )],
        }],
    };
    Issuer { key, trust }
}

fn new_wallet(dir: &std::path::Path) -> Wallet {
    Wallet::create(
        dir,
        &Secret::pin("482913").unwrap(),
        KdfParams::insecure_for_tests(),
    )
    .unwrap()
}

#[test]
fn issue_import_present_render_decode_verify_every_preset() {
    let now = now();
    let mut rng = UnwrapErr(getrandom::SysRng);
    let iss = issuer(now);
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(dir.path());
    let holder = wallet.ensure_device_key(&mut rng).unwrap();

    let mut attributes = tessera_wallet::demo::person(now);
    attributes.0.remove(&AttrId::Portrait);
    let cred = issue(
        &iss.key,
        &IssueParams {
            holder,
            not_before: now - 60,
            expires: now + 86_400 * 365,
            status: StatusRef { list: 1, index: 7 },
            attributes: attributes.clone(),
        },
        &mut rng,
    )
    .unwrap();
    let id = wallet.import(&cred.to_vec()).unwrap();
    // The wallet survives a restart: lock, unlock, same credential.
    drop(wallet);
    let wallet = Wallet::unlock(dir.path(), &Secret::pin("482913").unwrap()).unwrap();
    assert_eq!(wallet.credentials().unwrap()[0].0, id);

    let mut verifier = Verifier::new(iss.trust.clone(), Policy::default());
    for purpose in [
        Purpose::Age18,
        Purpose::Delivery,
        Purpose::CheckIn,
        Purpose::Full,
    ] {
        let p = wallet
            .present(None, purpose.preset(), purpose, None, now, &mut rng)
            .unwrap();
        let png = dir.path().join(format!("{purpose}.png"));
        tessera_wallet::cli::write_png(&p.text, &png).unwrap();
        let texts = tessera_qr::decode_file(&png).unwrap();
        assert_eq!(
            texts,
            vec![p.text.clone()],
            "{purpose}: the PNG decodes to the QR text"
        );

        let verdict = verifier.check_text(&texts[0], now + 2);
        assert!(verdict.is_valid(), "{purpose}: {verdict:?}");
        let mut got: Vec<AttrId> = verdict.disclosed().iter().map(|(a, _)| *a).collect();
        got.sort();
        let mut want = purpose.preset().to_vec();
        want.sort();
        assert_eq!(
            got, want,
            "{purpose}: exactly the preset's items, no others"
        );
        for (a, v) in verdict.disclosed() {
            assert_eq!(
                attributes.get(*a),
                Some(v),
                "{purpose}: {a} matches the issued value"
            );
        }
        assert_eq!(verdict.purpose(), Some(purpose));

        // The same QR a second time is a replay.
        let again = verifier.check_text(&texts[0], now + 3);
        assert_eq!(again.reason(), Some(Reason::Replayed), "{purpose}");
    }
    let history = wallet.history().unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[0].items, vec!["age_over_18".to_string()]);
}

#[test]
fn demo_id_verifies_against_the_demo_trust_list() {
    let now = now();
    let mut rng = UnwrapErr(getrandom::SysRng);
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(dir.path());
    wallet.add_demo(now, &mut rng).unwrap();
    let p = wallet
        .present(
            None,
            &[AttrId::AgeOver18],
            Purpose::Age18,
            None,
            now,
            &mut rng,
        )
        .unwrap();
    let trust = tessera_wallet::demo::trust_list().unwrap();
    let mut verifier = Verifier::new(trust, Policy::default());
    let v = verifier.check_text(&p.text, now);
    assert!(v.is_valid(), "{v:?}");
    assert_eq!(v.issuer(), Some("Tessera Demo ID Office (DEMO)"));
}

#[test]
fn credential_for_another_device_is_refused_and_nothing_is_lost() {
    let now = now();
    let mut rng = UnwrapErr(getrandom::SysRng);
    let iss = issuer(now);
    let dir = tempfile::tempdir().unwrap();
    let wallet = new_wallet(dir.path());
    wallet.add_demo(now, &mut rng).unwrap();
    let stranger = SigningKey::generate(&mut rng).verifying_key();
    let cred = issue(
        &iss.key,
        &IssueParams {
            holder: stranger,
            not_before: now,
            expires: now + 10,
            status: StatusRef { list: 1, index: 1 },
            attributes: tessera_wallet::demo::person(now),
        },
        &mut rng,
    )
    .unwrap();
    let err = wallet.import(&cred.to_vec()).unwrap_err();
    assert!(err.to_string().contains("another device key"), "{err}");
    assert!(wallet.import(b"\x00garbage").is_err());
    assert_eq!(
        wallet.credentials().unwrap().len(),
        1,
        "the demo ID is still there"
    );
}
