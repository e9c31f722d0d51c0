//! `tessera-verify` end to end: every verdict reason through the binary, updates, status,
//! images and the watch folder; plus the library's replay and status-list policy. Fixtures
//! are made here with tessera-core (issue, present), signed with deterministic test keys.

use ed25519_dalek::SigningKey;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tessera_core::keys::public_key_to_text;
use tessera_core::{
    AttrId, AttrValue, Attributes, HeldCredential, IssueParams, PresentRequest, Purpose, Reason,
    Status, StatusList, StatusRef, TrustList, TrustedIssuer, TrustedKey, issue, present, text,
};
use tessera_verifier::{Policy, StalePolicy, Verifier, VerifierError};

use tessera_core::testing::DeterministicRng as TestRng;

const NOW: u64 = 1_795_651_200; // 2026-11-26
const DAY: u64 = 86_400;
const ISSUER: &str = "demo.tessera";
/// Status list indexes: 42 valid, 43 revoked, 44 suspended.
const VALID_IDX: u32 = 42;
const REVOKED_IDX: u32 = 43;
const SUSPENDED_IDX: u32 = 44;

struct Fix {
    dir: tempfile::TempDir,
    root: SigningKey,
    issuer: SigningKey,
    holder: SigningKey,
    trust: TrustList,
    rng: TestRng,
}

fn person() -> Attributes {
    let mut a = Attributes::default();
    a.set(AttrId::FamilyName, AttrValue::Text("林".into()));
    a.set(AttrId::GivenName, AttrValue::Text("美华".into()));
    a.set(
        AttrId::IdNumber,
        AttrValue::Text("110105199005171234".into()),
    );
    a.set(AttrId::BirthDate, AttrValue::Text("1990-05-17".into()));
    a.compute_age_flags(NOW - DAY);
    a
}

