//! The scan app driven headless through its AccessKit tree (egui_kittest): QR images made
//! here from a test issuer are opened by path, dropped, or given at start, and the verdict
//! screens are read back by label.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::write_qr_png;
use ed25519_dalek::SigningKey;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::testing::{DAY, DeterministicRng, Fixture, TEST_NOW as NOW};
use tessera_core::{IssueParams, PresentRequest, Reason, StatusRef, issue, present, text};
use tessera_qr::EncodeOptions;
use tessera_scan::{Lang, Outcome, ScanApp, ScanConfig, TrustSource};

/// The test issuer, holder, trust list and credential, and a folder for images.
struct World {
    fx: Fixture,
    dir: tempfile::TempDir,
}

fn portrait_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(30, 38, |x, y| {
        image::Rgb([(x * 8) as u8, (y * 6) as u8, 160])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 40)
        .encode_image(&img)
        .unwrap();
    out
}

fn world() -> World {
    let mut a = Attributes::default();
    let t = |s: &str| AttrValue::Text(s.into());
    a.set(AttrId::FamilyName, t("林"));
    a.set(AttrId::GivenName, t("美华"));
    a.set(AttrId::FamilyNameLatin, t("LIN"));
    a.set(AttrId::GivenNameLatin, t("MEIHUA"));
    a.set(AttrId::BirthDate, t("1990-05-17"));
    a.set(AttrId::IdNumber, t("110105199005171234"));
    a.set(AttrId::Portrait, AttrValue::Bytes(portrait_jpeg()));
    a.compute_age_flags(NOW - DAY);
    World {
        fx: Fixture::with_attributes(7, a),
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    /// QR text of a presentation made at NOW.
    fn present(&mut self, disclose: &[AttrId], purpose: Purpose, code: Option<&str>) -> String {
        text::encode(&self.fx.present(disclose, purpose, code, NOW))
    }

    /// A presentation rendered as a QR code PNG in the temporary folder.
    fn qr(
        &mut self,
        name: &str,
        disclose: &[AttrId],
        purpose: Purpose,
        code: Option<&str>,
    ) -> PathBuf {
        let text = self.present(disclose, purpose, code);
        self.png(name, &text)
    }

    /// A presentation of `purpose`'s preset, no counter code, as a QR code PNG.
    fn preset_qr(&mut self, name: &str, purpose: Purpose) -> PathBuf {
        self.qr(name, purpose.preset(), purpose, None)
    }

    /// Renders `text` as a QR code PNG in the temporary folder.
    fn png(&self, name: &str, text: &str) -> PathBuf {
        write_qr_png(&self.dir.path().join(name), text)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn app(&self) -> Harness<'static, ScanApp> {
        app_with(
            TrustSource::new(self.fx.trust.clone(), Vec::new(), "test"),
            vec![],
        )
    }
}

fn app_with(trust: TrustSource, images: Vec<PathBuf>) -> Harness<'static, ScanApp> {
    app_at(trust, images, NOW + 5)
}

fn app_at(trust: TrustSource, images: Vec<PathBuf>, now: u64) -> Harness<'static, ScanApp> {
    let config = ScanConfig {
        images,
        clock: Arc::new(move || now),
        ..ScanConfig::new(trust)
    };
    Harness::builder()
        .with_size([1100.0, 900.0])
        .build_eframe(move |cc| ScanApp::new(&cc.egui_ctx, config))
}

/// Steps the app until no decode is running or waiting (decoding runs on its own thread).
fn settle(h: &mut Harness<'_, ScanApp>) {
    let start = Instant::now();
    h.run_ok();
    while h.state().is_busy() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "decode did not finish"
        );
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run_ok();
}

/// Types `path` into the image field and presses the scan button.
fn open(h: &mut Harness<'_, ScanApp>, path: &Path) {
    let label = match h.state().lang() {
        Lang::En => "Image file",
        Lang::Zh => "图像文件",
    };
    let field = h.get_by_label(label);
    field.focus();
    h.run_ok();
    h.state_mut().path_input.clear();
    h.get_by_label(label).type_text(&path.display().to_string());
    h.run_ok();
    let button = match h.state().lang() {
        Lang::En => "Scan image",
        Lang::Zh => "扫描图像",
    };
    h.get_by_label(button).click();
    settle(h);
}

