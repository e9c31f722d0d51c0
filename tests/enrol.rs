//! Enrolment from the wallet, end to end, with the real programs: `tessera-wallet request`
//! → `tessera-issuer check-request / issue --request / issue-batch` → `tessera-wallet import`
//! (which names the request it answers) → `present --png` → `tessera-verify --image`. Also
//! the size of the request's QR code. The binaries are built by `cargo test --workspace`.

use std::path::Path;
use std::process::{Command, Stdio};

use tessera_core::DOCTYPE_EID;
use tessera_core::batch::BatchFile;
use tessera_core::request::{self, RequestParams, VerifiedRequest};
use tessera_qr::{Ecc, EncodeOptions};
use tessera_tests::{bin, ok, run, wallet};

fn issuer() -> Command {
    let mut c = Command::new(bin("tessera-issuer"));
    c.stdin(Stdio::null());
    c
}

#[test]
fn wallet_request_to_issuer_to_wallet_to_verifier() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (iss, wal) = (t.join("issuer"), t.join("wallet"));
    ok(&run(issuer().args(["init", "--dir"]).arg(&iss)));
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    std::fs::copy(demo.join("person.json"), t.join("person.json")).unwrap();
    std::fs::copy(demo.join("portrait.jpg"), t.join("portrait.jpg")).unwrap();

    // The wallet (created on the way) makes its request: file, text and QR image agree.
    let out = run(wallet(&wal)
        .args(["request", "--out"])
        .arg(t.join("r.req"))
        .arg("--png")
        .arg(t.join("r.png")));
    let text = ok(&out).trim().to_string();
    assert!(text.starts_with("TR1:"), "{text}");
    let bytes = std::fs::read(t.join("r.req")).unwrap();
    assert_eq!(request::from_text(&text).unwrap(), bytes);
    assert_eq!(
        tessera_qr::decode_file(&t.join("r.png")).unwrap(),
        vec![text.clone()]
    );
    let req = VerifiedRequest::from_slice(&bytes).unwrap();
    assert_eq!(req.doctype(), DOCTYPE_EID);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&req.id_hex()));
    // Asked again, the wallet shows the same outstanding request; --new makes another.
    let again = ok(&run(wallet(&wal)
        .args(["request", "--out"])
        .arg(t.join("same.req"))));
    assert_eq!(again.trim(), text);
    let fresh = ok(&run(wallet(&wal)
        .args(["request", "--new", "--out"])
        .arg(t.join("new.req"))));
    assert_ne!(fresh.trim(), text);
    let fresh = fresh.trim().to_string();
    let fresh_req = VerifiedRequest::from_slice(&request::from_text(&fresh).unwrap()).unwrap();
    assert_eq!(fresh_req.holder(), req.holder());

    // The clerk checks it, from the file and from the scanned text.
    for arg in [t.join("new.req").into_os_string(), fresh.clone().into()] {
        let out = ok(&run(issuer().arg("check-request").arg(arg)));
        assert!(out.contains(&fresh_req.id_hex()), "{out}");
    }
    // A tampered request is refused, and no credential is written.
    let mut bad = request::from_text(&fresh).unwrap();
    let n = bad.len();
    bad[n - 1] ^= 1;
    std::fs::write(t.join("bad.req"), &bad).unwrap();
    assert_eq!(
        run(issuer().arg("check-request").arg(t.join("bad.req")))
            .status
            .code(),
        Some(1)
    );
    let refused = run(issuer()
        .args(["issue", "--dir"])
        .arg(&iss)
        .arg("--request")
        .arg(t.join("bad.req"))
        .arg("--attributes")
        .arg(t.join("person.json"))
        .arg("--out")
        .arg(t.join("bad.cred")));
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("signature"));
    assert!(!t.join("bad.cred").exists());

    // Issued from the text as the scanner typed it (lower case: Caps Lock).
    let out = run(issuer()
        .args(["issue", "--dir"])
        .arg(&iss)
        .arg("--request")
        .arg(fresh.to_lowercase())
        .arg("--attributes")
        .arg(t.join("person.json"))
        .arg("--out")
        .arg(t.join("cred.cbor")));
    // The wallet asks for a batch: one status line per credential.
    let count = fresh_req
        .batch_count()
        .expect("the wallet asks for a batch") as usize;
    assert_eq!(ok(&out).lines().count(), count);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&fresh_req.id_hex()));
    let batch = BatchFile::from_slice(&std::fs::read(t.join("cred.cbor")).unwrap()).unwrap();
    assert_eq!(batch.credentials.len(), count);
    batch.check_for(&fresh_req.holder()).unwrap();

    // The wallet takes it and says which request it answers; that request is then done.
    let out = ok(&run(wallet(&wal).arg("import").arg(t.join("cred.cbor"))));
    assert!(
        out.contains(&format!("answers enrolment request {}", fresh_req.id_hex())),
        "{out}"
    );
    let after = ok(&run(wallet(&wal)
        .args(["request", "--out"])
        .arg(t.join("after.req"))));
    assert_ne!(
        after.trim(),
        fresh,
        "an answered request is not shown again"
    );

    // Present and verify at the kiosk.
    let png = t.join("age18.png");
    ok(&run(wallet(&wal)
        .args(["present", "--preset", "age18", "--png"])
        .arg(&png)));
    let line = ok(&run(Command::new(bin("tessera-verify"))
        .arg("--trust")
        .arg(iss.join("trust-list.cbor"))
        .arg("--root")
        .arg(iss.join("root.pub"))
        .arg("--json")
        .arg("--image")
        .arg(&png)));
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(v["verdict"], "valid", "{v}");

    // A batch record carries the request as its text.
    let person: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.join("person.json")).unwrap()).unwrap();
    let mut attrs = person.clone();
    attrs.as_object_mut().unwrap().remove("portrait");
    let rec = serde_json::json!({"attributes": attrs, "request": after.trim()});
    let tampered = serde_json::json!({"attributes": attrs, "request": request::to_text(&bad)});
    std::fs::write(t.join("in.jsonl"), format!("{rec}\n{tampered}\n")).unwrap();
    let out = run(issuer()
        .args(["issue-batch", "--dir"])
        .arg(&iss)
        .arg("--requests")
        .arg(t.join("in.jsonl"))
        .arg("--out")
        .arg(t.join("batch")));
    assert_eq!(out.status.code(), Some(3), "one of two records is refused");
    let lines = std::fs::read_to_string(t.join("batch/credentials.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    let batch = tessera_issuer::b64::decode(first["batch"].as_str().unwrap()).unwrap();
    BatchFile::from_slice(&batch)
        .unwrap()
        .check_for(&req.holder())
        .unwrap();
    let errors = std::fs::read_to_string(t.join("batch/errors.jsonl")).unwrap();
    assert!(errors.contains("signature"), "{errors}");
}

/// The smallest QR version that holds `text` at error correction `ecc` or better.
fn smallest_version(text: &str, ecc: Ecc) -> (u8, Ecc) {
    (1..=40)
        .find_map(|v| {
            let opts = EncodeOptions {
                max_version: v,
                min_ecc: ecc,
            };
            tessera_qr::encode(text, &opts)
                .ok()
                .map(|s| (s.version(), s.ecc()))
        })
        .unwrap()
}

#[test]
fn the_request_is_one_small_qr_code() {
    let device = ed25519_dalek::SigningKey::from_bytes(&[0x51; 32]);
    let params = RequestParams {
        doctype: DOCTYPE_EID,
        id: [0xA5; 16],
        created: 1_800_000_000,
    };
    let bytes = request::make_request(&device, &params).unwrap();
    let text = request::to_text(&bytes);
    let shown = tessera_qr::encode(&text, &EncodeOptions::default()).unwrap();
    eprintln!(
        "request: {} bytes, {} characters; smallest version at L {:?}, M {:?}, Q {:?}, H {:?}; \
         the wallet draws version {} at {:?}",
        bytes.len(),
        text.len(),
        smallest_version(&text, Ecc::L),
        smallest_version(&text, Ecc::M),
        smallest_version(&text, Ecc::Q),
        smallest_version(&text, Ecc::H),
        shown.version(),
        shown.ecc()
    );
    // docs/format.md gives these figures.
    assert_eq!((bytes.len(), text.len()), (158, 241));
    assert!(smallest_version(&text, Ecc::M).0 <= 10);
    assert!(shown.version() <= 13);
}
