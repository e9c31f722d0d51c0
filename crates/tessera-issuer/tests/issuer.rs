//! The issuer through its library API and its binary: init, issue, requests, batches
//! (including SIGKILL and resume), revocation, publishing, key rotation and sealed keys.

use ed25519_dalek::SigningKey;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use tessera_core::attributes::{AttrId, AttrValue};
use tessera_core::keys::{public_key_to_text, secret_key_to_text, to_hex};
use tessera_core::{HeldCredential, IssuerLookup, StatusRef, TrustList};
use tessera_issuer::{
    Error, InitOptions, IssueOptions, KdfParams, init, issue_one, parse_person_json,
    read_public_key,
};

const NOW: u64 = 1_795_651_200; // 2026-11-26T00:00:00Z
const DAY: u64 = 86_400;
const BIN: &str = env!("CARGO_BIN_EXE_tessera-issuer");

const PERSON: &str = r#"{
  "family_name": "林", "given_name": "美华",
  "family_name_latin": "LIN", "given_name_latin": "MEIHUA",
  "sex": 2, "ethnicity": "汉", "birth_date": "2008-11-27",
  "address": "幸福路 88 号", "id_number": "110105200811271234",
  "issuing_authority": "示范市公安局", "portrait": "face.jpg"
}"#;

fn opts() -> InitOptions {
    InitOptions {
        now: Some(NOW),
        kdf: KdfParams::INSECURE_FOR_TESTS,
        list_size: 1000,
        ..InitOptions::default()
    }
}

fn at(now: u64) -> IssueOptions {
    IssueOptions {
        now: Some(now),
        ..IssueOptions::default()
    }
}

