//! The command-line programs end to end, as an authority, a citizen and a kiosk use them:
//! `tessera-issuer init/issue` → `tessera-wallet keygen/import/present --png` →
//! `tessera-verify --image` and `--stdin`. The binaries are built by `cargo test --workspace`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tessera_tests::{bin, ok, run, wallet};

struct Setup {
    _tmp: tempfile::TempDir,
    iss: PathBuf,
    wal: PathBuf,
    tmp: PathBuf,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().to_path_buf();
    let iss = t.join("issuer");
    let wal = t.join("wallet");
    ok(&run(Command::new(bin("tessera-issuer"))
        .args(["init", "--dir"])
        .arg(&iss)));
    let pubfile = ok(&run(wallet(&wal).arg("keygen")));
    let pubfile = PathBuf::from(pubfile.trim());
    assert!(pubfile.exists());
    // The demo person, portrait included, as an authority's input file.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    std::fs::copy(demo.join("person.json"), t.join("person.json")).unwrap();
    std::fs::copy(demo.join("portrait.jpg"), t.join("portrait.jpg")).unwrap();
    ok(&run(Command::new(bin("tessera-issuer"))
        .args(["issue", "--dir"])
        .arg(&iss)
        .arg("--holder-key")
        .arg(&pubfile)
        .arg("--attributes")
        .arg(t.join("person.json"))
        .arg("--out")
        .arg(t.join("cred.cbor"))));
    ok(&run(wallet(&wal).arg("import").arg(t.join("cred.cbor"))));
    Setup {
        _tmp: tmp,
        iss,
        wal,
        tmp: t,
    }
}

fn verify(s: &Setup) -> Command {
    let mut c = Command::new(bin("tessera-verify"));
    c.arg("--trust")
        .arg(s.iss.join("trust-list.cbor"))
        .arg("--root")
        .arg(s.iss.join("root.pub"))
        .arg("--json");
    c
}