fn dismiss(h: &mut Harness<'_, ScanApp>) {
    h.key_press(egui::Key::Escape);
    h.run_ok();
    assert!(h.state().shown().is_none());
}

fn reason_of(h: &Harness<'_, ScanApp>) -> Option<Reason> {
    h.state()
        .shown()
        .expect("a verdict is shown")
        .verdict
        .reason()
}

#[test]
fn valid_code_shows_green_verdict_with_only_the_disclosed_items() {
    let mut w = world();
    let qr = w.present(
        &[
            AttrId::FamilyName,
            AttrId::GivenName,
            AttrId::BirthDate,
            AttrId::Portrait,
        ],
        Purpose::Custom,
        None,
    );
    let png = w.png("valid.png", &qr);
    let mut h = w.app();
    open(&mut h, &png);

    assert_eq!(reason_of(&h), None);
    h.get_by_label("VALID");
    h.get_by_label("Purpose: Items chosen by the holder");
    h.get_by_label("Issuer: Test City ID Office");
    h.get_by_label("Family name");
    h.get_by_label("林");
    h.get_by_label("美华");
    h.get_by_label("1990-05-17");
    // The portrait is decoded and shown as an image with its alternative text.
    h.get_by_label("Portrait");
    // Nothing that was not disclosed.
    assert!(h.query_by_label("110105199005171234").is_none());
    assert!(h.query_by_label("ID number").is_none());
    assert!(h.query_by_label("MEIHUA").is_none());
    // Enter on the focused "Scan next" button goes back to the scan screen.
    assert!(h.get_by_label("Scan next").is_focused());
    h.key_press(egui::Key::Enter);
    h.run_ok();
    assert!(h.state().shown().is_none());
    h.get_by_label("Image file");
    let hist: Vec<_> = h.state().history().cloned().collect();
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0].outcome, Outcome::Valid);
    assert_eq!(hist[0].purpose, Some(Purpose::Custom));
}

#[test]
fn tampered_code_shows_red_with_the_reason() {
    let mut w = world();
    let qr = w.present(&[AttrId::GivenNameLatin], Purpose::Custom, None);
    let mut cbor = text::decode(&qr).unwrap();
    let at = cbor
        .windows(6)
        .position(|s| s == b"MEIHUA")
        .expect("the disclosed name is in the presentation");
    cbor[at + 5] = b'B';
    let png = w.png("tampered.png", &text::encode(&cbor));
    let mut h = w.app();
    open(&mut h, &png);

    assert_eq!(reason_of(&h), Some(Reason::BadIssuerSignature));
    h.get_by_label("NOT VALID");
    h.get_by_label("The ID's data does not match the issuer's signature (altered or forged)");
    // An invalid presentation's items are never shown.
    assert!(h.query_by_label("MEIHUB").is_none());
    assert!(h.query_by_label("MEIHUA").is_none());
}

#[test]
fn scanning_the_same_image_again_says_already_used() {
    let mut w = world();
    let qr = w.present(Purpose::Age18.preset(), Purpose::Age18, None);
    let png = w.png("age.png", &qr);
    let mut h = w.app();
    open(&mut h, &png);
    assert_eq!(reason_of(&h), None);
    h.get_by_label("Purpose: Age check (18 or over)");
    h.get_by_label("Age 18 or over");
    h.get_by_label("yes");
    dismiss(&mut h);

    open(&mut h, &png);
    assert_eq!(reason_of(&h), Some(Reason::Replayed));
    h.get_by_label("NOT VALID");
    h.get_by_label_contains("already used");
    let outcomes: Vec<_> = h.state().history().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Invalid(Reason::Replayed), Outcome::Valid]
    );
}