impl Fix {
    fn new() -> Fix {
        let mut rng = TestRng::new(0x9E37_79B9_7F4A_7C15);
        let root = SigningKey::generate(&mut rng);
        let issuer = SigningKey::generate(&mut rng);
        let holder = SigningKey::generate(&mut rng);
        let trust = trust_list(&issuer, 1, NOW - DAY);
        let f = Fix {
            dir: tempfile::tempdir().unwrap(),
            root,
            issuer,
            holder,
            trust,
            rng,
        };
        std::fs::write(
            f.path("root.pub"),
            public_key_to_text(&f.root.verifying_key(), "test root"),
        )
        .unwrap();
        std::fs::write(f.path("trust-list.cbor"), f.trust.sign(&f.root)).unwrap();
        std::fs::create_dir(f.path("status")).unwrap();
        std::fs::write(
            f.path("status/demo.tessera-1.cbor"),
            f.status_list(NOW - 3600, DAY).sign(&f.issuer),
        )
        .unwrap();
        f
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn status_list(&self, issued_at: u64, ttl: u64) -> StatusList {
        let mut l = StatusList::new(ISSUER, 1, 2, 1000, issued_at, ttl);
        l.set(REVOKED_IDX, Status::Revoked).unwrap();
        l.set(SUSPENDED_IDX, Status::Suspended).unwrap();
        l
    }

    fn cred(&mut self, key: &SigningKey, nbf: u64, exp: u64, index: u32) -> HeldCredential {
        let params = IssueParams {
            holder: self.holder.verifying_key(),
            not_before: nbf,
            expires: exp,
            status: StatusRef { list: 1, index },
            attributes: person(),
        };
        issue(key, &params, &mut self.rng).unwrap()
    }

    fn good_cred(&mut self, index: u32) -> HeldCredential {
        let issuer = self.issuer.clone();
        self.cred(&issuer, NOW - DAY, NOW + 365 * DAY, index)
    }

    fn qr_of(&mut self, cred: &HeldCredential, code: Option<&str>, time: u64) -> String {
        let purpose = Purpose::Age18;
        let p = present(
            cred,
            &self.holder,
            &PresentRequest {
                disclose: purpose.preset(),
                purpose,
                counter_code: code,
                time,
            },
            &mut self.rng,
        )
        .unwrap();
        text::encode(&p)
    }

    /// A fresh valid QR text presented at NOW.
    fn qr(&mut self) -> String {
        let c = self.good_cred(VALID_IDX);
        self.qr_of(&c, None, NOW)
    }

    fn base_args(&self) -> Vec<String> {
        vec![
            "--trust".into(),
            self.path("trust-list.cbor").display().to_string(),
            "--root".into(),
            self.path("root.pub").display().to_string(),
            "--now".into(),
            NOW.to_string(),
        ]
    }
}

fn trust_list(issuer: &SigningKey, sequence: u64, issued_at: u64) -> TrustList {
    TrustList {
        sequence,
        issued_at,
        next_update: issued_at + 7 * DAY,
        issuers: vec![TrustedIssuer {
            id: ISSUER.into(),
            name: "Demo City ID Office".into(),
            doctypes: vec![tessera_core::DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(
                issuer.verifying_key(),
                NOW - 400 * DAY,
                NOW + 3650 * DAY,
            )],
        }],
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The JSON lines of stdout.
    fn json(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The reason codes of the JSON verdicts ("valid" for a valid one).
    fn reasons(&self) -> Vec<String> {
        self.json()
            .iter()
            .map(|v| v["reason"].as_str().unwrap_or("valid").to_string())
            .collect()
    }
}

fn run<S: AsRef<str>>(args: &[S], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera-verify"))
        .args(args.iter().map(AsRef::as_ref))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The program may exit before reading everything (usage errors): ignore a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs `--json` with extra arguments over input lines.
fn verify_json(f: &Fix, extra: &[&str], lines: &[String]) -> Run {
    let mut args = f.base_args();
    args.push("--json".into());
    args.extend(extra.iter().map(|s| s.to_string()));
    // A later --now replaces the fixture's.
    if let Some(i) = extra.iter().position(|a| *a == "--now") {
        args[5] = extra[i + 1].to_string();
        let j = args.len() - extra.len() + i;
        args.drain(j..j + 2);
    }
    run(&args, &(lines.join("\n") + "\n"))
}

fn one_reason(f: &Fix, extra: &[&str], qr: String) -> (String, i32) {
    let r = verify_json(f, extra, &[qr]);
    assert_eq!(r.json().len(), 1, "{}{}", r.stdout, r.stderr);
    (r.reasons().remove(0), r.code)
}

#[test]
fn valid_presentation_json_and_human() {
    let mut f = Fix::new();
    let qr = f.qr();
    let r = verify_json(&f, &[], std::slice::from_ref(&qr));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = &r.json()[0];
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["reason"], Value::Null);
    assert_eq!(v["disclosed"]["age_over_18"], true);
    assert_eq!(v["disclosed"].as_object().unwrap().len(), 1);
    assert_eq!(v["issuer"], "Demo City ID Office");
    assert_eq!(v["issuer_id"], ISSUER);
    assert_eq!(v["purpose"], "age18");
    assert_eq!(v["trust_age"], DAY);
    assert_eq!(v["status_age"], 3600);
    assert_eq!(v["warnings"], serde_json::json!([]));
    assert_eq!(v["source"], "stdin:1");

    // Human output: big letters, the items, the data ages. Lower case and CR/LF as a
    // keyboard-wedge scanner with Caps Lock types them; blank lines are skipped.
    let qr2 = f.qr();
    let r = run(&f.base_args(), &format!("\r\n{}\r\n\n", qr2.to_lowercase()));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("####   ###   ####  ####"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("PASS  valid\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains("  age_over_18:       yes\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("trust data:  1 d 0 h old; status data: 1 h 0 min old"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.matches("PASS  valid").count(), 1);
}

#[test]
fn every_rejection_reason_through_the_cli() {
    let mut f = Fix::new();
    let mut cases: Vec<(&str, Vec<&str>, String)> = Vec::new();
    // Unknown issuer: signed by a key that is not in the trust list.
    let stranger = SigningKey::generate(&mut f.rng);
    let c = f.cred(&stranger, NOW - DAY, NOW + DAY, VALID_IDX);
    cases.push(("unknown_issuer", vec![], f.qr_of(&c, None, NOW)));
    // Validity window.
    let issuer = f.issuer.clone();
    let c = f.cred(&issuer, NOW - 9 * DAY, NOW - DAY, VALID_IDX);
    cases.push(("expired", vec![], f.qr_of(&c, None, NOW)));
    let c = f.cred(&issuer, NOW + DAY, NOW + 9 * DAY, VALID_IDX);
    cases.push(("not_yet_valid", vec![], f.qr_of(&c, None, NOW)));
    // Freshness: 60 s lifetime + 30 s skew.
    let c = f.good_cred(VALID_IDX);
    cases.push(("too_old", vec![], f.qr_of(&c, None, NOW - 91)));
    cases.push(("from_future", vec![], f.qr_of(&c, None, NOW + 31)));
    // Counter codes.
    cases.push((
        "wrong_counter_code",
        vec!["--counter-code", "K7-42"],
        f.qr_of(&c, Some("K743"), NOW),
    ));
    cases.push((
        "wrong_counter_code",
        vec!["--counter-code", "K742"],
        f.qr_of(&c, None, NOW),
    ));
    cases.push((
        "valid",
        vec!["--counter-code", "k7 42"],
        f.qr_of(&c, Some("K742"), NOW),
    ));
    // Status list.
    let c = f.good_cred(REVOKED_IDX);
    cases.push(("revoked", vec![], f.qr_of(&c, None, NOW)));
    let c = f.good_cred(SUSPENDED_IDX);
    cases.push(("suspended", vec![], f.qr_of(&c, None, NOW)));
    // Signatures: one bit of the holder signature (the presentation's last 64 bytes), or of
    // the issuer signature (the last 64 bytes of the credential, the first byte string).
    let p = text::decode(&f.qr()).unwrap();
    let mut b = p.clone();
    let n = b.len();
    b[n - 32] ^= 1;
    cases.push(("bad_holder_signature", vec![], text::encode(&b)));
    let (hdr, len) = match p[1] {
        0x58 => (2, usize::from(p[2])),
        0x59 => (3, usize::from(u16::from_be_bytes([p[2], p[3]]))),
        x => panic!("credential header {x:#x}"),
    };
    let mut b = p.clone();
    b[1 + hdr + len - 32] ^= 1;
    cases.push(("bad_issuer_signature", vec![], text::encode(&b)));
    // Malformed.
    cases.push(("malformed", vec![], "HELLO WORLD".into()));
    cases.push(("malformed", vec![], "TS1:%%%".into()));
    let q = f.qr();
    cases.push(("malformed", vec![], q[..q.len() - 6].to_string()));

    for (want, extra, qr) in cases {
        let (got, code) = one_reason(&f, &extra, qr);
        assert_eq!(got, want, "{extra:?}");
        assert_eq!(code, if want == "valid" { 0 } else { 1 }, "{want}");
        if want != "valid" {
            assert!(Reason::from_code(want).is_some());
        }
    }
}

#[test]
fn human_fail_output() {
    let mut f = Fix::new();
    let c = f.good_cred(REVOKED_IDX);
    let qr = f.qr_of(&c, None, NOW);
    let r = run(&f.base_args(), &format!("{qr}\n"));
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("##### "), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("FAIL  revoked: the ID has been revoked by its issuer\n      (entry 43 of status list demo.tessera/1 is revoked)\n"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("age_over_18"),
        "no items on a failed verdict"
    );
    let mut args = f.base_args();
    args.push("--no-banner".into());
    let r = run(&args, "garbage\n");
    assert!(r.stdout.starts_with("FAIL  malformed: "), "{}", r.stdout);
}

#[test]
fn replayed_in_one_run_and_across_restarts() {
    let mut f = Fix::new();
    let qr = f.qr();
    let r = verify_json(&f, &[], &[qr.clone(), qr.to_lowercase()]);
    assert_eq!(r.reasons(), ["valid", "replayed"]);
    assert_eq!(r.code, 1);
    // Without a replay database a new process does not know the code.
    assert_eq!(one_reason(&f, &[], qr.clone()).0, "valid");

    let db = f.path("replay.log");
    let db = db.to_str().unwrap();
    let qr = f.qr();
    let (got, code) = one_reason(&f, &["--replay-db", db], qr.clone());
    assert_eq!((got.as_str(), code), ("valid", 0));
    let (got, code) = one_reason(&f, &["--replay-db", db], qr.clone());
    assert_eq!((got.as_str(), code), ("replayed", 1));
    // A torn last line (crash mid-append) does not stop the kiosk.
    let mut file = std::fs::OpenOptions::new().append(true).open(db).unwrap();
    file.write_all(b"0123abc").unwrap();
    drop(file);
    assert_eq!(
        one_reason(&f, &["--replay-db", db], qr.clone()).0,
        "replayed"
    );
    // After the presentation's lifetime it is pruned; it is then refused as too old anyway.
    let later = (NOW + 91).to_string();
    assert_eq!(
        one_reason(&f, &["--replay-db", db, "--now", &later], qr).0,
        "too_old"
    );
    assert_eq!(
        std::fs::read_to_string(db).unwrap(),
        "",
        "expired entries pruned"
    );
}

#[test]
fn stale_trust_and_status_data() {
    let mut f = Fix::new();
    // The status list's ttl is one day from NOW - 1 h; the trust list's next update is
    // NOW + 6 d. Two days on, the status list is stale.
    let later = NOW + 2 * DAY;
    let c = f.good_cred(VALID_IDX);
    let qr = f.qr_of(&c, None, later);
    let at = later.to_string();
    let r = verify_json(&f, &["--now", &at], std::slice::from_ref(&qr));
    assert_eq!(r.reasons(), ["valid"], "warn is the default");
    let w = r.json()[0]["warnings"][0].as_str().unwrap().to_string();
    assert!(
        w.contains("status list demo.tessera/1 is 2 d 1 h old, past its ttl of 1 d 0 h"),
        "{w}"
    );
    let qr = f.qr_of(&c, None, later);
    let r = verify_json(&f, &["--now", &at, "--stale", "fail"], &[qr]);
    assert_eq!(r.reasons(), ["trust_data_stale"]);
    assert_eq!(r.code, 1);

    // A trust list past its next update.
    let much_later = NOW + 8 * DAY;
    let qr = f.qr_of(&c, None, much_later);
    let at = much_later.to_string();
    let r = verify_json(&f, &["--now", &at, "--stale", "fail"], &[qr]);
    assert_eq!(r.reasons(), ["trust_data_stale"]);
    let d = r.json()[0]["detail"].as_str().unwrap().to_string();
    assert!(
        d.contains("trust list 1 is past its next update (2 d 0 h ago)"),
        "{d}"
    );

    // Policy: a status list older than allowed (within its ttl).
    let qr = f.qr_of(&c, None, NOW);
    let r = verify_json(&f, &["--max-status-age", "600", "--stale", "fail"], &[qr]);
    assert_eq!(r.reasons(), ["trust_data_stale"]);

    // No status list for the credential: revocation cannot be checked.
    std::fs::remove_file(f.path("status/demo.tessera-1.cbor")).unwrap();
    let qr = f.qr_of(&c, None, NOW);
    let r = verify_json(&f, &[], &[qr]);
    assert_eq!(r.reasons(), ["valid"]);
    assert_eq!(r.json()[0]["status_age"], Value::Null);
    let qr = f.qr_of(&c, None, NOW);
    let r = verify_json(&f, &["--stale", "fail"], &[qr]);
    assert_eq!(r.reasons(), ["trust_data_stale"]);
}

#[test]
fn clock_earlier_than_trust_data() {
    let mut f = Fix::new();
    let early = NOW - 2 * DAY;
    let c = f.good_cred(VALID_IDX);
    let qr = f.qr_of(&c, None, early);
    let at = early.to_string();
    let r = verify_json(&f, &["--now", &at], &[qr]);
    assert_eq!(r.reasons(), ["clock_wrong"]);
    let d = r.json()[0]["detail"].as_str().unwrap().to_string();
    assert!(d.contains("trust list was issued at"), "{d}");
    // Earlier than the status list only (issued NOW - 1 h; 30 s skew allowed).
    let t = NOW - 3600 - 31;
    let qr = f.qr_of(&c, None, t);
    let at = t.to_string();
    assert_eq!(one_reason(&f, &["--now", &at], qr).0, "clock_wrong");
}

#[test]
fn trust_list_problems_exit_2() {
    let mut f = Fix::new();
    let qr = f.qr();
    // Signed by another root.
    let other = SigningKey::generate(&mut f.rng);
    std::fs::write(f.path("other.cbor"), f.trust.sign(&other)).unwrap();
    let mut args = f.base_args();
    args[1] = f.path("other.cbor").display().to_string();
    let r = run(&args, &format!("{qr}\n"));
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains(
            "trust list refused: trust list signature does not verify under the configured root key"
        ),
        "{}",
        r.stderr
    );
    // Missing file, missing --root, bad counter code, unknown flag.
    args[1] = f.path("missing.cbor").display().to_string();
    assert_eq!(run(&args, "").code, 2);
    let r = run(
        &["--trust", f.path("trust-list.cbor").to_str().unwrap()],
        "",
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--root ROOT.pub is required"),
        "{}",
        r.stderr
    );
    let mut a = f.base_args();
    a.extend(["--counter-code".into(), "no way!".into()]);
    assert_eq!(run(&a, "").code, 2);
    assert_eq!(run(&["--bogus"], "").code, 2);
    // A data directory with root.pub needs no --root.
    let r = run(
        &[
            "--trust",
            f.dir.path().to_str().unwrap(),
            "--now",
            &NOW.to_string(),
            "--json",
        ],
        &format!("{qr}\n"),
    );
    assert_eq!(r.reasons(), ["valid"], "{}", r.stderr);
    // No input at all: nothing invalid.
    assert_eq!(run(&f.base_args(), "").code, 0);
}

fn update(f: &Fix, data: &Path, src: &Path) -> Run {
    let r = run(
        &[
            "update",
            "--from",
            src.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--root",
            f.path("root.pub").to_str().unwrap(),
            "--now",
            &NOW.to_string(),
        ],
        "",
    );
    eprintln!("$ tessera-verify update\n{}{}", r.stdout, r.stderr);
    r
}

fn status_json(data: &Path, now: u64) -> Run {
    run(
        &[
            "status",
            "--data",
            data.to_str().unwrap(),
            "--json",
            "--now",
            &now.to_string(),
        ],
        "",
    )
}

#[test]
fn updates_keep_the_last_good_copy() {
    let mut f = Fix::new();
    let data = tempfile::tempdir().unwrap();
    let data = data.path().join("kiosk");
    // First install from the published folder: root.pub is installed from --root.
    let r = update(&f, &data, f.dir.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("INSTALLED"), "{}", r.stdout);
    assert!(data.join("root.pub").exists());
    let installed = std::fs::read(data.join("trust-list.cbor")).unwrap();
    assert!(data.join("status/demo.tessera-1.cbor").exists());
    // Same files again: unchanged.
    let r = update(&f, &data, f.dir.path());
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.matches("UNCHANGED").count(), 2, "{}", r.stdout);

    // A bad trust list (wrong root) and a bad status list (bit flip) are refused.
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir(src.path().join("status")).unwrap();
    let other = SigningKey::generate(&mut f.rng);
    let newer = trust_list(&f.issuer, 2, NOW);
    std::fs::write(src.path().join("trust-list.cbor"), newer.sign(&other)).unwrap();
    let mut bad = f.status_list(NOW, DAY).sign(&f.issuer);
    let n = bad.len();
    bad[n - 3] ^= 1;
    std::fs::write(src.path().join("status/demo.tessera-1.cbor"), bad).unwrap();
    let r = update(&f, &data, src.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.matches("REFUSED").count(), 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("signature does not verify"),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::read(data.join("trust-list.cbor")).unwrap(),
        installed
    );

    // A newer, good trust list and status list are installed.
    std::fs::write(src.path().join("trust-list.cbor"), newer.sign(&f.root)).unwrap();
    let mut list = f.status_list(NOW, DAY);
    list.set(VALID_IDX, Status::Revoked).unwrap();
    std::fs::write(
        src.path().join("status/demo.tessera-1.cbor"),
        list.sign(&f.issuer),
    )
    .unwrap();
    let r = update(&f, &data, src.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.matches("INSTALLED").count(), 2, "{}", r.stdout);
    let s = status_json(&data, NOW + 60);
    assert_eq!(s.code, 0, "{}{}", s.stdout, s.stderr);
    let states = s.json();
    assert_eq!(states[0]["what"], "trust list");
    assert_eq!(states[0]["sequence"], 2);
    assert_eq!(states[0]["age"], 60);
    assert_eq!(states[1]["what"], "status list demo.tessera/1");
    assert_eq!(states[1]["issued_at"], NOW);
    // The kiosk now sees the revocation.
    let qr = f.qr();
    let r = run(
        &[
            "--trust",
            data.to_str().unwrap(),
            "--json",
            "--now",
            &NOW.to_string(),
        ],
        &format!("{qr}\n"),
    );
    assert_eq!(r.reasons(), ["revoked"], "{}", r.stderr);

    // Older files (sequence 1, the status list from NOW - 1 h) are refused.
    let r = update(&f, &data, f.dir.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("sequence 1 is older than the installed list's 2"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("before the installed list"),
        "{}",
        r.stdout
    );
    assert_eq!(status_json(&data, NOW).json()[0]["sequence"], 2);

    // Same sequence, different content: refused.
    let mut same_seq = newer.clone();
    same_seq.next_update += 1;
    std::fs::write(src.path().join("trust-list.cbor"), same_seq.sign(&f.root)).unwrap();
    let r = update(&f, &data, src.path());
    assert!(r.stdout.contains("content differs"), "{}", r.stdout);

    // Stale data shows in `status` (exit 1); a different root key is refused (exit 2).
    let s = status_json(&data, NOW + 2 * DAY);
    assert_eq!(s.code, 1);
    assert_eq!(s.json()[1]["stale"], true);
    std::fs::write(
        f.path("other.pub"),
        public_key_to_text(&other.verifying_key(), ""),
    )
    .unwrap();
    let r = run(
        &[
            "update",
            "--from",
            src.path().to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--root",
            f.path("other.pub").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("different root key"), "{}", r.stderr);
    // An empty source folder is an error.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(update(&f, &data, empty.path()).code, 2);
}

fn write_qr_png(text: &str, path: &Path) {
    let sym = tessera_qr::encode(text, &tessera_qr::EncodeOptions::default()).unwrap();
    sym.to_image(4).save(path).unwrap();
}

#[test]
fn images_and_watch_folder() {
    let mut f = Fix::new();
    let a = f.qr();
    let b = f.qr();
    let shots = tempfile::tempdir().unwrap();
    write_qr_png(&a, &shots.path().join("a.png"));
    write_qr_png(&b, &shots.path().join("b.png"));
    std::fs::write(shots.path().join("c.jpg"), b"not a jpeg").unwrap();
    std::fs::write(shots.path().join("notes.txt"), b"ignored").unwrap();

    let mut args = f.base_args();
    args.extend(["--json".into(), "--image".into()]);
    args.push(shots.path().join("a.png").display().to_string());
    args.push(shots.path().join("a.png").display().to_string());
    let r = run(&args, "");
    assert_eq!(r.reasons(), ["valid", "replayed"], "{}", r.stderr);
    assert!(r.json()[0]["source"].as_str().unwrap().ends_with("a.png"));
    args.push(shots.path().join("missing.png").display().to_string());
    let r = run(&args, "");
    assert_eq!(r.code, 2, "a missing file is a file error");
    assert_eq!(
        r.reasons(),
        ["valid", "replayed"],
        "the others still get verdicts"
    );
    let mut args = f.base_args();
    args.extend([
        "--image".into(),
        shots.path().join("notes.txt").display().to_string(),
    ]);
    let r = run(&args, "");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (2, ""),
        "not an image: a file error"
    );

    let mut args = f.base_args();
    args.extend([
        "--json".into(),
        "--watch".into(),
        shots.path().display().to_string(),
        "--once".into(),
    ]);
    let r = run(&args, "");
    assert_eq!(r.reasons(), ["valid", "valid"], "{}", r.stderr);
    assert_eq!(r.code, 2, "c.jpg gives no verdict: a file error");
    assert!(r.stderr.contains("c.jpg: "), "{}", r.stderr);
    std::fs::remove_file(shots.path().join("c.jpg")).unwrap();
    let r = run(&args, "");
    assert_eq!((r.reasons().len(), r.code), (2, 0), "{}", r.stderr);
}

#[test]
fn watch_runs_until_sigterm() {
    let mut f = Fix::new();
    let shots = tempfile::tempdir().unwrap();
    write_qr_png(&f.qr(), &shots.path().join("old.png"));
    let mut args = f.base_args();
    args.extend([
        "--json".into(),
        "--watch".into(),
        shots.path().display().to_string(),
        "--poll-ms".into(),
        "50".into(),
    ]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera-verify"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It says it skips the image already there once it has looked at the folder.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
    assert!(
        line.contains("1 image(s) already there are skipped"),
        "{line}"
    );
    // Written elsewhere and renamed in, as camera software should.
    let qr = f.qr();
    write_qr_png(&qr, &f.path("new.png"));
    std::fs::rename(f.path("new.png"), shots.path().join("new.png")).unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for l in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let _ = tx.send(l.unwrap());
        }
    });
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("a verdict for the new image");
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["verdict"], "valid", "{first}");
    assert!(v["source"].as_str().unwrap().ends_with("new.png"));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    reader.join().unwrap();
    assert_eq!(rx.try_iter().count(), 0, "the old image is never verified");
    assert_eq!(status.code(), Some(0), "clean exit on SIGTERM");
}

#[test]
fn library_replay_cache_full_is_refuse_safe() {
    let mut f = Fix::new();
    let policy = Policy {
        replay_capacity: 2,
        ..Policy::default()
    };
    let mut v = Verifier::new(f.trust.clone(), policy);
    let c = f.good_cred(VALID_IDX);
    let qrs: Vec<String> = (0..3).map(|_| f.qr_of(&c, None, NOW)).collect();
    assert!(v.check_text(&qrs[0], NOW).is_valid());
    assert!(v.check_text(&qrs[1], NOW).is_valid());
    let full = v.check_text(&qrs[2], NOW);
    assert_eq!(full.reason(), Some(Reason::Replayed));
    assert!(
        full.detail().contains("replay cache is full"),
        "{}",
        full.detail()
    );
    // Once the first two expire (NOW + 90), there is room again.
    let late = f.qr_of(&c, None, NOW + 91);
    assert!(v.check_text(&late, NOW + 91).is_valid());
    assert_eq!(v.replay_cache().len(), 1);
    // A rejected presentation is not remembered: after the status list arrives, a revoked
    // credential stays revoked, and a valid one shown twice is replayed.
    assert!(v.trust().issuers[0].keys[0].valid_at(NOW));
}

/// One rule for the root key of a data folder, in the library and the command line: a key
/// given must be the installed root.pub; with none given, the installed one is used.
#[test]
fn a_given_root_key_must_be_the_installed_one() {
    let mut f = Fix::new();
    let other = SigningKey::generate(&mut f.rng);
    let other_file = f.dir.path().join("other-root.pub");
    std::fs::write(
        &other_file,
        public_key_to_text(&other.verifying_key(), "not the root"),
    )
    .unwrap();
    let dir = &f.dir.path().to_path_buf();
    let err = Verifier::from_dir(dir, Some(&other_file), Policy::default()).unwrap_err();
    assert!(matches!(err, VerifierError::RootMismatch { .. }), "{err}");
    let installed = f.path("root.pub");
    assert!(Verifier::from_dir(dir, Some(&installed), Policy::default()).is_ok());
    assert!(Verifier::from_dir(dir, None, Policy::default()).is_ok());

    let c = f.good_cred(VALID_IDX);
    let qr = f.qr_of(&c, None, NOW);
    let args = |root: &Path| {
        let now = NOW.to_string();
        let d = dir.to_str().unwrap().to_string();
        let r = root.to_str().unwrap().to_string();
        run(
            &["--trust", &d, "--root", &r, "--now", &now, "--json"],
            &format!("{qr}\n"),
        )
    };
    let r = args(&other_file);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("different root key"), "{}", r.stderr);
    let r = args(&installed);
    assert_eq!(r.reasons(), ["valid"], "{}", r.stderr);
    // Without root.pub the folder needs --root, and takes any key that signed its list.
    std::fs::remove_file(&installed).unwrap();
    assert!(Verifier::from_dir(dir, None, Policy::default()).is_err());
    let moved = dir.join("the-root.pub");
    std::fs::write(
        &moved,
        public_key_to_text(&f.root.verifying_key(), "test root"),
    )
    .unwrap();
    assert!(Verifier::from_dir(dir, Some(&moved), Policy::default()).is_ok());
}

