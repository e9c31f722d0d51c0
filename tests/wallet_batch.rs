//! The wallet's single-use batches end to end, with the real programs: `tessera-wallet
//! request` (a batch request) → `tessera-issuer issue --request` → `tessera-wallet import`
//! → `present` until the fresh credentials run low (a warning on standard error and a
//! renewal request) → `renew` → `tessera-issuer issue --request --renew` → `import` (the
//! batch joins the same id) → `backup` / `restore` → `present` never shows a credential
//! used before the backup. The binaries are built by `cargo test --workspace`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use tessera_core::attributes::AttrId;
use tessera_core::request::VerifiedRequest;
use tessera_core::{TrustList, VerifiedPresentation, VerifyPolicy, verify_text};
use tessera_tests::{bin, ok, run};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The shared `tessera-wallet --data-dir DIR` (PIN, cheap key derivation, no input) with
/// the passphrase `backup` and `restore` read.
fn wallet(dir: &Path) -> Command {
    let mut c = tessera_tests::wallet(dir);
    c.env("TESSERA_BACKUP_PASSPHRASE", "correct horse battery");
    c
}

/// `tessera-issuer SUBCOMMAND --dir DIR`.
fn issuer(sub: &str, dir: &Path) -> Command {
    let mut c = Command::new(bin("tessera-issuer"));
    c.stdin(Stdio::null()).arg(sub).arg("--dir").arg(dir);
    c
}

/// The issuer's trust list, read from its folder as a verifier installs it.
fn trust(iss: &Path) -> TrustList {
    let root = std::fs::read_to_string(iss.join("root.pub")).unwrap();
    let root = tessera_core::keys::public_key_from_text(&root).unwrap();
    TrustList::from_signed(&std::fs::read(iss.join("trust-list.cbor")).unwrap(), &root).unwrap()
}

/// `present --preset age18`, checked; returns the verified presentation and standard error.
fn present(wal: &Path, trust: &TrustList) -> (VerifiedPresentation, String) {
    let out = run(wallet(wal).args(["present", "--preset", "age18"]));
    (verify_now(&ok(&out), trust), stderr(&out))
}

fn verify_now(text: &str, trust: &TrustList) -> VerifiedPresentation {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    verify_text(text.trim(), trust, &VerifyPolicy::at(now)).expect("the code verifies")
}

#[test]
fn enrol_present_until_low_renew_back_up_and_restore() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (iss, wal) = (t.join("issuer"), t.join("wallet"));
    ok(&run(Command::new(bin("tessera-issuer"))
        .args(["init", "--dir"])
        .arg(&iss)));
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    std::fs::copy(demo.join("person.json"), t.join("person.json")).unwrap();
    std::fs::copy(demo.join("portrait.jpg"), t.join("portrait.jpg")).unwrap();

    // A batch size out of range is a usage error.
    let out = run(wallet(&wal)
        .args(["request", "--batch", "0", "--out"])
        .arg(t.join("r")));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--batch 0: a batch holds 1 to 64"),
        "{}",
        stderr(&out)
    );

    // Enrolment: a batch request for 16, answered by the issuer with 16 credentials.
    ok(&run(wallet(&wal)
        .args(["request", "--batch", "16", "--out"])
        .arg(t.join("req.cbor"))));
    let req = VerifiedRequest::from_slice(&std::fs::read(t.join("req.cbor")).unwrap()).unwrap();
    assert_eq!(req.batch_count(), Some(16));
    ok(&run(issuer("issue", &iss)
        .arg("--request")
        .arg(t.join("req.cbor"))
        .arg("--attributes")
        .arg(t.join("person.json"))
        .arg("--out")
        .arg(t.join("batch1.cbor"))));
    let imported = ok(&run(wallet(&wal).arg("import").arg(t.join("batch1.cbor"))));
    let id = imported
        .split_whitespace()
        .nth(2)
        .expect("imported credential ID")
        .to_string();
    assert!(imported.contains("(16 fresh of 16)"), "{imported}");
    assert!(ok(&run(wallet(&wal).arg("list"))).contains("16 fresh of 16"));

    // Twelve presentations: twelve credentials; the warning comes at 4 fresh left, with the
    // renewal request the wallet made.
    let trust = trust(&iss);
    let mut used = BTreeSet::new();
    for n in 1..=12 {
        let (v, err) = present(&wal, &trust);
        assert!(used.insert(v.status.index), "credential shown twice");
        assert_eq!(err.contains("warning:"), n >= 12, "{n}: {err}");
        if n == 12 {
            assert!(
                err.contains("4 fresh single-use credentials of 16 left"),
                "{err}"
            );
            assert!(err.contains("renewal request"), "{err}");
        }
    }
    let show = ok(&run(wallet(&wal).arg("show")));
    assert!(
        show.contains("4 fresh of 16 single-use credentials"),
        "{show}"
    );
    assert!(show.contains("renewal request"), "{show}");

    // The check-in preset with the portrait.
    let text = ok(&run(wallet(&wal).args([
        "present",
        "--preset",
        "checkin-photo",
    ])));
    let v = verify_now(&text, &trust);
    assert!(v.get(AttrId::Portrait).is_some());
    assert!(used.insert(v.status.index));

    // Renewal: the request the wallet made (same device key, batch of 16), served from the
    // register without a person file; the batch joins the same id.
    let renew = run(wallet(&wal)
        .arg("renew")
        .arg("--out")
        .arg(t.join("renew.cbor")));
    ok(&renew);
    let r = VerifiedRequest::from_slice(&std::fs::read(t.join("renew.cbor")).unwrap()).unwrap();
    assert_eq!((r.holder(), r.batch_count()), (req.holder(), Some(16)));
    assert_ne!(r.id(), req.id());
    ok(&run(issuer("issue", &iss)
        .arg("--request")
        .arg(t.join("renew.cbor"))
        .arg("--renew")
        .arg("--out")
        .arg(t.join("batch2.cbor"))));
    let imported = ok(&run(wallet(&wal).arg("import").arg(t.join("batch2.cbor"))));
    assert!(
        imported.contains(&format!("imported credential {id} (19 fresh of 32)")),
        "{imported}"
    );
    assert!(
        imported.contains(&format!("it answers renewal request {}", r.id_hex())),
        "{imported}"
    );

    // Back up, use two more, restore: the restored wallet never shows a credential the
    // backup knew as used.
    ok(&run(wallet(&wal)
        .arg("backup")
        .arg("--out")
        .arg(t.join("w.backup"))));
    let before_backup = used.clone();
    for _ in 0..2 {
        let (v, err) = present(&wal, &trust);
        assert!(used.insert(v.status.index));
        assert!(!err.contains("warning:"), "{err}");
    }
    let restored = t.join("restored");
    ok(&run(wallet(&restored)
        .arg("restore")
        .arg(t.join("w.backup"))));
    assert!(ok(&run(wallet(&restored).arg("history"))).trim().is_empty());
    for _ in 0..5 {
        let (v, _) = present(&restored, &trust);
        assert!(
            !before_backup.contains(&v.status.index),
            "credential {} was used before the backup",
            v.status
        );
    }
    // Taken from the other end, so the two used after the backup are not shown again either.
    let (v, _) = present(&restored, &trust);
    assert!(!used.contains(&v.status.index));
    // And the restored wallet asked for a renewal at once.
    assert!(ok(&run(wallet(&restored).arg("show"))).contains("renewal request"));
}