#[test]
fn hostile_images_give_clear_errors_not_panics() {
    let w = world();
    let noise: Vec<u8> = {
        let mut rng = 0x1234_5678_u32;
        let img = image::GrayImage::from_fn(400, 300, |_, _| {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            image::Luma([rng as u8])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let huge = {
        let path = w.dir.path().join("huge.png");
        image::GrayImage::new(9000, 4).save(&path).unwrap();
        path
    };
    let truncated = {
        let bytes = std::fs::read(w.png("ok.png", "TS1:HELLO")).unwrap();
        w.file("truncated.png", &bytes[..bytes.len() / 2])
    };
    let oversized = {
        let path = w.dir.path().join("oversized.jpg");
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(tessera_qr::MAX_FILE_BYTES + 1).unwrap(); // sparse: costs no disk
        path
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (oversized, "The file is too large."),
        (w.file("empty.png", b""), "The file is empty."),
        (
            w.file("noise.png", &noise),
            "No QR code was found in the image.",
        ),
        (
            w.file("garbage.jpg", b"\xFF\xD8\xFF\xE0 not really a jpeg at all"),
            "The image is damaged or unreadable.",
        ),
        (
            w.file("text.png", b"hello"),
            "This is not a PNG or JPEG image.",
        ),
        (huge, "The image is too large to scan."),
        (truncated, "The image is damaged or unreadable."),
        (
            w.dir.path().join("missing.png"),
            "The file could not be opened.",
        ),
    ];
    let mut h = w.app();
    for (path, message) in &cases {
        open(&mut h, path);
        assert!(h.state().shown().is_none(), "{}", path.display());
        assert!(h.state().failure().is_some(), "{}", path.display());
        h.get_by_label("No verdict: the image could not be used");
        h.get_by_label(message);
    }
    // A QR code that is not a Tessera code is a verdict: malformed.
    let other = w.png("other.png", "HELLO WORLD");
    open(&mut h, &other);
    assert_eq!(reason_of(&h), Some(Reason::Malformed));
    h.get_by_label("This is not a readable Tessera ID code");
    assert_eq!(h.state().history().count(), cases.len() + 1);
    assert!(
        h.state()
            .history()
            .skip(1)
            .all(|e| e.outcome == Outcome::NoCode)
    );
}

/// A PNG that claims u32::MAX × u32::MAX 8-bit grey pixels: the signature, the IHDR chunk
/// with its CRC (so the decoder believes the header), and an IDAT chunk that ends early.
const PNG_OF_U32_MAX_SQUARED: &[u8] = b"\x89PNG\r\n\x1a\n\
    \x00\x00\x00\x0dIHDR\xff\xff\xff\xff\xff\xff\xff\xff\x08\x00\x00\x00\x00\xf7\x9d\x71\xe2\
    \x00\x00\x00\x10IDAT\x78\x9c";

#[test]
fn a_png_header_of_u32_max_squared_pixels_is_too_large_to_scan_opened_or_dropped() {
    let w = world();
    let path = w.file("max.png", PNG_OF_U32_MAX_SQUARED);
    let mut h = w.app();
    let too_large = |h: &Harness<'_, ScanApp>| {
        assert!(h.state().shown().is_none());
        let failure = h.state().failure().expect("a failure is shown");
        assert!(
            matches!(
                failure.failure,
                tessera_scan::Failure::Decode(tessera_qr::DecodeError::OverLimit { .. })
            ),
            "{failure:?}"
        );
        h.get_by_label("No verdict: the image could not be used");
        h.get_by_label("The image is too large to scan.");
    };
    open(&mut h, &path);
    too_large(&h);
    // Dropped on a fresh window: the same words.
    let mut h = w.app();
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path.clone())));
    settle(&mut h);
    too_large(&h);
    let outcomes: Vec<_> = h.state().history().map(|e| e.outcome).collect();
    assert_eq!(outcomes, [Outcome::NoCode]);
}