#[test]
fn library_status_lists_and_from_dir() {
    let mut f = Fix::new();
    let mut v = Verifier::from_dir(
        f.dir.path(),
        None,
        Policy {
            stale: StalePolicy::Fail,
            ..Policy::default()
        },
    )
    .unwrap();
    assert_eq!(v.status_lists().count(), 1);
    let c = f.good_cred(VALID_IDX);
    let q = f.qr_of(&c, None, NOW);
    assert!(v.check_text(&q, NOW).is_valid());
    assert!(
        f.path("replay.log").exists(),
        "from_dir persists the replay cache"
    );
    // A newer list replaces, an older one does not.
    let mut newer = f.status_list(NOW, DAY);
    newer.set(VALID_IDX, Status::Suspended).unwrap();
    v.add_status_list(newer);
    v.add_status_list(f.status_list(NOW - 7200, DAY));
    let q = f.qr_of(&c, None, NOW);
    let verdict = v.check_text(&q, NOW);
    assert_eq!(verdict.reason(), Some(Reason::Suspended));
    assert_eq!(verdict.status_age(), Some(0));
    assert_eq!(verdict.issuer(), Some("Demo City ID Office"));
    assert!(verdict.disclosed().is_empty());
    // The rejected presentation was not recorded: nothing new in the cache.
    assert_eq!(v.replay_cache().len(), 1);
}

