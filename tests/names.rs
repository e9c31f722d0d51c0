//! Names beyond GB 2312 level 1 end to end: an issuer signs credentials for names with level-2
//! hanzi (岚 鑫 婧 玥 淼), hanzi outside GB 2312 (喆 堃 昇) and a supplementary-plane hanzi
//! (𠮷 U+20BB7); the wallet (real encrypted store) imports each and presents the names; the QR
//! code goes through a PNG and a real decoder; the verifier's verdict, its JSON and its text
//! keep the exact value. The screens draw these names (or mark a character no font has, for the
//! screen only): see `names.rs` in the wallet's and the scan app's tests.

use ed25519_dalek::SigningKey;
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, AttrValue, Purpose};
use tessera_core::{IssueParams, StatusRef, TrustList, TrustedIssuer, TrustedKey, UnixTime, issue};
use tessera_store::{KdfParams, Secret};
use tessera_verifier::{Policy, Verifier};
use tessera_wallet::Wallet;

const NAMES: &[(&str, &str)] = &[
    ("欧阳", "晓岚"),
    ("王", "鑫"),
    ("李", "婧玥"),
    ("刘", "淼"),
    ("陈", "喆"),
    ("赵", "堃昇"),
    ("吉", "\u{20BB7}"),
    ("欧阳", "晓\u{20BB7}"),
];

fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn names_beyond_gb2312_level_1_survive_issue_import_present_decode_verify_exactly() {
    let now = now();
    let mut rng = UnwrapErr(getrandom::SysRng);
    let key = SigningKey::generate(&mut rng);
    let trust = TrustList {
        sequence: 1,
        issued_at: now - 3600,
        next_update: now + 86_400,
        issuers: vec![TrustedIssuer {
            id: "test.issuer".into(),
            name: "测试发证机关".into(),
            doctypes: vec![tessera_core::DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(
                key.verifying_key(),
                now - 86_400,
                now + 86_400 * 400,
            )],
        }],
    };
    let mut verifier = Verifier::new(trust, Policy::default());
    for (n, (family, given)) in NAMES.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let pin = Secret::pin("482913").unwrap();
        let wallet = Wallet::create(dir.path(), &pin, KdfParams::insecure_for_tests()).unwrap();
        let holder = wallet.ensure_device_key(&mut rng).unwrap();
        let mut attributes = tessera_wallet::demo::person(now);
        attributes.0.remove(&AttrId::Portrait);
        attributes.set(AttrId::FamilyName, AttrValue::Text((*family).into()));
        attributes.set(AttrId::GivenName, AttrValue::Text((*given).into()));
        let cred = issue(
            &key,
            &IssueParams {
                holder,
                not_before: now - 60,
                expires: now + 86_400 * 365,
                status: StatusRef {
                    list: 1,
                    index: n as u32,
                },
                attributes,
            },
            &mut rng,
        )
        .unwrap();
        wallet.import(&cred.to_vec()).unwrap();
        // What the wallet holds after a restart is the exact name.
        drop(wallet);
        let wallet = Wallet::unlock(dir.path(), &pin).unwrap();
        let held = &wallet.credentials().unwrap()[0].1;
        assert_eq!(
            held.attributes().get(AttrId::GivenName),
            Some(&AttrValue::Text((*given).into()))
        );

        let p = wallet
            .present(
                None,
                &[AttrId::FamilyName, AttrId::GivenName],
                Purpose::CheckIn,
                None,
                now,
                &mut rng,
            )
            .unwrap();
        let png = dir.path().join("name.png");
        tessera_wallet::cli::write_png(&p.text, &png).unwrap();
        let texts = tessera_qr::decode_file(&png).unwrap();
        assert_eq!(texts, vec![p.text.clone()], "{family}{given}");

        let verdict = verifier.check_text(&texts[0], now + 2);
        assert!(verdict.is_valid(), "{family}{given}: {verdict:?}");
        assert_eq!(
            verdict.disclosed(),
            vec![
                (AttrId::FamilyName, AttrValue::Text((*family).into())),
                (AttrId::GivenName, AttrValue::Text((*given).into())),
            ]
        );
        // The verifier's outputs keep the exact value: no marker, no escape.
        let json = verdict.to_json();
        assert_eq!(json["disclosed"]["family_name"], *family);
        assert_eq!(json["disclosed"]["given_name"], *given);
        let text = verdict.to_text(false);
        assert!(text.contains(given), "{text}");
        assert!(!text.contains("U+"), "{text}");
    }
}