#[test]
fn counter_code_accepts_only_codes_bound_to_it() {
    let mut w = world();
    let bound = w.qr(
        "bound.png",
        Purpose::Delivery.preset(),
        Purpose::Delivery,
        Some("K7-42"),
    );
    let unbound = w.preset_qr("unbound.png", Purpose::Delivery);
    let mut h = w.app();
    let field = h.get_by_label("Counter code");
    field.focus();
    h.run_ok();
    h.get_by_label("Counter code").type_text("k742");
    h.run_ok();
    h.get_by_label("Accepting only codes made for K742");

    open(&mut h, &unbound);
    assert_eq!(reason_of(&h), Some(Reason::WrongCounterCode));
    h.get_by_label("The code was made for a different counter code");
    dismiss(&mut h);

    open(&mut h, &bound);
    assert_eq!(reason_of(&h), None);
    h.get_by_label("Purpose: Delivery");
    h.get_by_label("林");
    dismiss(&mut h);

    // Without the code, the bound one fails and the unbound one (never accepted) passes.
    h.state_mut().counter_input.clear();
    open(&mut h, &bound);
    assert_eq!(reason_of(&h), Some(Reason::WrongCounterCode));
    dismiss(&mut h);
    open(&mut h, &unbound);
    assert_eq!(reason_of(&h), None);
}