#[test]
fn key_rotation_by_kid() {
    // The issuer rotated keys: the old key's window ended yesterday, the new one is current.
    let mut f = Fix::new();
    let old = f.issuer.clone();
    let new = SigningKey::generate(&mut f.rng);
    let mut trust = trust_list(&old, 2, NOW - DAY);
    trust.issuers[0].keys[0].not_after = NOW - DAY;
    trust.issuers[0].keys.push(TrustedKey::new(
        new.verifying_key(),
        NOW - DAY,
        NOW + 3650 * DAY,
    ));
    std::fs::write(f.path("trust-list.cbor"), trust.sign(&f.root)).unwrap();
    // The status list is signed by the new key.
    std::fs::write(
        f.path("status/demo.tessera-1.cbor"),
        f.status_list(NOW - 3600, DAY).sign(&new),
    )
    .unwrap();
    let c_old = f.cred(&old, NOW - 9 * DAY, NOW + 365 * DAY, VALID_IDX);
    let c_new = f.cred(&new, NOW - DAY, NOW + 365 * DAY, VALID_IDX);
    let c_revoked = f.cred(&new, NOW - DAY, NOW + 365 * DAY, REVOKED_IDX);
    let lines = [
        f.qr_of(&c_old, None, NOW),
        f.qr_of(&c_new, None, NOW),
        f.qr_of(&c_revoked, None, NOW),
    ];
    let r = verify_json(&f, &[], &lines);
    assert_eq!(
        r.reasons(),
        ["issuer_key_not_valid", "valid", "revoked"],
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr, "", "the new key's status list is accepted");
}

