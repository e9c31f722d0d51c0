//! The issuer through its library API and its binary: init, issue, requests, batches
//! (including SIGKILL and resume), revocation, publishing, key rotation and sealed keys.

use ed25519_dalek::SigningKey;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use tessera_core::attributes::{AttrId, AttrValue};
use tessera_core::keys::{public_key_to_text, secret_key_to_text, to_hex};
use tessera_core::{HeldCredential, IssuerLookup, Status, StatusList, StatusRef, TrustList};
use tessera_issuer::{
    BatchOptions, Error, InitOptions, IssueOptions, Issuer, KdfParams, Passphrase, PublishOptions,
    SecretKeyError, StatusAction, b64, init, issue_one, make_request, parse_person_json,
    read_public_key,
};

const NOW: u64 = 1_795_651_200; // 2026-11-26T00:00:00Z
const DAY: u64 = 86_400;
const BIN: &str = env!("CARGO_BIN_EXE_tessera-issuer");
/// A registry photo: the issuer derives the QR portrait from it.
const PHOTO: &[u8] = include_bytes!("../../../assets/demo/portrait.jpg");

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

/// An error and its causes on one line, as the binary prints them.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        s = format!("{s}: {cause}");
        next = cause.source();
    }
    s
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

    std::fs::write(tmp.path().join("face.jpg"), PHOTO).unwrap();
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
        Some(&AttrValue::Bytes(
            tessera_issuer::portrait::derive(PHOTO).unwrap().webp
        ))
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
            "field `sex`: \"F\" is not an ISO/IEC 5218 number",
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
    assert_eq!(
        code,
        Some(2),
        "an issuer folder that exists is a file error"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(mode(&dir.join("issuer.key")), 0o600);

    let h = holder(9);
    std::fs::write(t.join("h.pub"), public_key_to_text(&h.verifying_key(), "")).unwrap();
    std::fs::write(t.join("h.key"), secret_key_to_text(&h, "").as_bytes()).unwrap();
    std::fs::write(t.join("face.jpg"), PHOTO).unwrap();
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
    assert_eq!(run(&["check-request", &p("bad.req")]).0, Some(1));
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

fn simple_person(i: u64) -> tessera_core::Attributes {
    let json = format!(
        r#"{{"family_name":"N{i}","given_name":"G","birth_date":"1980-01-01","id_number":"{i}"}}"#
    );
    parse_person_json(json.as_bytes(), Path::new(".")).unwrap()
}

fn published_status(out: &Path, list: u32, trust: &TrustList) -> StatusList {
    let bytes = std::fs::read(out.join(format!("status/{list}.cbor"))).unwrap();
    StatusList::from_signed(&bytes, trust).unwrap()
}

#[test]
fn revoke_suspend_reinstate_publish_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    let out = tmp.path().join("www");
    init(
        &dir,
        &InitOptions {
            list_size: 4,
            ..opts()
        },
    )
    .unwrap();
    let mut iss = Issuer::open(&dir, None).unwrap();
    // A second process cannot open the folder while this one holds it.
    assert!(matches!(Issuer::open(&dir, None), Err(Error::Locked(_))));
    let ids: Vec<StatusRef> = (0..6)
        .map(|i| {
            iss.issue(&holder(2).verifying_key(), &simple_person(i), &at(NOW))
                .unwrap()
                .claims()
                .status
        })
        .collect();
    assert_eq!(
        ids[4],
        StatusRef { list: 1, index: 0 },
        "a full list rolls over to the next"
    );
    let (revoked, suspended, other_list) = (ids[1], ids[2], ids[5]);
    iss.set_status(&[revoked, other_list], StatusAction::Revoke)
        .unwrap();
    iss.set_status(&[suspended], StatusAction::Suspend).unwrap();
    assert!(matches!(
        iss.set_status(&[StatusRef { list: 1, index: 2 }], StatusAction::Revoke),
        Err(Error::NotIssued { .. })
    ));
    let popts = PublishOptions {
        now: Some(NOW + 10),
        status_ttl: Some(600),
        trust_ttl: None,
    };
    let r1 = iss.publish(&out, &popts).unwrap();
    let names: Vec<&str> = r1.files.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(names, ["trust-list.cbor", "status/0.cbor", "status/1.cbor"]);
    let trust = trust_of(&dir);
    let published_trust = {
        let root = read_public_key(&dir.join("root.pub")).unwrap();
        TrustList::from_signed(&std::fs::read(out.join("trust-list.cbor")).unwrap(), &root).unwrap()
    };
    assert_eq!(published_trust, trust);
    assert_eq!(published_trust.sequence, r1.sequence);
    let l0 = published_status(&out, 0, &trust);
    assert_eq!(
        (l0.ttl, l0.bits, l0.len(), l0.issued_at),
        (600, 2, 4, NOW + 10)
    );
    assert_eq!(l0.get(revoked.index), Some(Status::Revoked));
    assert_eq!(l0.get(suspended.index), Some(Status::Suspended));
    assert_eq!(l0.get(ids[0].index), Some(Status::Valid));
    assert_eq!(
        published_status(&out, 1, &trust).get(other_list.index),
        Some(Status::Revoked)
    );
    assert!(out.join("index.json").exists());

    // Reinstate: a suspension ends; a revocation stays unless explicitly undone.
    iss.set_status(&[suspended], StatusAction::Reinstate)
        .unwrap();
    assert!(matches!(
        iss.set_status(&[revoked], StatusAction::Reinstate),
        Err(Error::Revoked(_))
    ));
    assert!(matches!(
        iss.set_status(&[revoked], StatusAction::Suspend),
        Err(Error::Revoked(_))
    ));
    let r2 = iss.publish(&out, &popts).unwrap();
    assert!(
        r2.sequence > r1.sequence,
        "every publish raises the trust-list sequence"
    );
    let l0 = published_status(&out, 0, &trust_of(&dir));
    assert_eq!(l0.get(suspended.index), Some(Status::Valid));
    assert_eq!(l0.get(revoked.index), Some(Status::Revoked));
    iss.set_status(&[revoked], StatusAction::UndoRevocation)
        .unwrap();
    iss.publish(&out, &popts).unwrap();
    assert_eq!(
        published_status(&out, 0, &trust_of(&dir)).get(revoked.index),
        Some(Status::Valid)
    );
    // The marks survive reopening the folder.
    drop(iss);
    let iss = Issuer::open(&dir, None).unwrap();
    assert_eq!(iss.status_of(other_list), Status::Revoked);
}