#[test]
fn chinese_screens() {
    let mut w = world();
    let png = w.preset_qr("checkin.png", Purpose::CheckIn);
    let mut h = w.app();
    h.get_by_label("中文").click();
    h.run_ok();
    assert_eq!(h.state().lang(), Lang::Zh);
    h.get_by_label("柜台代码");
    h.get_by_label("尚无扫描记录。");

    open(&mut h, &png);
    assert_eq!(reason_of(&h), None);
    h.get_by_label("有效");
    h.get_by_label("用途: 酒店入住");
    h.get_by_label("公民身份号码");
    h.get_by_label("110105199005171234");
    dismiss(&mut h);

    open(&mut h, &png);
    h.get_by_label("无效");
    h.get_by_label("此码已被使用过：请对方出示新码");
    dismiss(&mut h);

    let empty = w.file("empty.png", b"");
    open(&mut h, &empty);
    h.get_by_label("无法核验：图像不可用");
    h.get_by_label("文件是空的。");
    h.get_by_label("最近扫描");

    h.get_by_label("English").click();
    h.run_ok();
    h.get_by_label("Recent scans");
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn dropped_files_and_start_images_are_scanned() {
    let mut w = world();
    let first = w.preset_qr("first.png", Purpose::Delivery);
    let second = w.preset_qr("second.png", Purpose::Age18);
    let mut h = app_with(
        TrustSource::new(w.fx.trust.clone(), Vec::new(), "test"),
        vec![first, second],
    );
    settle(&mut h);
    // Both were checked in order; the last one is on screen.
    assert_eq!(reason_of(&h), None);
    h.get_by_label("Purpose: Age check (18 or over)");
    assert_eq!(h.state().history().count(), 2);
    dismiss(&mut h);

    let dropped = w.preset_qr("dropped.png", Purpose::CheckIn);
    h.input_mut().dropped_files.push(Arc::new(Dropped(dropped)));
    settle(&mut h);
    assert_eq!(reason_of(&h), None);
    h.get_by_label("Purpose: Hotel check-in");
}

#[test]
fn enter_in_the_path_field_scans() {
    let mut w = world();
    let png = w.preset_qr("enter.png", Purpose::Age18);
    let mut h = w.app();
    h.get_by_label("Image file").focus();
    h.run_ok();
    h.get_by_label("Image file")
        .type_text(&png.display().to_string());
    h.run_ok();
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    assert_eq!(reason_of(&h), None);
}

#[test]
fn trust_dir_with_a_status_list_reports_revocation() {
    use tessera_core::keys::public_key_to_text;
    use tessera_core::{Status, StatusList};
    let mut w = world();
    let root = SigningKey::generate(&mut w.fx.rng);
    let data = w.dir.path().join("data");
    std::fs::create_dir_all(data.join("status")).unwrap();
    std::fs::write(data.join("trust-list.cbor"), w.fx.trust.sign(&root)).unwrap();
    let root_file = w.dir.path().join("root.pub");
    std::fs::write(
        &root_file,
        public_key_to_text(&root.verifying_key(), "test root"),
    )
    .unwrap();
    let mut list = StatusList::new("test.tessera", 1, 2, 100, NOW - 3600, DAY);
    list.set(42, Status::Revoked).unwrap();
    let status = data.join("status");
    let name = tessera_verifier::store::status_file_name("test.tessera", 1);
    std::fs::write(status.join(name), list.sign(&w.fx.issuer)).unwrap();
    std::fs::write(status.join("junk-9.cbor"), b"junk").unwrap();

    let other = w.dir.path().join("other.pub");
    let other_key = SigningKey::generate(&mut w.fx.rng).verifying_key();
    std::fs::write(&other, public_key_to_text(&other_key, "not the root")).unwrap();
    assert!(TrustSource::from_dir(&data, Some(&other)).is_err());
    // No root key given and none installed: refused, never the demo list.
    assert!(TrustSource::from_dir(&data, None).is_err());

    let trust = TrustSource::from_dir(&data, Some(&root_file)).unwrap();
    assert_eq!(trust.problems().len(), 1, "{:?}", trust.problems());
    // The rule tessera-verify follows: the installed root.pub serves when none is given, and
    // a key given must be the installed one.
    std::fs::copy(&root_file, data.join("root.pub")).unwrap();
    assert!(TrustSource::from_dir(&data, None).is_ok());
    let err = TrustSource::from_dir(&data, Some(&other)).unwrap_err();
    assert!(
        matches!(err, tessera_verifier::VerifierError::RootMismatch { .. }),
        "{err}"
    );
    let trust = TrustSource::from_dir(&data, Some(&root_file)).unwrap();
    assert!(!trust.is_demo());
    assert_eq!(trust.problems().len(), 1, "{:?}", trust.problems());
    let png = w.preset_qr("revoked.png", Purpose::Age18);
    let mut h = app_with(trust, vec![png]);
    settle(&mut h);
    assert_eq!(reason_of(&h), Some(Reason::Revoked));
    h.get_by_label("The ID has been revoked by its issuer");
    h.get_by_label("Revocation data age: 1 h 0 min");
    assert!(h.query_by_label("DEMO trust list").is_none());
    dismiss(&mut h);
    h.get_by_label("Trust data problems");
}

#[test]
fn an_image_with_two_codes_shows_the_tessera_one() {
    let mut w = world();
    let opts = EncodeOptions::default();
    let other = tessera_qr::encode("HELLO WORLD", &opts)
        .unwrap()
        .to_image(4);
    let qr = w.present(Purpose::Age18.preset(), Purpose::Age18, None);
    let ours = tessera_qr::encode(&qr, &opts).unwrap().to_image(4);
    let mut both = image::GrayImage::from_pixel(
        other.width() + ours.width() + 40,
        other.height().max(ours.height()),
        image::Luma([255]),
    );
    image::imageops::overlay(&mut both, &other, 0, 0);
    image::imageops::overlay(&mut both, &ours, i64::from(other.width() + 40), 0);
    let path = w.dir.path().join("both.png");
    both.save(&path).unwrap();
    let mut h = w.app();
    open(&mut h, &path);
    assert_eq!(reason_of(&h), None);
    h.get_by_label("VALID");
    h.get_by_label("2 codes in this image; each was checked and is in the history.");
    let mut outcomes: Vec<_> = h.state().history().map(|e| e.outcome).collect();
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        [Outcome::Invalid(Reason::Malformed), Outcome::Valid]
    );
}