#[test]
fn human_output_snapshot() {
    let mut f = Fix::new();
    let qr = f.qr();
    let r = run(&f.base_args(), &format!("{qr}\nnot a code\n"));
    assert_eq!(r.code, 1);
    let want = "\
####   ###   ####  ####
#   # #   # #     #
####  #####  ###   ###
#     #   #     #     #
#     #   # ####  ####
PASS  valid
issuer:      Demo City ID Office (demo.tessera)
purpose:     age18
  age_over_18:       yes
trust data:  1 d 0 h old; status data: 1 h 0 min old
source:      stdin:1

#####  ###   ###  #
#     #   #   #   #
####  #####   #   #
#     #   #   #   #
#     #   #  ###  #####
FAIL  malformed: this is not a readable Tessera ID code
      (qr text does not start with \"TS1:\": not a Tessera presentation)
trust data:  1 d 0 h old; status data: none
source:      stdin:2

";
    assert_eq!(r.stdout, want);
}

/// A folder to update from holding the fixture's trust list and nothing else yet.
fn update_source(f: &Fix) -> tempfile::TempDir {
    let src = tempfile::tempdir().unwrap();
    std::fs::copy(
        f.path("trust-list.cbor"),
        src.path().join("trust-list.cbor"),
    )
    .unwrap();
    std::fs::create_dir(src.path().join("status")).unwrap();
    src
}

#[cfg(unix)]
#[test]
fn a_first_update_whose_trust_list_is_refused_names_it_and_why() {
    let f = Fix::new();
    let data = tempfile::tempdir().unwrap();
    let data = data.path().join("kiosk");
    let src = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", src.path().join("trust-list.cbor")).unwrap();
    let r = update(&f, &data, src.path());
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("trust-list.cbor: trust list refused (")
            && r.stderr.contains("not a regular file"),
        "{}",
        r.stderr
    );
}

