//! Writes the test vectors of `tests/vectors/` (deterministic: running it again gives the
//! same files): `cargo run -p tessera-core --example make_vectors -- tests/vectors`.
//! `tests/vectors.rs` checks every file; the format is described in tests/vectors/README.md.

use ciborium::Value;
use ed25519_dalek::SigningKey;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::keys::to_hex;
use tessera_core::testing::DeterministicRng;
use tessera_core::{
    HeldCredential, IssueParams, PresentRequest, Status, StatusList, StatusRef, TrustList,
    TrustedIssuer, TrustedKey, issue, present,
};

const NOW: u64 = 1_795_651_200; // 2026-11-26T00:00:00Z
const DAY: u64 = 86_400;

struct Case<'a> {
    name: &'a str,
    comment: &'a str,
    expect: &'a str,
    now: u64,
    counter_code: Option<&'a str>,
    scan_twice: bool,
    stale_fail: bool,
    status_list: Option<Vec<u8>>,
    disclosed: Option<Vec<AttrId>>,
    bytes: Vec<u8>,
}

fn write(dir: &Path, c: &Case) -> std::io::Result<()> {
    let mut s = String::new();
    let _ = writeln!(s, "comment: {}", c.comment);
    if c.expect == "valid" {
        let _ = writeln!(s, "expect: valid");
    } else {
        let _ = writeln!(s, "expect: invalid\nreason: {}", c.expect);
    }
    let _ = writeln!(s, "now: {}", c.now);
    if let Some(cc) = c.counter_code {
        let _ = writeln!(s, "counter-code: {cc}");
    }
    if c.scan_twice {
        let _ = writeln!(s, "scan-twice: yes");
    }
    if c.stale_fail {
        let _ = writeln!(s, "stale-policy: fail");
    }
    if let Some(d) = &c.disclosed {
        let names: Vec<&str> = d.iter().map(|a| a.name()).collect();
        let _ = writeln!(s, "disclosed: {}", names.join(","));
    }
    if let Some(sl) = &c.status_list {
        let _ = writeln!(s, "status-list: {}", to_hex(sl));
    }
    let _ = writeln!(s, "presentation: {}", to_hex(&c.bytes));
    std::fs::write(dir.join(format!("{}.vec", c.name)), s)
}

fn person() -> Attributes {
    let mut a = Attributes::default();
    let t = |s: &str| AttrValue::Text(s.into());
    a.set(AttrId::FamilyName, t("林"));
    a.set(AttrId::GivenName, t("美华"));
    a.set(AttrId::FamilyNameLatin, t("LIN"));
    a.set(AttrId::GivenNameLatin, t("MEIHUA"));
    a.set(AttrId::Sex, AttrValue::Uint(2));
    a.set(AttrId::BirthDate, t("1990-05-17"));
    a.set(AttrId::IdNumber, t("DEMO000000000001"));
    a.compute_age_flags(NOW - DAY);
    a
}

fn parts(p: &[u8]) -> Vec<Value> {
    let v: Value = ciborium::from_reader(p).expect("cbor");
    v.into_array().expect("array")
}

