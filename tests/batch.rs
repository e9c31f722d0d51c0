//! Batches of single-use credentials, end to end with the real issuer program: a request with
//! the batch field (-3) gives a batch file whose credentials all derive from the device key;
//! hostile batch fields are refused; revoking a citizen (`--citizen`) marks every credential
//! of their batches at a verifier that updated, and no one else's; a renewal is served from
//! the register without a person file. The binaries are built by `cargo test --workspace`.

use ed25519_dalek::{Signer, SigningKey};
use rand_core::UnwrapErr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tessera_core::attributes::{AttrId, Purpose};
use tessera_core::batch::{BatchFile, BatchSigner, MAX_BATCH_COUNT, derive_holder_key};
use tessera_core::request::{self, VerifiedRequest};
use tessera_core::{DOCTYPE_EID, PresentRequest, Reason, UnixTime, present_with, text};
use tessera_tests::{bin, ok, run};
use tessera_verifier::store::DataDir;
use tessera_verifier::{Policy, Verifier};

fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn issuer(args: &[&str]) -> Output {
    run(Command::new(bin("tessera-issuer"))
        .args(args)
        .stdin(Stdio::null()))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn person(dir: &Path, name: &str, id_number: &str) -> PathBuf {
    let p = dir.join(format!("{name}.json"));
    std::fs::write(
        &p,
        format!(
            r#"{{"family_name":"{name}","given_name":"TEST","birth_date":"1990-05-17","id_number":"{id_number}"}}"#
        ),
    )
    .unwrap();
    p
}

/// A batch request file for `count` credentials from `device`.
fn batch_request(dir: &Path, name: &str, device: &SigningKey, count: u32) -> PathBuf {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).unwrap();
    let bytes = request::build_batch(device, DOCTYPE_EID, now(), id, count).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The CBOR head of a major type (0 uint, 2 bytes, 3 text) and length.
fn head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=0xFF => vec![m | 24, n as u8],
        0x100..=0xFFFF => [vec![m | 25], (n as u16).to_be_bytes().to_vec()].concat(),
        0x1_0000..=0xFFFF_FFFF => [vec![m | 26], (n as u32).to_be_bytes().to_vec()].concat(),
        _ => [vec![m | 27], n.to_be_bytes().to_vec()].concat(),
    }
}

/// A request signed by `device` whose batch field (-3) is `batch_value` (raw CBOR), built
/// byte by byte (COSE_Sign1, protected {1: -8}, external AAD "TR1"), so the test does not
/// depend on the encoder it checks.
fn forged_request(device: &SigningKey, batch_value: &[u8]) -> Vec<u8> {
    let good = request::build_batch(device, DOCTYPE_EID, now(), [7; 16], 16).unwrap();
    // The payload is the bstr after D2 84 43 A1 01 27 A0; it ends with 22 A1 01 10.
    let (len, start) = match good[7] {
        0x58 => (good[8] as usize, 9),
        b => panic!("unexpected payload head {b:#x}"),
    };
    let payload = &good[start..start + len];
    assert_eq!(&payload[payload.len() - 4..], [0x22, 0xA1, 0x01, 0x10]);
    let mut p = payload[..payload.len() - 3].to_vec();
    p.extend_from_slice(batch_value);
    let protected = [0xA1, 0x01, 0x27];
    let aad = [0x63, b'T', b'R', b'1'];
    let mut tbs = vec![0x84];
    tbs.extend(head(3, 10));
    tbs.extend_from_slice(b"Signature1");
    for part in [&protected[..], &aad[..], &p[..]] {
        tbs.extend(head(2, part.len() as u64));
        tbs.extend_from_slice(part);
    }
    let sig = device.sign(&tbs).to_bytes();
    let mut out = vec![0xD2, 0x84];
    out.extend(head(2, 3));
    out.extend_from_slice(&protected);
    out.push(0xA0);
    out.extend(head(2, p.len() as u64));
    out.extend_from_slice(&p);
    out.extend(head(2, 64));
    out.extend_from_slice(&sig);
    out
}