#[cfg(unix)]
#[test]
fn update_refuses_links_to_devices_fifos_and_oversized_files_without_reading_them() {
    let f = Fix::new();
    let data = tempfile::tempdir().unwrap();
    let data = data.path().join("kiosk");
    assert_eq!(update(&f, &data, f.dir.path()).code, 0);

    let src = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", src.path().join("trust-list.cbor")).unwrap();
    std::fs::create_dir(src.path().join("status")).unwrap();
    let fifo = src.path().join("status/fifo.cbor");
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    // A sparse file one byte over the limit: no disk space, and refused by its size alone.
    let big = std::fs::File::create(src.path().join("status/big.cbor")).unwrap();
    big.set_len(tessera_core::status::MAX_STATUS_FILE_LEN as u64 + 1)
        .unwrap();
    std::os::unix::fs::symlink("/dev/zero", src.path().join("status/zero.cbor")).unwrap();

    let r = update(&f, &data, src.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let line = |name: &str| {
        *lines
            .iter()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no line for {name}: {}", r.stdout))
    };
    assert!(
        line("trust-list.cbor").starts_with("REFUSED"),
        "{}",
        r.stdout
    );
    assert!(line("trust-list.cbor").ends_with("not a regular file"));
    assert!(line("fifo.cbor").ends_with("not a regular file"));
    assert!(line("zero.cbor").ends_with("not a regular file"));
    assert!(
        line("big.cbor").ends_with("16777217 bytes; at most 16777216 are accepted"),
        "{}",
        r.stdout
    );
    // The installed copies are untouched and still in use.
    let r = status_json(&data, NOW);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // Reading a data directory's root key, trust list or status list is bounded the same way.
    let e = tessera_verifier::store::read_status_list(&fifo, &f.trust).unwrap_err();
    assert!(
        matches!(e, tessera_verifier::VerifierError::NotAFile { .. }),
        "{e}"
    );
    let e = tessera_verifier::store::read_root(&src.path().join("trust-list.cbor")).unwrap_err();
    assert!(
        matches!(e, tessera_verifier::VerifierError::NotAFile { .. }),
        "{e}"
    );
}

#[test]
fn update_escapes_file_names_and_details() {
    let f = Fix::new();
    let data = tempfile::tempdir().unwrap();
    let data = data.path().join("kiosk");
    let src = update_source(&f);
    // A carriage return and an erase-line code would turn this REFUSED line into a fake
    // INSTALLED line on a terminal.
    let name = "x\r\u{1b}[2KINSTALLED demo.cbor (status list demo-1).cbor";
    std::fs::write(src.path().join("status").join(name), b"not a status list").unwrap();
    let r = update(&f, &data, src.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        !r.stdout.contains('\r') && !r.stdout.contains('\u{1b}'),
        "{:?}",
        r.stdout
    );
    let refused: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("REFUSED"))
        .collect();
    assert_eq!(refused.len(), 1, "{}", r.stdout);
    assert!(
        refused[0].contains("x\\u{000D}\\u{001B}[2KINSTALLED"),
        "{}",
        refused[0]
    );
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.starts_with("INSTALLED demo.cbor"))
    );
}