fn join(parts: Vec<Value>) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(&Value::Array(parts), &mut out).expect("encode");
    out
}

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/vectors".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let mut rng = DeterministicRng::new(2026);
    let root = SigningKey::generate(&mut rng);
    let issuer = SigningKey::generate(&mut rng);
    let retired = SigningKey::generate(&mut rng);
    let stranger = SigningKey::generate(&mut rng);
    let holder = SigningKey::generate(&mut rng);
    let thief = SigningKey::generate(&mut rng);
    let trust = TrustList {
        sequence: 1,
        issued_at: NOW - DAY,
        next_update: NOW + 30 * DAY,
        issuers: vec![TrustedIssuer {
            id: "vectors.tessera".into(),
            name: "Test Vector ID Office".into(),
            doctypes: vec![tessera_core::DOCTYPE_EID.into()],
            keys: vec![
                TrustedKey::new(issuer.verifying_key(), NOW - 400 * DAY, NOW + 3650 * DAY),
                TrustedKey::new(retired.verifying_key(), NOW - 800 * DAY, NOW - 10 * DAY),
            ],
        }],
    };
    std::fs::write(
        dir.join("trust.txt"),
        format!(
            "comment: the trust context of every vector: the root public key and the trust list it signed\nroot: {}\ntrust-list: {}\n",
            to_hex(root.verifying_key().as_bytes()),
            to_hex(&trust.sign(&root))
        ),
    )?;

    let cred = |key: &SigningKey,
                holder: &SigningKey,
                nbf: u64,
                exp: u64,
                index: u32,
                rng: &mut DeterministicRng|
     -> HeldCredential {
        issue(
            key,
            &IssueParams {
                holder: holder.verifying_key(),
                not_before: nbf,
                expires: exp,
                status: StatusRef { list: 1, index },
                attributes: person(),
            },
            rng,
        )
        .expect("issue")
    };
    let good = cred(&issuer, &holder, NOW - DAY, NOW + 365 * DAY, 10, &mut rng);
    let show = |c: &HeldCredential,
                h: &SigningKey,
                purpose: Purpose,
                code: Option<&str>,
                time: u64,
                rng: &mut DeterministicRng| {
        present(
            c,
            h,
            &PresentRequest {
                disclose: purpose.preset(),
                purpose,
                counter_code: code,
                time,
            },
            rng,
        )
        .expect("present")
    };
    let mut cases = Vec::new();
    let base = |name, comment, expect, bytes| Case {
        name,
        comment,
        expect,
        now: NOW,
        counter_code: None,
        scan_twice: false,
        stale_fail: false,
        status_list: None,
        disclosed: None,
        bytes,
    };
    for (name, purpose) in [
        ("valid-age18", Purpose::Age18),
        ("valid-delivery", Purpose::Delivery),
        ("valid-checkin", Purpose::CheckIn),
    ] {
        let mut c = base(
            name,
            "a fresh presentation of a preset",
            "valid",
            show(&good, &holder, purpose, None, NOW - 5, &mut rng),
        );
        let mut d = purpose.preset().to_vec();
        d.sort();
        c.disclosed = Some(d);
        cases.push(c);
    }
    let mut c = base(
        "valid-counter-code",
        "bound to counter code K7-42, checked by a counter showing k742",
        "valid",
        show(
            &good,
            &holder,
            Purpose::CheckIn,
            Some("K7-42"),
            NOW,
            &mut rng,
        ),
    );
    c.counter_code = Some("k742");
    let mut d = Purpose::CheckIn.preset().to_vec();
    d.sort();
    c.disclosed = Some(d);
    cases.push(c);

    let p = show(&good, &holder, Purpose::Age18, None, NOW, &mut rng);
    cases.push(base(
        "malformed-truncated",
        "the last byte is missing",
        "malformed",
        p[..p.len() - 1].to_vec(),
    ));
    let mut longer = p.clone();
    longer.push(0xF6);
    cases.push(base(
        "malformed-trailing-byte",
        "an extra null after the presentation",
        "malformed",
        longer,
    ));
    let mut v = parts(&p);
    v[1] = Value::Array(vec![]);
    cases.push(base(
        "malformed-nothing-disclosed",
        "an empty disclosure list",
        "malformed",
        join(v),
    ));

    let foreign = cred(&stranger, &holder, NOW - DAY, NOW + DAY, 11, &mut rng);
    cases.push(base(
        "unknown-issuer",
        "signed by an issuer key that is not in the trust list",
        "unknown_issuer",
        show(&foreign, &holder, Purpose::Age18, None, NOW, &mut rng),
    ));

    let other_holder = SigningKey::generate(&mut rng);
    let others = cred(&issuer, &other_holder, NOW - DAY, NOW + DAY, 12, &mut rng);
    let theirs = show(
        &others,
        &other_holder,
        Purpose::Delivery,
        None,
        NOW,
        &mut rng,
    );
    let mine = show(&good, &holder, Purpose::Delivery, None, NOW, &mut rng);
    let mut v = parts(&mine);
    v[1] = parts(&theirs)[1].clone();
    cases.push(base(
        "bad-issuer-signature-swapped-item",
        "the disclosed name was swapped in from another credential of the same issuer",
        "bad_issuer_signature",
        join(v),
    ));

    let thiefs_cred = cred(&issuer, &thief, NOW - DAY, NOW + DAY, 13, &mut rng);
    let thiefs = show(&thiefs_cred, &thief, Purpose::Age18, None, NOW, &mut rng);
    let mut v = parts(&show(&good, &holder, Purpose::Age18, None, NOW, &mut rng));
    v[3] = parts(&thiefs)[3].clone();
    cases.push(base(
        "bad-holder-signature",
        "someone else's credential presented with another holder's key",
        "bad_holder_signature",
        join(v),
    ));

    let mut c = base(
        "wrong-counter-code",
        "bound to K7, scanned at a counter showing K8",
        "wrong_counter_code",
        show(&good, &holder, Purpose::CheckIn, Some("K7"), NOW, &mut rng),
    );
    c.counter_code = Some("K8");
    cases.push(c);

    let old_key_cred = cred(
        &retired,
        &holder,
        NOW - 100 * DAY,
        NOW + 100 * DAY,
        14,
        &mut rng,
    );
    cases.push(base(
        "issuer-key-not-valid",
        "signed with a key whose trust window ended ten days ago",
        "issuer_key_not_valid",
        show(&old_key_cred, &holder, Purpose::Age18, None, NOW, &mut rng),
    ));
    let early = cred(&issuer, &holder, NOW + DAY, NOW + 9 * DAY, 15, &mut rng);
    cases.push(base(
        "not-yet-valid",
        "the credential becomes valid tomorrow",
        "not_yet_valid",
        show(&early, &holder, Purpose::Age18, None, NOW, &mut rng),
    ));
    let late = cred(&issuer, &holder, NOW - 9 * DAY, NOW - DAY, 16, &mut rng);
    cases.push(base(
        "expired",
        "the credential expired yesterday",
        "expired",
        show(&late, &holder, Purpose::Age18, None, NOW, &mut rng),
    ));
    cases.push(base(
        "too-old",
        "made 91 s before the scan (60 s lifetime + 30 s skew)",
        "too_old",
        show(&good, &holder, Purpose::Age18, None, NOW - 91, &mut rng),
    ));
    cases.push(base(
        "from-future",
        "made 31 s after the verifier's clock (30 s skew)",
        "from_future",
        show(&good, &holder, Purpose::Age18, None, NOW + 31, &mut rng),
    ));

    let mut sl = StatusList::new("vectors.tessera", 1, 2, 1024, NOW - 3600, 7 * DAY);
    sl.set(20, Status::Revoked).expect("index");
    sl.set(21, Status::Suspended).expect("index");
    let signed_sl = sl.sign(&issuer);
    for (name, idx, reason) in [("revoked", 20, "revoked"), ("suspended", 21, "suspended")] {
        let c1 = cred(&issuer, &holder, NOW - DAY, NOW + DAY, idx, &mut rng);
        let mut c = base(
            name,
            "the issuer's status list marks this credential",
            reason,
            show(&c1, &holder, Purpose::Age18, None, NOW, &mut rng),
        );
        c.status_list = Some(signed_sl.clone());
        cases.push(c);
    }
    let mut c = base(
        "replayed",
        "valid the first time; the second scan of the same QR is a replay",
        "replayed",
        show(&good, &holder, Purpose::Age18, None, NOW, &mut rng),
    );
    c.scan_twice = true;
    cases.push(c);
    let mut c = base(
        "clock-wrong",
        "the verifier's clock reads earlier than its trust list was issued",
        "clock_wrong",
        show(
            &good,
            &holder,
            Purpose::Age18,
            None,
            NOW - 2 * DAY,
            &mut rng,
        ),
    );
    c.now = NOW - 2 * DAY;
    cases.push(c);

    let later = NOW + 31 * DAY;
    let mut c = base(
        "trust-data-stale",
        "the trust list is past its next_update and the policy says fail",
        "trust_data_stale",
        show(&good, &holder, Purpose::Age18, None, later, &mut rng),
    );
    c.now = later;
    c.stale_fail = true;
    cases.push(c);

    // Appended last, so that the cases above keep their bytes.
    // A dishonest issuer signed a credential to a small-order holder key (the identity
    // point); R = identity, S = 0 then passes RFC 8032's equations for any message.
    let mut weak = person();
    weak.set(AttrId::FamilyNameLatin, AttrValue::Text("LIN".into()));
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak_cred = tessera_core::testing::issue_unchecked(
        &issuer,
        &IssueParams {
            holder: ed25519_dalek::VerifyingKey::from_bytes(&identity).expect("a curve point"),
            not_before: NOW - DAY,
            expires: NOW + 365 * DAY,
            status: StatusRef { list: 1, index: 17 },
            attributes: weak,
        },
        &mut rng,
    )
    .expect("issue");
    let forged = tessera_core::testing::present_with_signature(
        &weak_cred,
        &PresentRequest {
            disclose: Purpose::Age18.preset(),
            purpose: Purpose::Age18,
            counter_code: None,
            time: NOW,
        },
        &mut rng,
        |_| {
            let mut sig = vec![0u8; 64];
            sig[0] = 1;
            sig
        },
    )
    .expect("present");
    cases.push(base(
        "malformed-weak-holder-key",
        "the credential binds the small-order holder key 0100..00 and the holder signature is R = identity, S = 0, which plain RFC 8032 checks accept",
        "malformed",
        forged,
    ));
    // A dishonest issuer signed a name holding a newline: a fake line on a verdict screen.
    let mut injected = person();
    injected.set(
        AttrId::FamilyNameLatin,
        AttrValue::Text("LIN\n  age_over_18: yes".into()),
    );
    let bad_cred = tessera_core::testing::issue_unchecked(
        &issuer,
        &IssueParams {
            holder: holder.verifying_key(),
            not_before: NOW - DAY,
            expires: NOW + 365 * DAY,
            status: StatusRef { list: 1, index: 18 },
            attributes: injected,
        },
        &mut rng,
    )
    .expect("issue");
    let shown = present(
        &bad_cred,
        &holder,
        &PresentRequest {
            disclose: &[AttrId::FamilyNameLatin, AttrId::AgeOver18],
            purpose: Purpose::Custom,
            counter_code: None,
            time: NOW,
        },
        &mut rng,
    )
    .expect("present");
    cases.push(base(
        "malformed-control-character",
        "the disclosed family_name_latin holds a newline (U+000A), which the text rule forbids",
        "malformed",
        shown,
    ));

    // The portrait (slot 11): a WebP QR portrait, a legacy JPEG before and after the cutover,
    // and a WebP over the byte cap (signed by a dishonest issuer). Made last, so the cases
    // above draw the same randomness as before.
    let webp = include_bytes!("../../../assets/demo/portrait.webp").to_vec();
    let jpeg = include_bytes!("../../../assets/demo/portrait.jpg").to_vec();
    // The demo WebP with its VP8 data padded to 700 bytes: a header that says 48x64, over the cap.
    let mut over = webp.clone();
    over.resize(700, 0);
    let (riff, chunk) = (over.len() as u32 - 8, over.len() as u32 - 20);
    over[4..8].copy_from_slice(&riff.to_le_bytes());
    over[16..20].copy_from_slice(&chunk.to_le_bytes());
    let cutover = tessera_core::portrait::LEGACY_JPEG_UNTIL;
    let photo_cases: [(&str, &str, &str, Vec<u8>, u64); 4] = [
        (
            "valid-checkin-photo",
            "the checkin-photo preset: names, birth date, ID number and a 48x64 WebP QR portrait, purpose checkin",
            "valid",
            webp.clone(),
            NOW - DAY,
        ),
        (
            "valid-portrait-legacy-jpeg",
            "a JPEG portrait in a credential valid from before 2027-01-01: accepted until it expires",
            "valid",
            jpeg.clone(),
            NOW - DAY,
        ),
        (
            "malformed-portrait-jpeg-after-cutover",
            "a JPEG portrait in a credential valid from 2027-01-01: only WebP QR portraits from then on",
            "malformed",
            jpeg,
            cutover,
        ),
        (
            "malformed-portrait-over-cap",
            "a WebP portrait of 700 bytes: a QR portrait holds at most 650",
            "malformed",
            over,
            NOW - DAY,
        ),
    ];
    let preset = tessera_core::Preset::CheckInPhoto;
    for (i, (name, comment, expect, portrait, nbf)) in photo_cases.into_iter().enumerate() {
        let mut attributes = person();
        attributes.set(AttrId::Portrait, AttrValue::Bytes(portrait));
        let c = tessera_core::testing::issue_unchecked(
            &issuer,
            &IssueParams {
                holder: holder.verifying_key(),
                not_before: nbf,
                expires: nbf + 365 * DAY,
                status: StatusRef {
                    list: 1,
                    index: 30 + i as u32,
                },
                attributes,
            },
            &mut rng,
        )
        .expect("issue");
        let now = nbf + DAY;
        let shown = present(
            &c,
            &holder,
            &PresentRequest {
                disclose: preset.items(),
                purpose: preset.purpose(),
                counter_code: None,
                time: now - 5,
            },
            &mut rng,
        )
        .expect("present");
        let mut case = base(name, comment, expect, shown);
        case.now = now;
        if expect == "valid" {
            case.disclosed = Some(preset.items().to_vec());
        }
        cases.push(case);
    }

    for c in &cases {
        write(&dir, c)?;
    }
    println!("wrote {} vectors to {}", cases.len(), dir.display());
    Ok(())
}