#[test]
fn a_million_entry_status_list_keeps_its_revocations() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    init(
        &dir,
        &InitOptions {
            list_size: 1_000_000,
            ..opts()
        },
    )
    .unwrap();
    let mut iss = Issuer::open(&dir, None).unwrap();
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            iss.issue(&holder(3).verifying_key(), &simple_person(i), &at(NOW))
                .unwrap()
                .claims()
                .status,
        );
    }
    let revoked: Vec<StatusRef> = ids.iter().copied().step_by(3).collect();
    iss.set_status(&revoked, StatusAction::Revoke).unwrap();
    iss.set_status(&[ids[1]], StatusAction::Suspend).unwrap();
    let out = tmp.path().join("www");
    let r = iss
        .publish(
            &out,
            &PublishOptions {
                now: Some(NOW),
                ..Default::default()
            },
        )
        .unwrap();
    let l = published_status(&out, 0, &trust_of(&dir));
    assert_eq!(l.len(), 1_000_000);
    assert!(r.files[1].bytes < 2_000, "{} bytes", r.files[1].bytes);
    for (i, id) in ids.iter().enumerate() {
        let want = if i % 3 == 0 {
            Status::Revoked
        } else if i == 1 {
            Status::Suspended
        } else {
            Status::Valid
        };
        assert_eq!(l.get(id.index), Some(want), "{id}");
    }
    assert_eq!(l.get(999_999), Some(Status::Valid));
}

#[test]
fn key_rotation_keeps_old_credentials_verifying_until_retired_window_ends() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    init(&dir, &opts()).unwrap();
    let mut iss = Issuer::open(&dir, None).unwrap();
    let h = holder(4).verifying_key();
    let one_year = IssueOptions {
        valid_days: 365,
        ..at(NOW)
    };
    let old = iss.issue(&h, &simple_person(1), &one_year).unwrap();
    let seq0 = trust_of(&dir).sequence;
    let new_kid = iss.add_key(Some(NOW + 10 * DAY)).unwrap();
    let t1 = trust_of(&dir);
    assert!(t1.sequence > seq0);
    assert_eq!(t1.issuers[0].keys.len(), 2);
    let new = iss
        .issue(
            &h,
            &simple_person(2),
            &IssueOptions {
                valid_days: 365,
                ..at(NOW + 10 * DAY)
            },
        )
        .unwrap();
    assert_eq!(new.kid(), new_kid);
    assert_ne!(old.kid(), new_kid);
    assert!(verifies(&old, &t1, NOW + 20 * DAY));
    assert!(verifies(&new, &t1, NOW + 20 * DAY));
    // The signing key cannot be retired; the old one can.
    assert!(
        iss.retire_key(&to_hex(&new_kid), Some(NOW + 30 * DAY))
            .is_err()
    );
    let info = iss
        .retire_key(&to_hex(&old.kid()), Some(NOW + 30 * DAY))
        .unwrap();
    assert_eq!(
        info.not_after,
        old.claims().expires,
        "window ends when its last credential expires"
    );
    let t2 = trust_of(&dir);
    assert!(t2.sequence > t1.sequence);
    assert!(verifies(&old, &t2, NOW + 300 * DAY));
    assert!(
        !verifies(&old, &t2, old.claims().expires),
        "past the retired key's window"
    );
    assert!(verifies(&new, &t2, NOW + 300 * DAY));
    // Status lists are signed by the new key and read under the new trust list.
    let out = tmp.path().join("www");
    iss.publish(
        &out,
        &PublishOptions {
            now: Some(NOW + 31 * DAY),
            ..Default::default()
        },
    )
    .unwrap();
    let l = published_status(&out, 0, &trust_of(&dir));
    assert_eq!(l.get(old.claims().status.index), Some(Status::Valid));
    let keys = iss.keys();
    assert_eq!(keys.len(), 2);
    assert!(keys[1].signing && keys[0].retired_at == Some(NOW + 30 * DAY));
    // The issuer.key link follows the signing key.
    let link = read_public_key(&dir.join("issuer.pub")).unwrap();
    assert_eq!(tessera_core::kid_for(&link), new_kid);
}

#[test]
fn sealed_keys_need_the_passphrase_and_are_never_plain_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    let pass = Passphrase::new("correct horse battery staple".into());
    init(
        &dir,
        &InitOptions {
            passphrase: Some(pass.clone()),
            ..opts()
        },
    )
    .unwrap();
    for f in ["issuer.key", "root.key"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(tessera_issuer::is_sealed(&text), "{f}");
        assert_eq!(mode(&dir.join(f)), 0o600);
    }
    let h = holder(5).verifying_key();
    let e = issue_one(&dir, &h, &simple_person(1), &at(NOW)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::SecretKey {
                source: SecretKeyError::NeedsPassphrase,
                ..
            }
        ),
        "{e}"
    );
    let wrong = IssueOptions {
        passphrase: Some(Passphrase::new("wrong".into())),
        ..at(NOW)
    };
    let e = issue_one(&dir, &h, &simple_person(1), &wrong).unwrap_err();
    assert!(
        matches!(
            e,
            Error::SecretKey {
                source: SecretKeyError::Unseal,
                ..
            }
        ),
        "{e}"
    );
    let right = IssueOptions {
        passphrase: Some(pass.clone()),
        ..at(NOW)
    };
    let c = issue_one(&dir, &h, &simple_person(1), &right).unwrap();
    assert!(verifies(&c, &trust_of(&dir), NOW + 1));
    // Through the binary, with the environment variable; the id is not consumed by failures.
    std::fs::write(tmp.path().join("h.pub"), public_key_to_text(&h, "")).unwrap();
    std::fs::write(
        tmp.path().join("p.json"),
        r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1"}"#,
    )
    .unwrap();
    let o = Command::new(BIN)
        .env("TESSERA_ISSUER_PASSPHRASE", "correct horse battery staple")
        .args(["issue", "--dir"])
        .arg(&dir)
        .arg("--holder-key")
        .arg(tmp.path().join("h.pub"))
        .arg("--attributes")
        .arg(tmp.path().join("p.json"))
        .arg("--out")
        .arg(tmp.path().join("c.cred"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "0-1");
    // Key rotation seals the new key with the same passphrase.
    let mut iss = Issuer::open(&dir, Some(pass)).unwrap();
    iss.add_key(Some(NOW + 1)).unwrap();
    assert!(tessera_issuer::is_sealed(
        &std::fs::read_to_string(dir.join("issuer.key")).unwrap()
    ));
}