#[test]
fn a_batch_request_gives_a_batch_of_derived_unrelated_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let iss = t.join("issuer");
    ok(&issuer(&["init", "--dir", s(&iss)]));
    let device = SigningKey::generate(&mut UnwrapErr(getrandom::SysRng));
    let req = batch_request(t, "r.req", &device, 20);
    let p = person(t, "LIN", "110105199005171234");
    let out = ok(&issuer(&[
        "issue",
        "--dir",
        s(&iss),
        "--request",
        s(&req),
        "--attributes",
        s(&p),
        "--out",
        s(&t.join("batch.tb1")),
    ]));
    let file = std::fs::read(t.join("batch.tb1")).unwrap();
    let batch = BatchFile::from_slice(&file).unwrap();
    assert_eq!(batch.credentials.len(), 20);
    println!(
        "batch file of 20 (no portrait): {} bytes, {} per credential",
        file.len(),
        file.len() / 20
    );
    batch.check_for(&device.verifying_key()).unwrap();
    // The program prints one status id per credential, in order.
    let printed: Vec<&str> = out.lines().collect();
    assert_eq!(printed.len(), 20);
    let issuer_pub = tessera_core::keys::public_key_from_text(
        &std::fs::read_to_string(iss.join("issuer.pub")).unwrap(),
    )
    .unwrap();
    let mut keys = Vec::new();
    let mut statuses = Vec::new();
    for (i, c) in batch.credentials.iter().enumerate() {
        c.verify_issuer(&issuer_pub).unwrap();
        let cl = c.claims();
        assert_eq!(
            cl.holder,
            derive_holder_key(&device.verifying_key(), &batch.seed, i as u32)
        );
        assert_ne!(cl.holder, device.verifying_key());
        assert_eq!(printed[i], cl.status.to_string());
        // Validity from 00:00 UTC, whole days.
        assert_eq!(cl.not_before % 86_400, 0);
        assert_eq!((cl.expires - cl.not_before) % 86_400, 0);
        keys.push(*cl.holder.as_bytes());
        statuses.push(cl.status);
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 20, "every credential has its own key");
    let mut sorted = statuses.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 20, "every credential has its own status id");
    // Another device key does not own this batch.
    let other = SigningKey::generate(&mut UnwrapErr(getrandom::SysRng));
    assert!(batch.check_for(&other.verifying_key()).is_err());
    // The register is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(iss.join("register.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn hostile_batch_fields_are_refused_with_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let iss = t.join("issuer");
    ok(&issuer(&["init", "--dir", s(&iss)]));
    let p = person(t, "LIN", "1");
    let device = SigningKey::generate(&mut UnwrapErr(getrandom::SysRng));
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "zero",
            vec![0xA1, 0x01, 0x00],
            "batch of 0 credentials; 1 to 64",
        ),
        (
            "65",
            vec![0xA1, 0x01, 0x18, 65],
            "batch of 65 credentials; 1 to 64",
        ),
        (
            "huge",
            [vec![0xA1, 0x01], head(0, u64::MAX)].concat(),
            "batch of 18446744073709551615 credentials",
        ),
        ("bare", vec![0x10], "request batch (-3)"),
        (
            "text",
            vec![0xA1, 0x01, 0x62, b'1', b'6'],
            "request batch count",
        ),
        ("negative", vec![0xA1, 0x01, 0x20], "request batch count"),
    ];
    for (name, value, message) in cases {
        let bytes = forged_request(&device, &value);
        let path = t.join(format!("{name}.req"));
        std::fs::write(&path, &bytes).unwrap();
        let out_file = t.join(format!("{name}.out"));
        let out = issuer(&[
            "issue",
            "--dir",
            s(&iss),
            "--request",
            s(&path),
            "--attributes",
            s(&p),
            "--out",
            s(&out_file),
        ]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{name}: {err}");
        assert!(!out_file.exists(), "{name}");
        // check-request says the same.
        let out = issuer(&["check-request", s(&path)]);
        assert_eq!(out.status.code(), Some(1), "{name}");
    }
    // The forger itself is right: with a good count it makes a request the issuer takes.
    let good = forged_request(&device, &[0xA1, 0x01, 0x02]);
    assert_eq!(
        VerifiedRequest::from_slice(&good).unwrap().batch_count(),
        Some(2)
    );
    assert_eq!(MAX_BATCH_COUNT, 64);
}

/// Presents credential `i` of a batch (age over 18) and verifies it.
fn verdict(v: &mut Verifier, device: &SigningKey, batch: &BatchFile, i: usize) -> Option<Reason> {
    let signer = BatchSigner::new(device, &batch.seed, i as u32);
    let t = now();
    let req = PresentRequest {
        disclose: &[AttrId::AgeOver18],
        purpose: Purpose::Age18,
        counter_code: None,
        time: t,
    };
    let bytes = present_with(
        &batch.credentials[i],
        &signer,
        &req,
        &mut UnwrapErr(getrandom::SysRng),
    )
    .unwrap();
    v.check_text(&text::encode(&bytes), t).reason()
}