#[test]
fn control_characters_never_reach_the_human_output() {
    let mut f = Fix::new();
    let mut qrs = Vec::new();
    for bad in ["LIN\n  age_over_18: yes", "LIN\u{1b}[8m"] {
        let mut attributes = person();
        attributes.set(AttrId::FamilyName, AttrValue::Text(bad.into()));
        let params = IssueParams {
            holder: f.holder.verifying_key(),
            not_before: NOW - DAY,
            expires: NOW + DAY,
            status: StatusRef {
                list: 1,
                index: VALID_IDX,
            },
            attributes,
        };
        // The issuer refuses such a value; a dishonest one signs it anyway.
        assert!(issue(&f.issuer, &params, &mut f.rng).is_err());
        let cred = tessera_core::testing::issue_unchecked(&f.issuer, &params, &mut f.rng).unwrap();
        let p = present(
            &cred,
            &f.holder,
            &PresentRequest {
                disclose: &[AttrId::FamilyName, AttrId::AgeOver18],
                purpose: Purpose::Custom,
                counter_code: None,
                time: NOW,
            },
            &mut f.rng,
        )
        .unwrap();
        qrs.push(text::encode(&p));
    }
    let r = run(&f.base_args(), &(qrs.join("\n") + "\n"));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout.matches("FAIL  malformed").count(),
        2,
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("PASS"), "{}", r.stdout);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("age_over_18")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("U+000A"), "{}", r.stdout);
    let j = verify_json(&f, &[], &qrs);
    assert_eq!(j.reasons(), ["malformed", "malformed"]);
}