/// A folder made by `init --kdf-mib 8` before key files had a minimum cost: its keys still
/// open, and a key added now is sealed at the minimum instead of being refused.
#[test]
fn key_rotation_in_a_folder_under_the_minimum_seals_at_the_minimum() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    let pass = Passphrase::new("correct horse battery staple".into());
    let o = InitOptions {
        passphrase: Some(pass.clone()),
        ..opts()
    };
    init(&dir, &o).unwrap();
    let state_path = dir.join("state.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    state["kdf"] = serde_json::json!([8 * 1024, 3, 1]);
    std::fs::write(&state_path, serde_json::to_string(&state).unwrap()).unwrap();
    let mut iss = Issuer::open(&dir, Some(pass)).unwrap();
    iss.add_key(Some(NOW + 1)).unwrap();
    let text = std::fs::read_to_string(dir.join("issuer.key")).unwrap();
    assert!(text.contains("argon2id m=65536 t=2 p=1 "), "{text}");
}

/// Writes a batch file: most records by holder key, every 7th by request, every 97th bad,
/// and one blank line. Returns (valid lines, bad lines).
fn batch_file(path: &Path, n: u64) -> (Vec<u64>, Vec<u64>) {
    let mut text = String::new();
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for line in 1..=n {
        if line == 5 {
            text.push('\n');
            continue;
        }
        let h = line_holder(line);
        let birth = if line % 97 == 0 {
            "1990-02-30"
        } else {
            "1985-06-15"
        };
        let attrs = format!(
            r#"{{"family_name":"F{line}","given_name":"G","birth_date":"{birth}","id_number":"{line}"}}"#
        );
        let who = if line % 7 == 0 {
            format!(
                r#""request":"{}""#,
                b64::encode(&make_request(&h, NOW - 3600))
            )
        } else {
            format!(r#""holder_key":"{}""#, to_hex(h.verifying_key().as_bytes()))
        };
        text.push_str(&format!("{{\"attributes\":{attrs},{who}}}\n"));
        if line % 97 == 0 {
            bad.push(line)
        } else {
            good.push(line)
        }
    }
    std::fs::write(path, text).unwrap();
    (good, bad)
}

fn line_holder(line: u64) -> SigningKey {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&line.to_le_bytes());
    seed[31] = 1;
    SigningKey::from_bytes(&seed)
}

/// Checks a batch output: every good line issued exactly once with consecutive ids from
/// 0-0, each credential verifying for its holder; every bad line reported exactly once.
fn check_batch_output(dir: &Path, out: &Path, good: &[u64], bad: &[u64], list_size: u32) {
    let trust = trust_of(dir);
    let creds = std::fs::read_to_string(out.join("credentials.jsonl")).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    let mut ids = Vec::new();
    for l in creds.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let line = v["line"].as_u64().unwrap();
        let cred =
            HeldCredential::from_slice(&b64::decode(v["credential"].as_str().unwrap()).unwrap())
                .unwrap();
        assert!(verifies(&cred, &trust, NOW + DAY), "line {line}");
        assert_eq!(
            cred.claims().holder,
            line_holder(line).verifying_key(),
            "line {line}"
        );
        assert_eq!(cred.claims().status.to_string(), v["id"].as_str().unwrap());
        assert_eq!(
            cred.attributes().get(AttrId::IdNumber),
            Some(&AttrValue::Text(line.to_string()))
        );
        assert!(seen.insert(line, ()).is_none(), "line {line} issued twice");
        ids.push(cred.claims().status);
    }
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        good,
        "missing or extra lines"
    );
    let expected: Vec<StatusRef> = (0..ids.len() as u32)
        .map(|i| StatusRef {
            list: i / list_size,
            index: i % list_size,
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        sorted, expected,
        "status ids must be used once each, with no gap"
    );
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    let err_lines: Vec<u64> = errors
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["line"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(err_lines, bad);
    assert!(errors.contains("birth_date"));
}

#[test]
fn batch_issues_reports_errors_and_a_rerun_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    init(
        &dir,
        &InitOptions {
            list_size: 100,
            ..opts()
        },
    )
    .unwrap();
    let input = tmp.path().join("in.jsonl");
    let (good, bad) = batch_file(&input, 300);
    let out = tmp.path().join("out");
    let mut iss = Issuer::open(&dir, None).unwrap();
    let bopts = BatchOptions {
        now: Some(NOW),
        chunk: 64,
        jobs: 2,
        ..Default::default()
    };
    let mut errors = Vec::new();
    let mut last = None;
    let r = iss
        .issue_batch(
            &input,
            &out,
            &bopts,
            &mut |p| last = Some(*p),
            &mut |l, _| errors.push(l),
        )
        .unwrap();
    assert_eq!(
        (r.issued, r.errors, r.lines),
        (good.len() as u64, bad.len() as u64, 300)
    );
    assert_eq!(errors, bad);
    assert_eq!(last.unwrap().lines_done, 300);
    check_batch_output(&dir, &out, &good, &bad, 100);
    // Running again finds everything done.
    let r2 = iss
        .issue_batch(&input, &out, &bopts, &mut |_| {}, &mut |_, _| {})
        .unwrap();
    assert_eq!((r2.issued, r2.resumed_at_line), (r.issued, 301));
    check_batch_output(&dir, &out, &good, &bad, 100);
    // A changed input is refused rather than half-issued.
    let mut text = std::fs::read_to_string(&input).unwrap();
    text = text.replacen("F1\"", "F1x\"", 1);
    std::fs::write(&input, text).unwrap();
    let e = iss
        .issue_batch(&input, &out, &bopts, &mut |_| {}, &mut |_, _| {})
        .unwrap_err();
    assert!(e.to_string().contains("changed"), "{e}");
    // The next single credential continues after the batch's ids.
    let c = iss
        .issue(&holder(1).verifying_key(), &simple_person(1), &at(NOW))
        .unwrap();
    assert_eq!(
        c.claims().status,
        StatusRef {
            list: (good.len() / 100) as u32,
            index: (good.len() % 100) as u32
        }
    );
}