#[test]
fn revoking_a_citizen_revokes_every_credential_of_their_batches_and_no_other() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let iss = t.join("issuer");
    ok(&issuer(&["init", "--dir", s(&iss)]));
    let mut rng = UnwrapErr(getrandom::SysRng);
    let (alice, bob) = (
        SigningKey::generate(&mut rng),
        SigningKey::generate(&mut rng),
    );
    let pa = person(t, "ALICE", "A-1");
    let pb = person(t, "BOB", "B-2");
    let mut batches = Vec::new();
    for (who, p, name) in [(&alice, &pa, "a1"), (&bob, &pb, "b1"), (&alice, &pa, "a2")] {
        let req = batch_request(t, &format!("{name}.req"), who, 8);
        let out = t.join(format!("{name}.tb1"));
        ok(&issuer(&[
            "issue",
            "--dir",
            s(&iss),
            "--request",
            s(&req),
            "--attributes",
            s(p),
            "--out",
            s(&out),
        ]));
        batches.push(BatchFile::from_slice(&std::fs::read(&out).unwrap()).unwrap());
    }
    // A renewal for Alice: no person file, served from the register.
    let req = batch_request(t, "a3.req", &alice, 4);
    ok(&issuer(&[
        "issue",
        "--dir",
        s(&iss),
        "--request",
        s(&req),
        "--renew",
        "--out",
        s(&t.join("a3.tb1")),
    ]));
    let renewed = BatchFile::from_slice(&std::fs::read(t.join("a3.tb1")).unwrap()).unwrap();
    assert_eq!(
        renewed.credentials[0].attributes().get(AttrId::FamilyName),
        batches[0].credentials[0]
            .attributes()
            .get(AttrId::FamilyName)
    );
    batches.push(renewed);
    // An unknown device key is not renewed.
    let stranger = SigningKey::generate(&mut rng);
    let req = batch_request(t, "x.req", &stranger, 4);
    let out = issuer(&[
        "issue",
        "--dir",
        s(&iss),
        "--request",
        s(&req),
        "--out",
        s(&t.join("x.tb1")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in the register"));
    assert!(!t.join("x.tb1").exists());

    // Alice by ID number; Bob untouched.
    let out = ok(&issuer(&["revoke", "--dir", s(&iss), "--citizen", "A-1"]));
    assert_eq!(out.lines().count(), 8 + 8 + 4, "{out}");
    let unknown = issuer(&["revoke", "--dir", s(&iss), "--citizen", "nobody"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no citizen"));
    let publ = t.join("pub");
    ok(&issuer(&["publish", "--dir", s(&iss), "--out", s(&publ)]));

    let vdir = t.join("verifier");
    let root = tessera_core::keys::public_key_from_text(
        &std::fs::read_to_string(iss.join("root.pub")).unwrap(),
    )
    .unwrap();
    let data = DataDir::new(&vdir);
    data.ensure_root(&root).unwrap();
    assert!(!data.update_from(&publ, &root).unwrap().any_refused());
    let mut v = Verifier::from_dir(&vdir, None, Policy::default()).unwrap();
    for (b, (batch, owner)) in batches
        .iter()
        .zip([&alice, &bob, &alice, &alice])
        .enumerate()
    {
        for i in 0..batch.credentials.len() {
            let got = verdict(&mut v, owner, batch, i);
            if b == 1 {
                assert_eq!(got, None, "bob's credential {i} stays valid");
            } else {
                assert_eq!(got, Some(Reason::Revoked), "batch {b} credential {i}");
            }
        }
    }
    // Suspending Bob by device key, then reinstating him, works the same way.
    let bob_hex = tessera_core::keys::to_hex(bob.verifying_key().as_bytes());
    ok(&issuer(&[
        "suspend",
        "--dir",
        s(&iss),
        "--citizen",
        &bob_hex,
    ]));
    ok(&issuer(&[
        "reinstate",
        "--dir",
        s(&iss),
        "--citizen",
        &bob_hex,
    ]));
    // LIST-INDEX ids keep working.
    let first = batches[1].credentials[0].claims().status.to_string();
    ok(&issuer(&["suspend", "--dir", s(&iss), &first]));
}

fn smallest_version(text: &str, ecc: tessera_qr::Ecc) -> u8 {
    (1..=40)
        .find_map(|v| {
            let opts = tessera_qr::EncodeOptions {
                max_version: v,
                min_ecc: ecc,
            };
            tessera_qr::encode(text, &opts).ok().map(|s| s.version())
        })
        .unwrap_or(99)
}

/// The request with one key and a count, against a request that would carry every key of
/// the batch (32 bytes each as a CBOR byte string, without a proof of possession for each):
/// docs/batches.md quotes the figures. Run with `--nocapture` to see them.
#[test]
fn a_batch_request_stays_one_small_qr_code() {
    use tessera_qr::Ecc;
    let device = SigningKey::from_bytes(&[0x51; 32]);
    let plain = request::make_request(
        &device,
        &request::RequestParams {
            doctype: DOCTYPE_EID,
            id: [0xA5; 16],
            created: 1_800_000_000,
        },
    )
    .unwrap();
    let plain_m = smallest_version(&request::to_text(&plain), Ecc::M);
    for count in [16u32, 32, 64] {
        let one_key =
            request::build_batch(&device, DOCTYPE_EID, 1_800_000_000, [0xA5; 16], count).unwrap();
        let text = request::to_text(&one_key);
        // Every key in the request instead: a CBOR array of `count` 34-byte byte strings.
        let all_keys_len = plain.len() + 2 + 34 * count as usize;
        let all_keys_text = request::to_text(&vec![0x5A; all_keys_len]);
        let (m, m_all) = (
            smallest_version(&text, Ecc::M),
            smallest_version(&all_keys_text, Ecc::M),
        );
        println!(
            "batch of {count}: one key + count {} bytes, {} chars, version {m} at M; \
             all keys {all_keys_len} bytes, {} chars, version {m_all} at M \
             (a plain request: {} bytes, version {plain_m} at M)",
            one_key.len(),
            text.len(),
            all_keys_text.len(),
            plain.len()
        );
        assert!(one_key.len() <= plain.len() + 5);
        assert!(m <= plain_m + 1, "{m} against {plain_m}");
        assert!(m_all > m + 10);
    }
}