#[test]
fn every_preset_through_png_and_the_kiosk() {
    let s = setup();
    let presets = [
        ("age18", vec!["age_over_18"]),
        ("delivery", vec!["family_name", "given_name"]),
        (
            "checkin",
            vec!["birth_date", "family_name", "given_name", "id_number"],
        ),
    ];
    for (preset, items) in presets {
        let png = s.tmp.join(format!("{preset}.png"));
        let text = ok(&run(wallet(&s.wal)
            .args(["present", "--preset", preset, "--png"])
            .arg(&png)));
        assert!(text.starts_with("TS1:"), "{text}");
        let out = run(verify(&s).arg("--image").arg(&png));
        let line = ok(&out);
        let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
        assert_eq!(v["verdict"], "valid", "{preset}: {v}");
        assert_eq!(v["purpose"], preset);
        let mut got: Vec<&str> = v["disclosed"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        got.sort();
        assert_eq!(got, items, "{preset}: exactly the preset's items");
    }
}

#[test]
fn keyboard_wedge_replay_and_counter_code() {
    let s = setup();
    let text = ok(&run(wallet(&s.wal).args([
        "present",
        "--items",
        "family_name,id_number",
        "--counter-code",
        "K7",
    ])));
    let db = s.tmp.join("replay.db");
    let feed = |extra: &[&str]| {
        let mut c = verify(&s);
        c.arg("--replay-db").arg(&db).args(extra);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        // A scanner types the text and Enter; Caps Lock may be on.
        write!(
            child.stdin.take().unwrap(),
            "{}\r\n",
            text.trim().to_lowercase()
        )
        .unwrap();
        let out = child.wait_with_output().unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
        (out.status.code(), v)
    };
    let (code, v) = feed(&["--counter-code", "K8"]);
    assert_eq!(
        (code, v["reason"].as_str()),
        (Some(1), Some("wrong_counter_code")),
        "{v}"
    );
    let (code, v) = feed(&["--counter-code", "k7"]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (Some(0), Some("valid")),
        "{v}"
    );
    // A new process with the same replay database: the same QR is refused.
    let (code, v) = feed(&["--counter-code", "K7"]);
    assert_eq!(
        (code, v["reason"].as_str()),
        (Some(1), Some("replayed")),
        "{v}"
    );
}

#[test]
fn wrong_pin_is_refused_and_the_wallet_still_opens() {
    let s = setup();
    let out = run(wallet(&s.wal).env("TESSERA_PIN", "000000").arg("list"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(err.contains("pin") || err.contains("secret"), "{err}");
    let list = ok(&run(wallet(&s.wal).arg("list")));
    assert!(list.contains("林"), "{list}");
}

#[cfg(unix)]
#[test]
fn keygen_replaces_a_link_planted_at_the_key_file_instead_of_writing_through_it() {
    let tmp = tempfile::tempdir().unwrap();
    let wal = tmp.path().join("wallet");
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let out_path = tmp.path().join("holder.pub");
    std::os::unix::fs::symlink(&victim, &out_path).unwrap();
    ok(&run(wallet(&wal).arg("keygen").arg("--out").arg(&out_path)));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(!std::fs::symlink_metadata(&out_path).unwrap().is_symlink());
    assert!(
        std::fs::read_to_string(&out_path)
            .unwrap()
            .contains("Tessera wallet device key")
    );
}

#[test]
fn bad_input_files_give_clear_errors() {
    let s = setup();
    let junk = s.tmp.join("junk.cbor");
    std::fs::write(&junk, b"\xd2\x84garbage").unwrap();
    let out = run(wallet(&s.wal).arg("import").arg(&junk));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("credential"));
    let out = run(wallet(&s.wal).arg("import").arg(s.tmp.join("missing.cbor")));
    assert_eq!(out.status.code(), Some(2));
    let out = run(wallet(&s.wal).args(["present", "--preset", "everything"]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(verify(&s).arg("--image").arg(&junk));
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable image is a file error"
    );
}

/// `tessera-issuer ARGS --dir` the setup's issuer folder: its output.
fn issuer(s: &Setup, args: &[&str]) -> String {
    let mut c = Command::new(bin("tessera-issuer"));
    c.args(args).arg("--dir").arg(&s.iss);
    ok(&run(&mut c))
}

/// A `tessera-verify` kiosk that updates from what the setup's issuer publishes.
struct Kiosk<'a> {
    s: &'a Setup,
    /// The static web server's folder.
    www: PathBuf,
    /// The kiosk's data folder, with the issuer's root key installed.
    data: PathBuf,
}

impl Kiosk<'_> {
    fn new(s: &Setup) -> Kiosk<'_> {
        let (www, data) = (s.tmp.join("www"), s.tmp.join("kiosk"));
        std::fs::create_dir_all(&data).unwrap();
        std::fs::copy(s.iss.join("root.pub"), data.join("root.pub")).unwrap();
        Kiosk { s, www, data }
    }

    /// `tessera-issuer publish`, then `tessera-verify update` from what it published.
    fn publish_and_update(&self) {
        issuer(self.s, &["publish", "--out", self.www.to_str().unwrap()]);
        ok(&run(Command::new(bin("tessera-verify"))
            .args(["update", "--from"])
            .arg(&self.www)
            .arg("--data")
            .arg(&self.data)));
    }

    /// An age check from the setup's wallet, typed into the kiosk: its JSON verdict.
    fn scan(&self) -> serde_json::Value {
        let text = ok(&run(
            wallet(&self.s.wal).args(["present", "--preset", "age18"])
        ));
        let mut c = Command::new(bin("tessera-verify"));
        c.arg("--trust")
            .arg(&self.data)
            .arg("--json")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{}", text.trim()).unwrap();
        let out = child.wait_with_output().unwrap();
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap()
    }
}