fn holder(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn trust_of(dir: &Path) -> TrustList {
    let root = read_public_key(&dir.join("root.pub")).unwrap();
    TrustList::from_signed(&std::fs::read(dir.join("trust-list.cbor")).unwrap(), &root).unwrap()
}

fn verifies(cred: &HeldCredential, trust: &TrustList, at: u64) -> bool {
    match trust.find_key(&cred.kid()) {
        Some((_, k)) => k.valid_at(at) && cred.verify_issuer(&k.key).is_ok(),
        None => false,
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_issue_round_trip_verifies_with_the_json_attributes_and_age_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("issuer");
    init(&dir, &opts()).unwrap();
    for secret in ["issuer.key", "root.key"] {
        assert_eq!(mode(&dir.join(secret)), 0o600, "{secret}");
    }
    for f in ["issuer.pub", "root.pub", "trust-list.cbor", "state.json"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    // Refuses to overwrite; --force replaces the keys.
    let old = std::fs::read(dir.join("root.pub")).unwrap();
    assert!(matches!(init(&dir, &opts()), Err(Error::Exists(_))));
    init(
        &dir,
        &InitOptions {
            force: true,
            ..opts()
        },
    )
    .unwrap();
    assert_ne!(std::fs::read(dir.join("root.pub")).unwrap(), old);

    std::fs::write(tmp.path().join("face.jpg"), b"\xFF\xD8\xFF\xE0 tiny jpeg").unwrap();
    std::fs::write(tmp.path().join("person.json"), PERSON).unwrap();
    let attrs = parse_person_json(PERSON.as_bytes(), tmp.path()).unwrap();
    let h = holder(1);
    // Born 2008-11-27: 17 on 2026-11-26, 18 the next day.
    let cred = issue_one(&dir, &h.verifying_key(), &attrs, &at(NOW)).unwrap();
    let cred = HeldCredential::from_slice(&cred.to_vec()).unwrap();
    let trust = trust_of(&dir);
    assert!(verifies(&cred, &trust, NOW + DAY));
    assert_eq!(cred.claims().holder, h.verifying_key());
    assert_eq!(cred.claims().status, StatusRef { list: 0, index: 0 });
    assert_eq!(
        cred.claims().expires - cred.claims().not_before,
        5 * 365 * DAY
    );
    let got = cred.attributes();
    let text = |id| match got.get(id) {
        Some(AttrValue::Text(t)) => t.clone(),
        other => panic!("{id}: {other:?}"),
    };
    assert_eq!(text(AttrId::FamilyName), "林");
    assert_eq!(text(AttrId::GivenNameLatin), "MEIHUA");
    assert_eq!(text(AttrId::BirthDate), "2008-11-27");
    assert_eq!(got.get(AttrId::Sex), Some(&AttrValue::Uint(2)));
    assert_eq!(
        got.get(AttrId::Portrait),
        Some(&AttrValue::Bytes(b"\xFF\xD8\xFF\xE0 tiny jpeg".to_vec()))
    );
    assert_eq!(got.get(AttrId::AgeOver16), Some(&AttrValue::Bool(true)));
    assert_eq!(got.get(AttrId::AgeOver18), Some(&AttrValue::Bool(false)));
    assert_eq!(got.get(AttrId::AgeOver60), Some(&AttrValue::Bool(false)));
    let later = issue_one(&dir, &h.verifying_key(), &attrs, &at(NOW + DAY)).unwrap();
    assert_eq!(
        later.attributes().get(AttrId::AgeOver18),
        Some(&AttrValue::Bool(true))
    );
    assert_eq!(later.claims().status.index, 1);
    // The trust list does not verify a credential under another root or after it is altered.
    let mut bytes = cred.to_vec();
    let n = bytes.len();
    bytes[n - 3] ^= 1;
    if let Ok(c) = HeldCredential::from_slice(&bytes) {
        assert!(!verifies(&c, &trust, NOW + DAY));
    }
}

#[test]
fn bad_person_files_name_the_field() {
    let d = Path::new(".");
    let cases = [
        (
            r#"{"family_name":"A","given_nme":"B"}"#,
            "unknown field `given_nme`",
        ),
        (
            r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-30","id_number":"1"}"#,
            "`birth_date`",
        ),
        (
            r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1","sex":3}"#,
            "`sex`",
        ),
        (
            r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1","sex":"F"}"#,
            "invalid type",
        ),
        (
            r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-03"}"#,
            "`id_number` is required",
        ),
        (
            r#"{"family_name":"","given_name":"B","birth_date":"1990-02-03","id_number":"1"}"#,
            "`family_name`: must not be empty",
        ),
        (
            r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1","age_over_18":true}"#,
            "unknown field `age_over_18`",
        ),
        (
            r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1","portrait":"missing.jpg"}"#,
            "missing.jpg",
        ),
        ("[1,2]", "person json"),
    ];
    for (json, want) in cases {
        let e = parse_person_json(json.as_bytes(), d)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{json}: {e}");
    }
    let address = format!(
        r#"{{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1","address":"{}"}}"#,
        "x".repeat(300)
    );
    let e = parse_person_json(address.as_bytes(), d)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`address`") && e.contains("256"), "{e}");
}

#[test]
fn cli_init_issue_with_key_file_and_request() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = t.join("iss");
    let run = |args: &[&str]| {
        let o = Command::new(BIN)
            .args(args)
            .arg("--now")
            .arg(NOW.to_string())
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let d = dir.to_str().unwrap();
    assert_eq!(run(&["init", "--dir", d, "--list-size", "100"]).0, Some(0));
    let (code, _, err) = run(&["init", "--dir", d]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--force"), "{err}");
    assert_eq!(mode(&dir.join("issuer.key")), 0o600);

    let h = holder(9);
    std::fs::write(t.join("h.pub"), public_key_to_text(&h.verifying_key(), "")).unwrap();
    std::fs::write(t.join("h.key"), secret_key_to_text(&h, "").as_bytes()).unwrap();
    std::fs::write(t.join("face.jpg"), b"\xFF\xD8 jpeg").unwrap();
    std::fs::write(t.join("p.json"), PERSON).unwrap();
    let p = |n: &str| t.join(n).to_str().unwrap().to_string();
    let (code, out, err) = run(&[
        "issue",
        "--dir",
        d,
        "--holder-key",
        &p("h.pub"),
        "--attributes",
        &p("p.json"),
        "--out",
        &p("a.cred"),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), "0-0");
    assert_eq!(
        run(&[
            "make-request",
            "--holder-secret",
            &p("h.key"),
            "--out",
            &p("r.req")
        ])
        .0,
        Some(0)
    );
    let (code, out, _) = run(&["check-request", &p("r.req")]);
    assert_eq!(code, Some(0));
    assert!(out.contains(&to_hex(h.verifying_key().as_bytes())));
    let (code, out, err) = run(&[
        "issue",
        "--dir",
        d,
        "--request",
        &p("r.req"),
        "--attributes",
        &p("p.json"),
        "--out",
        &p("b.cred"),
        "--valid-days",
        "30",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), "0-1");
    let trust = trust_of(&dir);
    for (f, days) in [("a.cred", 5 * 365), ("b.cred", 30)] {
        let c = HeldCredential::from_slice(&std::fs::read(t.join(f)).unwrap()).unwrap();
        assert!(verifies(&c, &trust, NOW + 1));
        assert_eq!(c.claims().holder, h.verifying_key());
        assert_eq!(c.claims().expires, NOW + days * DAY);
    }
    // A tampered request is refused by check-request and by issue.
    let mut req = std::fs::read(t.join("r.req")).unwrap();
    let n = req.len();
    req[n - 1] ^= 1;
    std::fs::write(t.join("bad.req"), &req).unwrap();
    assert_eq!(run(&["check-request", &p("bad.req")]).0, Some(4));
    let (code, _, err) = run(&[
        "issue",
        "--dir",
        d,
        "--request",
        &p("bad.req"),
        "--attributes",
        &p("p.json"),
        "--out",
        &p("c.cred"),
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("signature"), "{err}");
    // A bad JSON field is named.
    std::fs::write(t.join("bad.json"), r#"{"family_nam":"x"}"#).unwrap();
    let (code, _, err) = run(&[
        "issue",
        "--dir",
        d,
        "--holder-key",
        &p("h.pub"),
        "--attributes",
        &p("bad.json"),
        "--out",
        &p("c.cred"),
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("unknown field `family_nam`"), "{err}");
}