#[test]
fn keyboard_only_scan_and_return() {
    let mut w = world();
    let png = w.preset_qr("keys.png", Purpose::Age18);
    let mut h = w.app();
    let mut presses = 0;
    while !h.get_by_label("Image file").is_focused() {
        presses += 1;
        assert!(presses <= 10, "Tab never reached the image field");
        h.key_press(egui::Key::Tab);
        h.run_ok();
    }
    h.get_by_label("Image file")
        .type_text(&png.display().to_string());
    h.run_ok();
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    assert_eq!(reason_of(&h), None);
    assert!(h.get_by_label("Scan next").is_focused());
    h.key_press(egui::Key::Space);
    h.run_ok();
    assert!(h.state().shown().is_none());
}

#[test]
fn demo_trust_list_is_marked_and_verifies_demo_codes() {
    let trust = TrustSource::demo().unwrap();
    let t = trust.trust_list().issued_at + 3600;
    let mut rng = DeterministicRng::new(11);
    let issuer =
        tessera_core::keys::secret_key_from_text(include_str!("../../../assets/demo/issuer.key"))
            .unwrap();
    let holder = SigningKey::generate(&mut rng);
    let mut a = Attributes::default();
    a.set(AttrId::AgeOver18, AttrValue::Bool(true));
    let cred = issue(
        &issuer,
        &IssueParams {
            holder: holder.verifying_key(),
            not_before: t - DAY,
            expires: t + DAY,
            status: StatusRef { list: 0, index: 1 },
            attributes: a,
        },
        &mut rng,
    )
    .unwrap();
    let p = present(
        &cred,
        &holder,
        &PresentRequest {
            disclose: &[AttrId::AgeOver18],
            purpose: Purpose::Age18,
            counter_code: None,
            time: t,
        },
        &mut rng,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let png = write_qr_png(&dir.path().join("demo.png"), &text::encode(&p));

    let mut h = app_at(trust, vec![], t + 5);
    h.run_ok();
    h.get_by_label("DEMO trust list");
    open(&mut h, &png);
    assert_eq!(reason_of(&h), None);
    h.get_by_label("VALID");
    // The verdict screen says the trust is the demo's too.
    h.get_by_label("DEMO trust list");
}

#[cfg(all(feature = "camera", target_os = "linux"))]
#[test]
fn a_missing_camera_is_an_error_not_a_panic() {
    let w = world();
    let mut h = w.app();
    h.get_by_label("Camera device");
    h.state_mut().push_action(tessera_scan::Action::StartCamera(
        "/nonexistent/video9".into(),
    ));
    let start = Instant::now();
    loop {
        h.step();
        if h.query_by_label_contains("/nonexistent/video9:").is_some() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no camera error shown"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    h.get_by_label("Start camera");
}

#[test]
fn command_line_errors_exit_before_any_window() {
    use std::process::Command;
    let bin = env!("CARGO_BIN_EXE_tessera-scan");
    let help = Command::new(bin).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("--trust-dir") && text.contains("[IMAGE]..."),
        "{text}"
    );

    // --trust-dir needs --root.
    let half = Command::new(bin)
        .args(["--trust-dir", "/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(half.status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let missing = Command::new(bin)
        .arg("--trust-dir")
        .arg(dir.path())
        .arg("--root")
        .arg(dir.path().join("root.pub"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    // A trust file that cannot be read is a file error (exit code 2).
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.starts_with("tessera-scan: error: "), "{err}");
    assert!(err.contains("cannot use the trust data"), "{err}");
    assert!(err.contains("root.pub"), "{err}");

    // A root key file that is not a key is a file error too, as for tessera-verify.
    std::fs::write(dir.path().join("bad.pub"), "not a key\n").unwrap();
    let refused = Command::new(bin)
        .arg("--trust-dir")
        .arg(dir.path())
        .arg("--root")
        .arg(dir.path().join("bad.pub"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bad.pub: not a usable root public key"),
        "{err}"
    );

    // --lang takes en or zh, checked by the command line (usage error).
    let lang = Command::new(bin).args(["--lang", "fr"]).output().unwrap();
    assert_eq!(lang.status.code(), Some(2));
    let err = String::from_utf8_lossy(&lang.stderr);
    assert!(
        err.contains("invalid value 'fr'") && err.contains("[possible values: en, zh]"),
        "{err}"
    );

    // A path with a carriage return and an erase-line code is printed escaped.
    let hostile = dir.path().join("x\r\u{1b}[2Kroot.pub");
    let o = Command::new(bin)
        .arg("--trust-dir")
        .arg(dir.path())
        .arg("--root")
        .arg(&hostile)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("x\\u{000D}\\u{001B}[2Kroot.pub"), "{err}");
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err}");
}

/// Sets the counter code field (the first time by typing into it, as an operator would).
fn type_counter_code(h: &mut Harness<'_, ScanApp>, code: &str) {
    if h.state().counter_input.is_empty() && !code.is_empty() {
        h.get_by_label("Counter code").focus();
        h.run_ok();
        h.get_by_label("Counter code").type_text(code);
    } else {
        h.state_mut().counter_input = code.to_string();
    }
    h.run_ok();
    assert_eq!(h.state().counter_input, code);
}

/// Queues an image as a click, drop or start argument would, and steps until it is done.
fn queue(h: &mut Harness<'_, ScanApp>, path: &Path) {
    h.state_mut()
        .push_action(tessera_scan::Action::Scan(path.to_path_buf()));
    settle(h);
}

#[test]
fn an_invalid_counter_code_pauses_scanning_until_it_is_valid_or_cleared() {
    let mut w = world();
    let unbound = w.preset_qr("unbound.png", Purpose::Delivery);
    let mut h = w.app();
    type_counter_code(&mut h, "K7!42");
    assert!(h.state().is_paused());
    h.get_by_label("A counter code is 1 to 16 letters or digits: correct it or clear the field.");
    h.get_by_label("Scanning is paused until the counter code is valid or the field is empty.");
    // The scan button is off, and an image given another way (dropped, Enter) is refused,
    // not verified: an unbound code must not pass as if no code were set.
    assert!(h.get_by_label("Scan image").accesskit_node().is_disabled());
    let not_scanned = "Not scanned: the counter code is not valid. Correct it or clear the field, then scan again.";
    queue(&mut h, &unbound);
    assert!(h.state().shown().is_none());
    assert!(matches!(
        h.state().failure().map(|f| &f.failure),
        Some(tessera_scan::Failure::CounterCodeInvalid)
    ));
    h.get_by_label(not_scanned);
    assert_eq!(h.state().history().count(), 0);
    // Corrected: scanning resumes under the code, and the unbound code is refused.
    type_counter_code(&mut h, "K742");
    assert!(!h.state().is_paused());
    assert!(!h.get_by_label("Scan image").accesskit_node().is_disabled());
    open(&mut h, &unbound);
    assert_eq!(reason_of(&h), Some(Reason::WrongCounterCode));
    dismiss(&mut h);
    // Invalid again, then cleared: no code is in force, so the unbound code passes.
    type_counter_code(&mut h, "!!");
    queue(&mut h, &unbound);
    assert!(h.state().shown().is_none());
    type_counter_code(&mut h, "");
    assert!(!h.state().is_paused());
    h.get_by_label("No counter code: QR codes made without one are accepted.");
    open(&mut h, &unbound);
    assert_eq!(reason_of(&h), None);
    dismiss(&mut h);
    // A code made invalid while an image is being decoded: its result is not verified.
    let again = w.preset_qr("again.png", Purpose::Delivery);
    h.state_mut()
        .push_action(tessera_scan::Action::Scan(again.clone()));
    h.step();
    assert!(h.state().is_busy());
    h.state_mut().counter_input = "K7!42".into();
    settle(&mut h);
    assert!(h.state().shown().is_none());
    assert!(matches!(
        h.state().failure().map(|f| &f.failure),
        Some(tessera_scan::Failure::CounterCodeInvalid)
    ));
    assert_eq!(h.state().history().count(), 2);
}

#[test]
fn control_characters_in_names_and_file_names_are_shown_escaped() {
    let mut w = world();
    // A newline would print a fake line; ESC [8m would hide what follows on a terminal.
    w.fx.trust.issuers[0].name = "Test City\n  VALID\u{1b}[8m".into();
    let qr = w.present(&[AttrId::FamilyName], Purpose::Custom, None);
    let png = w.png("a\nVALID\u{1b}[8m.png", &qr);
    let not_an_image = w.file("b\r\u{1b}[2K.png", b"hello");
    let mut h = w.app();
    queue(&mut h, &png);
    assert_eq!(reason_of(&h), None);
    h.get_by_label("Issuer: Test City\\u{000A}  VALID\\u{001B}[8m");
    h.get_by_label("a\\u{000A}VALID\\u{001B}[8m.png");
    dismiss(&mut h);
    queue(&mut h, &not_an_image);
    assert!(h.state().failure().is_some());
    // The failure box and the history both show the escaped name.
    assert_eq!(
        h.query_all_by_label("b\\u{000D}\\u{001B}[2K.png").count(),
        2
    );
    h.get_by_label_contains("a\\u{000A}VALID\\u{001B}[8m.png");
    // The trust list's issuer name on the scan screen too.
    h.get_by_label_contains("Test City\\u{000A}  VALID\\u{001B}[8m");
    for node in h.query_all_by_label_contains("VALID") {
        let label = node.accesskit_node().label().unwrap_or_default();
        assert!(
            !label.contains('\n') && !label.contains('\u{1b}'),
            "{label:?}"
        );
    }
}

#[test]
fn a_name_with_a_newline_and_esc_never_reaches_the_screen_raw() {
    let mut w = world();
    // A dishonest issuer's credential: a Latin name that would print a fake line, then hide
    // what follows on a terminal.
    let mut a = w.fx.cred.attributes();
    a.set(
        AttrId::FamilyNameLatin,
        AttrValue::Text("LIN\n  age_over_18: yes\u{1b}[8m".into()),
    );
    let claims = w.fx.cred.claims().clone();
    w.fx.cred = tessera_core::testing::issue_unchecked(
        &w.fx.issuer,
        &IssueParams {
            holder: w.fx.holder.verifying_key(),
            not_before: claims.not_before,
            expires: claims.expires,
            status: claims.status,
            attributes: a,
        },
        &mut w.fx.rng,
    )
    .unwrap();
    let qr = w.present(&[AttrId::FamilyNameLatin], Purpose::Custom, None);
    let png = w.png("name.png", &qr);
    let mut h = w.app();
    queue(&mut h, &png);
    // The format refuses it (malformed), and nothing on screen holds a raw newline or ESC.
    assert_eq!(reason_of(&h), Some(Reason::Malformed));
    h.get_by_label("NOT VALID");
    assert!(h.query_by_label_contains("age_over_18").is_none());
    for node in h.query_all_by_label_contains("") {
        let label = node.accesskit_node().label().unwrap_or_default();
        assert!(
            !label.contains('\n') && !label.contains('\u{1b}'),
            "{label:?}"
        );
    }
}

/// A camera named at start (as `tessera-scan` does with the first device present) starts
/// from the scan screen; one that cannot be opened shows why there, and the app goes on
/// scanning images.
#[cfg(all(feature = "camera", target_os = "linux"))]
#[test]
fn a_camera_that_fails_to_start_shows_why_and_the_app_goes_on() {
    let mut w = world();
    let device = w.dir.path().join("no-such-video");
    let config = ScanConfig {
        clock: Arc::new(|| NOW + 5),
        camera: Some(device),
        ..ScanConfig::new(TrustSource::new(w.fx.trust.clone(), Vec::new(), "test"))
    };
    let mut h = Harness::builder()
        .with_size([1100.0, 900.0])
        .build_eframe(move |cc| ScanApp::new(&cc.egui_ctx, config));
    let start = Instant::now();
    while h.query_by_label_contains("no-such-video:").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the camera's failure was never shown"
        );
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    // Still scanning images.
    let png = w.qr("code.png", &[AttrId::AgeOver18], Purpose::Custom, None);
    open(&mut h, &png);
    assert_eq!(reason_of(&h), None);
    h.get_by_label("VALID");
}