#[test]
fn revocation_reaches_the_kiosk_through_publish_and_update() {
    let s = setup();
    let kiosk = Kiosk::new(&s);
    let id = {
        let list = ok(&run(wallet(&s.wal).arg("list")));
        // The wallet's id is KID-LIST-INDEX; the issuer's is LIST-INDEX.
        let wallet_id = list.split('\t').next().unwrap().to_string();
        wallet_id.split_once('-').unwrap().1.to_string()
    };
    kiosk.publish_and_update();
    assert_eq!(kiosk.scan()["verdict"], "valid");
    issuer(&s, &["revoke", &id]);
    kiosk.publish_and_update();
    let v = kiosk.scan();
    assert_eq!(v["reason"], "revoked", "{v}");
    issuer(&s, &["reinstate", "--undo-revocation", &id]);
    kiosk.publish_and_update();
    let v = kiosk.scan();
    assert_eq!(v["verdict"], "valid", "{v}");
    issuer(&s, &["suspend", &id]);
    kiosk.publish_and_update();
    assert_eq!(kiosk.scan()["reason"], "suspended");
}

#[test]
fn a_revoked_issuer_key_is_refused_by_every_kiosk_that_updates() {
    let s = setup();
    let kiosk = Kiosk::new(&s);
    // The wallet's id is KID-LIST-INDEX.
    let list = ok(&run(wallet(&s.wal).arg("list")));
    let kid = list.split('-').next().unwrap().trim().to_string();
    kiosk.publish_and_update();
    assert_eq!(kiosk.scan()["verdict"], "valid");
    // The key was stolen: a new signing key, the old one revoked, published.
    issuer(&s, &["key", "add"]);
    let out = issuer(&s, &["key", "revoke", &kid]);
    assert!(out.contains("revoked"), "{out}");
    kiosk.publish_and_update();
    let v = kiosk.scan();
    assert_eq!(v["reason"], "unknown_issuer", "{v}");
}

#[test]
fn the_wallet_marks_an_unknown_issuer_until_its_trust_list_is_loaded() {
    let s = setup();
    let list = ok(&run(wallet(&s.wal).arg("list")));
    assert!(
        list.contains("UNKNOWN ISSUER (signature not checked)"),
        "{list}"
    );
    let out = ok(&run(wallet(&s.wal)
        .arg("trust")
        .arg(s.iss.join("trust-list.cbor"))
        .arg("--root")
        .arg(s.iss.join("root.pub"))));
    assert!(out.contains("loaded"), "{out}");
    // Kept in the wallet: a later command knows the issuer.
    let list = ok(&run(wallet(&s.wal).arg("list")));
    assert!(!list.contains("UNKNOWN ISSUER"), "{list}");
    // The same file again changes nothing; its signature is now checked.
    let out = ok(&run(wallet(&s.wal)
        .arg("import")
        .arg(s.tmp.join("cred.cbor"))));
    assert!(
        out.contains("nothing changed") && out.contains("signature checked"),
        "{out}"
    );
}

#[test]
fn the_qr_portrait_reaches_tessera_verify_as_text_and_json() {
    let s = setup();
    // The issuer derived the QR portrait from the demo's photo.
    let photo =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/portrait.jpg"))
            .unwrap();
    let webp = tessera_issuer::portrait::derive(&photo).unwrap().webp;
    let png = s.tmp.join("photo.png");
    run(wallet(&s.wal)
        .args([
            "present",
            "--items",
            "family_name,given_name,portrait",
            "--png",
        ])
        .arg(&png));
    // JSON: the exact bytes, base64.
    let line = ok(&run(verify(&s).arg("--image").arg(&png)));
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(
        v["disclosed"]["portrait"],
        tessera_verifier::base64(&webp).as_str()
    );
    // Text: that there is a portrait, its format, size and bytes.
    let text = ok(&run(Command::new(bin("tessera-verify"))
        .arg("--trust")
        .arg(s.iss.join("trust-list.cbor"))
        .arg("--root")
        .arg(s.iss.join("root.pub"))
        .arg("--image")
        .arg(&png)));
    let want = format!("<WebP image, 48x64, {} bytes>", webp.len());
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("portrait:") && l.ends_with(&want)),
        "{text}"
    );
}