#[test]
fn batch_killed_with_sigkill_resumes_without_duplicates_or_gaps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    init(
        &dir,
        &InitOptions {
            list_size: 1000,
            ..opts()
        },
    )
    .unwrap();
    let input = tmp.path().join("in.jsonl");
    let (good, bad) = batch_file(&input, 4000);
    let out = tmp.path().join("out");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let spawn = || {
        Command::new(BIN)
            .args([
                "issue-batch",
                "--chunk",
                "50",
                "--jobs",
                "2",
                "--now",
                &NOW.to_string(),
                "--dir",
            ])
            .arg(&dir)
            .arg("--requests")
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut kills = 0;
    for _ in 0..4 {
        let mut child = spawn();
        std::thread::sleep(std::time::Duration::from_millis(30 + next() % 400));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    let status = spawn().wait().unwrap();
    assert_eq!(
        status.code(),
        Some(3),
        "finished, with refused records (seed {seed})"
    );
    eprintln!("killed {kills} times (seed {seed})");
    check_batch_output(&dir, &out, &good, &bad, 1000);
}

#[test]
fn batch_crash_at_each_stage_of_a_chunk_resumes_exactly_once() {
    for stage in ["reserved", "written", "journaled"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("iss");
        init(
            &dir,
            &InitOptions {
                list_size: 100,
                ..opts()
            },
        )
        .unwrap();
        let input = tmp.path().join("in.jsonl");
        let (good, bad) = batch_file(&input, 400);
        let out = tmp.path().join("out");
        let run = |crash: Option<&str>| {
            let mut c = Command::new(BIN);
            c.args([
                "issue-batch",
                "--chunk",
                "64",
                "--now",
                &NOW.to_string(),
                "--dir",
            ])
            .arg(&dir)
            .arg("--requests")
            .arg(&input)
            .arg("--out")
            .arg(&out);
            if let Some(v) = crash {
                c.env("TESSERA_ISSUER_TEST_CRASH", v);
            }
            c.output().unwrap()
        };
        let o = run(Some(&format!("{stage}:3")));
        assert!(
            !o.status.success() && o.status.code().is_none(),
            "{stage}: must abort"
        );
        let o = run(None);
        assert_eq!(
            o.status.code(),
            Some(3),
            "{stage}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        check_batch_output(&dir, &out, &good, &bad, 100);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    #[test]
    fn hostile_requests_and_person_files_are_refused_without_panics(
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        flip in 0usize..(158 * 8),
        text in "\\PC{0,200}",
    ) {
        // Random bytes are never a good request.
        proptest::prop_assert!(tessera_issuer::check_request(&bytes, NOW).is_err());
        // Any single bit flip of a good request is refused.
        let mut req = make_request(&holder(8), NOW);
        proptest::prop_assert_eq!(req.len(), 158);
        req[flip / 8] ^= 1 << (flip % 8);
        proptest::prop_assert!(tessera_issuer::check_request(&req, NOW).is_err());
        // Person parsing and base64 never panic; base64 round-trips.
        let _ = parse_person_json(text.as_bytes(), Path::new("."));
        let _ = b64::decode(&text);
        proptest::prop_assert_eq!(b64::decode(&b64::encode(&bytes)), Some(bytes.clone()));
    }
}

#[test]
fn cli_revoke_publish_and_rotate() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = t.join("iss");
    let www = t.join("www");
    let run = |args: &[&str]| {
        let o = Command::new(BIN)
            .args(args)
            .args(["--now", &NOW.to_string()])
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let d = dir.to_str().unwrap();
    let w = www.to_str().unwrap();
    assert_eq!(
        run(&[
            "init",
            "--dir",
            d,
            "--list-size",
            "1000",
            "--status-ttl",
            "3600"
        ])
        .0,
        Some(0)
    );
    std::fs::write(
        t.join("h.pub"),
        public_key_to_text(&holder(6).verifying_key(), ""),
    )
    .unwrap();
    std::fs::write(
        t.join("p.json"),
        r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1"}"#,
    )
    .unwrap();
    let h = t.join("h.pub");
    let p = t.join("p.json");
    for i in 0..3 {
        let out = t.join(format!("{i}.cred"));
        let (code, id, err) = run(&[
            "issue",
            "--dir",
            d,
            "--holder-key",
            h.to_str().unwrap(),
            "--attributes",
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(id.trim(), format!("0-{i}"));
    }
    let (code, out, _) = run(&["revoke", "--dir", d, "0-0"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("revoked 0-0"));
    assert_eq!(run(&["suspend", "--dir", d, "0-1"]).0, Some(0));
    let (code, _, err) = run(&["revoke", "--dir", d, "0-7"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("0-7 has not been issued"), "{err}");
    let (code, _, err) = run(&["revoke", "--dir", d, "7"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("LIST-INDEX"), "{err}");
    let (code, out, err) = run(&["publish", "--dir", d, "--out", w]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("status/0.cbor"), "{out}");
    let trust = trust_of(&dir);
    let l = published_status(&www, 0, &trust);
    assert_eq!(l.ttl, 3600);
    assert_eq!(
        (l.get(0), l.get(1), l.get(2)),
        (
            Some(Status::Revoked),
            Some(Status::Suspended),
            Some(Status::Valid)
        )
    );
    assert_eq!(run(&["reinstate", "--dir", d, "0-1"]).0, Some(0));
    assert_eq!(run(&["reinstate", "--dir", d, "0-0"]).0, Some(1));
    // Rotation through the binary.
    let (code, new_kid, _) = run(&["key", "add", "--dir", d]);
    assert_eq!(code, Some(0));
    let (_, list, _) = run(&["key", "list", "--dir", d]);
    assert_eq!(list.lines().count(), 2, "{list}");
    let old_kid = list
        .lines()
        .next()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(list.contains(&format!("{} window", new_kid.trim())) && list.contains("signing"));
    let (code, _, err) = run(&["key", "retire", "--dir", d, new_kid.trim()]);
    assert_eq!(code, Some(1), "the signing key cannot be retired");
    assert!(err.contains("add a new key"), "{err}");
    assert_eq!(run(&["key", "retire", "--dir", d, &old_kid]).0, Some(0));
    assert_eq!(
        run(&["publish", "--dir", d, "--out", w, "--status-ttl", "60"]).0,
        Some(0)
    );
    let trust2 = {
        let root = read_public_key(&dir.join("root.pub")).unwrap();
        TrustList::from_signed(&std::fs::read(www.join("trust-list.cbor")).unwrap(), &root).unwrap()
    };
    assert!(trust2.sequence > trust.sequence);
    let l = published_status(&www, 0, &trust2);
    assert_eq!((l.ttl, l.get(1)), (60, Some(Status::Valid)));
    let c = HeldCredential::from_slice(&std::fs::read(t.join("2.cred")).unwrap()).unwrap();
    assert!(
        verifies(&c, &trust2, NOW + DAY),
        "old key's credential still verifies"
    );
}

/// Runs the binary with `--now`; returns (exit code, stdout, stderr).
fn cli(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
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
}

/// An issuer folder, a holder key file and a person file in `t`.
fn cli_setup(t: &Path) -> std::path::PathBuf {
    let dir = t.join("iss");
    init(&dir, &opts()).unwrap();
    let h = holder(9);
    std::fs::write(t.join("h.pub"), public_key_to_text(&h.verifying_key(), "")).unwrap();
    std::fs::write(t.join("face.jpg"), PHOTO).unwrap();
    std::fs::write(t.join("p.json"), PERSON).unwrap();
    dir
}

fn cli_issue(t: &Path, dir: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["issue".as_ref(), "--dir".as_ref(), dir.as_ref()];
    let (hk, pj) = (t.join("h.pub"), t.join("p.json"));
    args.extend([
        "--holder-key".as_ref(),
        hk.as_os_str(),
        "--attributes".as_ref(),
        pj.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    cli(&args)
}

#[test]
fn issue_out_is_a_new_private_file_and_never_follows_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = cli_setup(t);
    // A new file, 0600 whatever the umask (the test runs under the usual 022).
    let cred = t.join("a.cred");
    let (code, out, err) = cli_issue(t, &dir, &cred, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), "0-0");
    assert_eq!(mode(&cred), 0o600);
    let first = std::fs::read(&cred).unwrap();
    // An existing file is refused, before a status id is spent (a file error).
    let (code, _, err) = cli_issue(t, &dir, &cred, &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(&cred).unwrap(), first);
    // --force replaces it, still 0600.
    std::fs::set_permissions(&cred, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, out, err) = cli_issue(t, &dir, &cred, &["--force"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), "0-1");
    assert_eq!(mode(&cred), 0o600);
    assert_ne!(std::fs::read(&cred).unwrap(), first);
    // A symbolic link is never written through: refused, even dangling...
    let victim = t.join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let link = t.join("link.cred");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let dangling = t.join("dangling.cred");
    std::os::unix::fs::symlink(t.join("nowhere"), &dangling).unwrap();
    for l in [&link, &dangling] {
        let (code, _, err) = cli_issue(t, &dir, l, &[]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("already exists"), "{err}");
    }
    assert!(!t.join("nowhere").exists());
    // ...and --force replaces the link itself, not its target.
    let (code, _, err) = cli_issue(t, &dir, &link, &["--force"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(!link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(mode(&link), 0o600);
    // A missing folder is found before a status id is spent.
    let nowhere = t.join("no-such-folder").join("x.cred");
    let (code, _, err) = cli_issue(t, &dir, &nowhere, &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no-such-folder: no such folder for --out"),
        "{err}"
    );
    // An OS error is printed once, after the path it is about.
    let (code, _, err) = cli(&[
        "issue".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
        "--holder-key".as_ref(),
        t.join("missing.pub").as_os_str(),
        "--attributes".as_ref(),
        t.join("p.json").as_os_str(),
        "--out".as_ref(),
        t.join("y.cred").as_os_str(),
    ]);
    assert_eq!(code, Some(2), "a missing file is a file error: {err}");
    assert!(err.starts_with("tessera-issuer: error: "), "{err}");
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.contains("missing.pub: No such file"), "{err}");
    let (code, out, _) = cli_issue(t, &dir, &t.join("next.cred"), &[]);
    assert_eq!(
        (code, out.trim()),
        (Some(0), "0-3"),
        "no id was spent on the failures"
    );
    // make-request follows the same rule.
    let hk = t.join("h.key");
    std::fs::write(&hk, secret_key_to_text(&holder(9), "").as_bytes()).unwrap();
    let req = t.join("r.req");
    let args = |force: bool| {
        let mut a: Vec<&std::ffi::OsStr> = vec![
            "make-request".as_ref(),
            "--holder-secret".as_ref(),
            hk.as_os_str(),
            "--out".as_ref(),
            req.as_os_str(),
        ];
        if force {
            a.push("--force".as_ref());
        }
        a
    };
    assert_eq!(cli(&args(false)).0, Some(0));
    assert_eq!(mode(&req), 0o600);
    assert_eq!(
        cli(&args(false)).0,
        Some(2),
        "an existing output is a file error"
    );
    assert_eq!(cli(&args(true)).0, Some(0));
}

#[test]
fn batch_output_is_private_and_keeps_an_existing_folder_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    init(&dir, &opts()).unwrap();
    let input = tmp.path().join("in.jsonl");
    let (good, bad) = batch_file(&input, 100);
    let bopts = BatchOptions {
        now: Some(NOW),
        chunk: 64,
        ..Default::default()
    };
    let mut iss = Issuer::open(&dir, None).unwrap();
    let mut run = |out: &Path| iss.issue_batch(&input, out, &bopts, &mut |_| {}, &mut |_, _| {});
    // A new output folder is 0700; every file in it 0600.
    let fresh = tmp.path().join("fresh");
    run(&fresh).unwrap();
    assert_eq!(mode(&fresh), 0o700);
    for f in ["credentials.jsonl", "errors.jsonl", "journal.log"] {
        assert_eq!(mode(&fresh.join(f)), 0o600, "{f}");
    }
    // An existing folder keeps the mode its owner chose.
    for m in [0o700, 0o750] {
        let out = tmp.path().join(format!("kept{m:o}"));
        std::fs::create_dir(&out).unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(m)).unwrap();
        let r = run(&out).unwrap();
        assert_eq!((r.issued, r.errors), (good.len() as u64, bad.len() as u64));
        assert_eq!(mode(&out), m);
        assert_eq!(mode(&out.join("credentials.jsonl")), 0o600);
    }
    // An output file that is a symbolic link is refused, and its target untouched.
    let linked = tmp.path().join("linked");
    std::fs::create_dir(&linked).unwrap();
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::fs::write(linked.join("journal.log"), "").unwrap();
    std::os::unix::fs::symlink(&victim, linked.join("credentials.jsonl")).unwrap();
    let err = chain(&run(&linked).unwrap_err());
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    // Output files with no journal are not a batch to resume: never cut.
    let stray = tmp.path().join("stray");
    std::fs::create_dir(&stray).unwrap();
    std::fs::write(stray.join("credentials.jsonl"), "earlier output\n").unwrap();
    let err = run(&stray).unwrap_err().to_string();
    assert!(err.contains("journal.log"), "{err}");
    assert_eq!(
        std::fs::read_to_string(stray.join("credentials.jsonl")).unwrap(),
        "earlier output\n"
    );
    // A journal left 0644 by an older version is tightened when the batch resumes.
    std::fs::set_permissions(
        fresh.join("journal.log"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    run(&fresh).unwrap();
    assert_eq!(mode(&fresh.join("journal.log")), 0o600);
}

fn person_with_portrait(portrait: &str) -> String {
    format!(
        r#"{{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1","portrait":{}}}"#,
        serde_json::to_string(portrait).unwrap()
    )
}

#[test]
fn portrait_paths_stay_inside_the_person_file_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let folder = t.join("people");
    std::fs::create_dir_all(folder.join("faces")).unwrap();
    let secret = t.join("secret.jpg");
    std::fs::write(&secret, PHOTO).unwrap();
    std::fs::write(folder.join("faces/lin.jpg"), PHOTO).unwrap();
    std::os::unix::fs::symlink(&secret, folder.join("out.jpg")).unwrap();
    std::os::unix::fs::symlink("faces/lin.jpg", folder.join("in.jpg")).unwrap();
    std::os::unix::fs::symlink("/etc", folder.join("etc")).unwrap();
    let portrait = |p: &str| {
        parse_person_json(person_with_portrait(p).as_bytes(), &folder)
            .map(|a| a.get(AttrId::Portrait).cloned())
            .map_err(|e| e.to_string())
    };
    // Inside the folder, directly or through a link that stays inside: read.
    for ok in ["faces/lin.jpg", "./faces/lin.jpg", "in.jpg"] {
        assert_eq!(
            portrait(ok),
            Ok(Some(AttrValue::Bytes(
                tessera_issuer::portrait::derive(PHOTO).unwrap().webp
            ))),
            "{ok}"
        );
    }
    // Absolute paths, `..` and links that leave the folder: refused, naming the field.
    let cases = [
        (secret.to_str().unwrap().to_string(), "absolute path"),
        ("../secret.jpg".into(), "`..`"),
        ("faces/../../secret.jpg".into(), "`..`"),
        ("faces/../faces/lin.jpg".into(), "`..`"),
        ("out.jpg".into(), "leads outside"),
        ("etc/hostname".into(), "leads outside"),
        ("faces".into(), "not a regular file"),
        (String::new(), "must name a file"),
    ];
    for (p, want) in cases {
        let e = portrait(&p).unwrap_err();
        assert!(e.contains("`portrait`") && e.contains(want), "{p}: {e}");
    }
    // A portrait larger than the format allows is refused before it is read.
    let big = folder.join("big.jpg");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let e = portrait("big.jpg").unwrap_err();
    assert!(e.contains("at most 4194304"), "{e}");
    // The batch path uses the same rule, relative to the requests file's folder.
    let dir = t.join("iss");
    init(&dir, &opts()).unwrap();
    let input = folder.join("in.jsonl");
    let key = to_hex(holder(3).verifying_key().as_bytes());
    let line = |p: &str| {
        format!(
            "{{\"attributes\":{},\"holder_key\":\"{key}\"}}\n",
            person_with_portrait(p)
        )
    };
    std::fs::write(
        &input,
        line("faces/lin.jpg") + &line("../secret.jpg") + &line("out.jpg"),
    )
    .unwrap();
    let mut errors = Vec::new();
    let r = Issuer::open(&dir, None)
        .unwrap()
        .issue_batch(
            &input,
            &t.join("out"),
            &BatchOptions {
                now: Some(NOW),
                ..Default::default()
            },
            &mut |_| {},
            &mut |l, e| errors.push((l, e.to_string())),
        )
        .unwrap();
    assert_eq!((r.issued, r.errors), (1, 2));
    assert_eq!(errors[0].0, 2);
    assert!(errors[0].1.contains("`..`"), "{:?}", errors[0]);
    assert!(errors[1].1.contains("leads outside"), "{:?}", errors[1]);
}

#[test]
fn control_characters_in_text_attributes_are_refused_naming_the_field() {
    let d = Path::new(".");
    let cases = [
        ("family_name", "LIN\n  age_over_18: yes", "U+000A"),
        ("given_name", "MEI\u{1b}[8mHUA", "U+001B"),
        ("address", "Road 1\u{7}", "U+0007"),
        ("given_name_latin", "\u{202E}AUHIEM", "U+202E"),
        ("id_number", "1101\r05", "U+000D"),
        ("issuing_authority", "Office\u{2028}Fake line", "U+2028"),
    ];
    for (field, value, code) in cases {
        let mut person = serde_json::json!({
            "family_name": "A", "given_name": "B", "birth_date": "1990-02-03", "id_number": "1"
        });
        person[field] = value.into();
        let e = parse_person_json(person.to_string().as_bytes(), d)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("`{field}`")) && e.contains(code),
            "{field}: {e}"
        );
    }
    // The binary prints its messages escaped: a hostile file name cannot draw a fake line.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = cli_setup(t);
    let hostile = t.join("p\nissued 0-0\u{1b}[2K.json");
    std::fs::write(
        &hostile,
        r#"{"family_name":"A\u001b[8m","given_name":"B","birth_date":"1990-02-03","id_number":"1"}"#,
    )
    .unwrap();
    let hk = t.join("h.pub");
    let out = t.join("x.cred");
    let (code, _, err) = cli(&[
        "issue".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
        "--holder-key".as_ref(),
        hk.as_os_str(),
        "--attributes".as_ref(),
        hostile.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("p\\u{000A}issued 0-0\\u{001B}[2K.json"),
        "{err}"
    );
    assert!(
        err.contains("`family_name`") && err.contains("U+001B"),
        "{err}"
    );
    assert!(
        !err.trim_end().contains('\n') && !err.contains('\u{1b}'),
        "{err}"
    );
    // Joiners that real names need are kept.
    let person = serde_json::json!({
        "family_name": "می\u{200C}خواهم", "given_name": "क्\u{200D}ष", "birth_date": "1990-02-03",
        "id_number": "1"
    });
    assert!(parse_person_json(person.to_string().as_bytes(), d).is_ok());
}

/// The identity point 0100…00: small order, so any "signature" R = identity, S = 0 verifies
/// under RFC 8032's cofactored equation.
fn small_order_key_hex() -> String {
    let mut k = [0u8; 32];
    k[0] = 1;
    to_hex(&k)
}

#[test]
fn weak_holder_keys_are_refused_in_key_files_and_batch_records() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = cli_setup(t);
    // A key file holding 0100…00, by the command line.
    let weak = t.join("weak.pub");
    std::fs::write(
        &weak,
        format!("tessera-ed25519-public-key-v1\n{}\n", small_order_key_hex()),
    )
    .unwrap();
    let cred = t.join("weak.cred");
    let mut args: Vec<&std::ffi::OsStr> = vec!["issue".as_ref(), "--dir".as_ref(), dir.as_ref()];
    let pj = t.join("p.json");
    args.extend([
        "--holder-key".as_ref(),
        weak.as_os_str(),
        "--attributes".as_ref(),
        pj.as_os_str(),
        "--out".as_ref(),
        cred.as_os_str(),
    ]);
    let (code, _, err) = cli(&args);
    assert_eq!(code, Some(1));
    assert!(err.contains("weak"), "{err}");
    assert!(!cred.exists());
    // The same key in an enrolment request (the core's vector, R = identity and S = 0):
    // refused by check-request and by issue --request.
    let vector = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/requests/weak-key.vec"),
    )
    .unwrap();
    let hex = vector
        .lines()
        .find_map(|l| l.strip_prefix("request: "))
        .unwrap();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let req = t.join("weak.req");
    std::fs::write(&req, bytes).unwrap();
    let (code, _, err) = cli(&["check-request".as_ref(), req.as_os_str()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("weak"), "{err}");
    let (code, _, err) = cli(&[
        "issue".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
        "--request".as_ref(),
        req.as_os_str(),
        "--attributes".as_ref(),
        pj.as_os_str(),
        "--out".as_ref(),
        cred.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("weak"), "{err}");
    assert!(!cred.exists());
    // Through the library, with a key that decodes as a point.
    let mut k = [0u8; 32];
    k[0] = 1;
    let identity = ed25519_dalek::VerifyingKey::from_bytes(&k).unwrap();
    let attrs = parse_person_json(PERSON.as_bytes(), t).unwrap();
    let mut iss = Issuer::open(&dir, None).unwrap();
    let before = iss.next_id();
    let e = iss.issue(&identity, &attrs, &at(NOW)).unwrap_err();
    assert!(matches!(e, Error::HolderKey(_)), "{e}");
    assert!(e.to_string().contains("weak"), "{e}");
    assert_eq!(iss.next_id(), before, "no status id is spent");
    drop(iss);
    // The same key in a batch record: that line is refused, the others issued.
    let input = t.join("in.jsonl");
    let person =
        r#"{"family_name":"A","given_name":"B","birth_date":"1990-02-03","id_number":"1"}"#;
    let good = to_hex(holder(4).verifying_key().as_bytes());
    std::fs::write(
        &input,
        format!(
            "{{\"attributes\":{person},\"holder_key\":\"{good}\"}}\n{{\"attributes\":{person},\"holder_key\":\"{}\"}}\n",
            small_order_key_hex()
        ),
    )
    .unwrap();
    let mut errors = Vec::new();
    let r = Issuer::open(&dir, None)
        .unwrap()
        .issue_batch(
            &input,
            &t.join("out"),
            &BatchOptions {
                now: Some(NOW),
                ..Default::default()
            },
            &mut |_| {},
            &mut |l, e| errors.push((l, e.to_string())),
        )
        .unwrap();
    assert_eq!((r.issued, r.errors), (1, 1));
    assert_eq!(errors[0].0, 2);
    assert!(
        errors[0].1.contains("holder_key") && errors[0].1.contains("weak"),
        "{:?}",
        errors[0]
    );
}

#[test]
fn a_revoked_key_leaves_the_trust_list_and_its_credentials_stop_verifying() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    init(&dir, &opts()).unwrap();
    let mut iss = Issuer::open(&dir, None).unwrap();
    let h = holder(4).verifying_key();
    let stolen = iss.issue(&h, &simple_person(1), &at(NOW)).unwrap();
    let stolen_kid = to_hex(&stolen.kid());
    // The signing key cannot be revoked until another key signs; an unknown key is named.
    let e = iss.revoke_key(&stolen_kid, Some(NOW + DAY)).unwrap_err();
    assert!(e.to_string().contains("key add"), "{e}");
    let e = iss.revoke_key("00112233", Some(NOW + DAY)).unwrap_err();
    assert!(matches!(e, Error::UnknownKey(_)), "{e}");
    let new_kid = iss.add_key(Some(NOW + DAY)).unwrap();
    let fresh = iss.issue(&h, &simple_person(2), &at(NOW + DAY)).unwrap();
    let before = trust_of(&dir);
    assert!(verifies(&stolen, &before, NOW + 2 * DAY));
    // Revoked: the re-signed trust list has a higher sequence and no trace of the key, so a
    // verifier that installs it finds no key for the stolen key's credentials (unknown kid),
    // long before they expire; the new key's credentials keep verifying.
    let info = iss
        .revoke_key(&stolen_kid.to_uppercase(), Some(NOW + 2 * DAY))
        .unwrap();
    assert_eq!(info.revoked_at, Some(NOW + 2 * DAY));
    let after = trust_of(&dir);
    assert!(after.sequence > before.sequence);
    assert!(after.find_key(&stolen.kid()).is_none());
    assert_eq!(after.issuers[0].keys.len(), 1);
    assert!(!verifies(&stolen, &after, NOW + 3 * DAY));
    assert!(verifies(&fresh, &after, NOW + 3 * DAY));
    // Retiring it later, or adding keys, never brings it back; publish carries the list.
    iss.retire_key(&stolen_kid, Some(NOW + 3 * DAY)).unwrap();
    iss.add_key(Some(NOW + 4 * DAY)).unwrap();
    let out = tmp.path().join("www");
    iss.publish(
        &out,
        &PublishOptions {
            now: Some(NOW + 5 * DAY),
            ..Default::default()
        },
    )
    .unwrap();
    let root = read_public_key(&dir.join("root.pub")).unwrap();
    let published =
        TrustList::from_signed(&std::fs::read(out.join("trust-list.cbor")).unwrap(), &root)
            .unwrap();
    assert!(published.find_key(&stolen.kid()).is_none());
    assert!(published.find_key(&new_kid).is_some());
    drop(iss);
    // The state keeps the revocation across opens, and the command line shows it.
    let (code, out, err) = cli(&[
        "key".as_ref(),
        "list".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with(&stolen_kid) && l.contains("revoked at")),
        "{out}"
    );
    let (code, out, err) = cli(&[
        "key".as_ref(),
        "revoke".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
        to_hex(&new_kid).as_ref(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("revoked") && out.contains("publish"), "{out}");
    assert!(trust_of(&dir).find_key(&new_kid).is_none());
}

/// A bad option value is a usage error (exit 2), a refused input or operation exit 1.
#[test]
fn option_mistakes_exit_2_and_refusals_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = cli_setup(t);
    let out = t.join("c.cred");
    for days in ["0", "99999"] {
        let (code, _, err) = cli_issue(t, &dir, &out, &["--valid-days", days]);
        assert_eq!(code, Some(2), "--valid-days {days}: {err}");
        assert!(err.contains("--valid-days must be between 1 and"), "{err}");
        assert!(!out.exists());
    }
    let jsonl = t.join("in.jsonl");
    std::fs::write(&jsonl, "").unwrap();
    let (code, _, err) = cli(&[
        "issue-batch".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
        "--requests".as_ref(),
        jsonl.as_os_str(),
        "--out".as_ref(),
        t.join("o").as_os_str(),
        "--chunk".as_ref(),
        "0".as_ref(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--chunk must be at least 1"), "{err}");
    // A refused input stays 1: a birth date after the start of validity.
    std::fs::write(
        t.join("p.json"),
        r#"{"family_name":"A","given_name":"B","birth_date":"2099-01-01","id_number":"1"}"#,
    )
    .unwrap();
    let (code, _, err) = cli_issue(t, &dir, &out, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("after the start of validity"), "{err}");
}

#[test]
fn cli_portrait_makes_the_qr_portrait_once_for_person_files_to_name() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let run = |args: &[&str]| {
        let o = Command::new(BIN).args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    std::fs::write(t.join("photo.jpg"), PHOTO).unwrap();
    let (photo, out) = (t.join("photo.jpg"), t.join("face.webp"));
    let (p, o) = (photo.to_str().unwrap(), out.to_str().unwrap());
    let (code, stdout, err) = run(&["portrait", p, "--out", o]);
    assert_eq!(code, Some(0), "{err}");
    let webp = std::fs::read(&out).unwrap();
    assert_eq!(webp, tessera_issuer::portrait::derive(PHOTO).unwrap().webp);
    assert_eq!(
        stdout.trim(),
        format!("{o}: 48x64 WebP, {} bytes", webp.len())
    );
    assert_eq!(mode(&out), 0o600);
    // A person file naming the stored portrait: issued as it is.
    let attrs = parse_person_json(PERSON.replace("face.jpg", "face.webp").as_bytes(), t).unwrap();
    assert_eq!(attrs.get(AttrId::Portrait), Some(&AttrValue::Bytes(webp)));
    // The output exists: a file error without --force.
    let (code, _, err) = run(&["portrait", p, "--out", o]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(run(&["portrait", p, "--out", o, "--force"]).0, Some(0));
    // Not a photo: refused, saying why.
    std::fs::write(t.join("notes.txt"), "not a photo").unwrap();
    let notes = t.join("notes.txt");
    let (code, _, err) = run(&["portrait", notes.to_str().unwrap(), "--out", o, "--force"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("the photo is not a JPEG, PNG or WebP image (unknown format)"),
        "{err}"
    );
    // A folder is not a photo file.
    let (code, _, err) = run(&["portrait", t.to_str().unwrap(), "--out", o, "--force"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is not a regular file"), "{err}");
}

/// `issue-batch` with requests that ask for batches, interrupted after the reservation of
/// its second chunk: each batch record gets a batch line whose credentials derive from its
/// device key, every status id is used once, the resumed chunk reuses its reserved ids, and
/// the register names every citizen.
#[test]
fn issue_batch_with_batch_requests_resumes_with_the_reserved_ids() {
    use tessera_core::batch::BatchFile;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("iss");
    init(&dir, &opts()).unwrap();
    let input = tmp.path().join("in.jsonl");
    let mut text = String::new();
    for line in 1..=6u64 {
        let h = line_holder(line);
        let req = if line.is_multiple_of(3) {
            make_request(&h, NOW - 60)
        } else {
            tessera_core::request::build_batch(
                &h,
                tessera_core::DOCTYPE_EID,
                NOW - 60,
                [line as u8; 16],
                4 + line as u32,
            )
            .unwrap()
        };
        text.push_str(&format!(
            "{{\"attributes\":{{\"family_name\":\"F{line}\",\"given_name\":\"G\",\"birth_date\":\"1985-06-15\",\"id_number\":\"ID{line}\"}},\"request\":\"{}\"}}\n",
            b64::encode(&req)
        ));
    }
    std::fs::write(&input, text).unwrap();
    let out = tmp.path().join("out");
    let run = |crash: Option<&str>| {
        let mut c = Command::new(BIN);
        c.args([
            "issue-batch",
            "--chunk",
            "2",
            "--now",
            &NOW.to_string(),
            "--dir",
        ])
        .arg(&dir)
        .arg("--requests")
        .arg(&input)
        .arg("--out")
        .arg(&out);
        if let Some(v) = crash {
            c.env("TESSERA_ISSUER_TEST_CRASH", v);
        }
        c.output().unwrap()
    };
    let o = run(Some("reserved:2"));
    assert!(o.status.code().is_none(), "must abort");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state.json")).unwrap()).unwrap();
    let reserved: Vec<String> = state["pending"]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    // Lines 3 (one credential) and 4 (a batch of 8).
    assert_eq!(reserved.len(), 1 + 8);
    let o = run(None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let trust = trust_of(&dir);
    let mut all_ids = Vec::new();
    let creds = std::fs::read_to_string(out.join("credentials.jsonl")).unwrap();
    for (n, l) in creds.lines().enumerate() {
        let line = n as u64 + 1;
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["line"], line);
        let h = line_holder(line).verifying_key();
        let mut ids: Vec<String> = Vec::new();
        if line.is_multiple_of(3) {
            let c = HeldCredential::from_slice(
                &b64::decode(v["credential"].as_str().unwrap()).unwrap(),
            )
            .unwrap();
            assert_eq!(c.claims().holder, h);
            assert!(verifies(&c, &trust, NOW + 1));
            ids.push(v["id"].as_str().unwrap().to_string());
        } else {
            let b =
                BatchFile::from_slice(&b64::decode(v["batch"].as_str().unwrap()).unwrap()).unwrap();
            assert_eq!(b.credentials.len(), 4 + line as usize);
            b.check_for(&h).unwrap();
            for c in &b.credentials {
                assert!(verifies(c, &trust, NOW + 1));
                assert_eq!(c.claims().not_before % DAY, 0);
            }
            ids.extend(
                v["ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string()),
            );
            let in_creds: Vec<String> = b
                .credentials
                .iter()
                .map(|c| c.claims().status.to_string())
                .collect();
            assert_eq!(ids, in_creds);
        }
        if line == 3 || line == 4 {
            for id in &ids {
                assert!(reserved.contains(id), "line {line}: {id} was not reserved");
            }
        }
        all_ids.extend(ids);
    }
    assert_eq!(creds.lines().count(), 6);
    let n = all_ids.len();
    all_ids.sort();
    all_ids.dedup();
    assert_eq!(all_ids.len(), n, "an id used twice");
    // Every citizen is in the register: revoking line 4's citizen marks its 8 credentials.
    let (code, out_text, err) = cli(&[
        "revoke".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
        "--citizen".as_ref(),
        "ID4".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out_text.lines().count(), 8);
}
