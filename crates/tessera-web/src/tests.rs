//! Host tests of the browser verifier: the same verdicts as tessera-verifier, updates by the
//! rules of `tessera-verify update`, replay memory across a reload, and camera frames.

use super::*;
use ed25519_dalek::SigningKey;
use tessera_core::testing::{DAY, DeterministicRng, Fixture, TEST_NOW};
use tessera_core::{AttrValue, Purpose, Status, text};

const NOW: UnixTime = TEST_NOW;

struct World {
    fx: Fixture,
    root: SigningKey,
    trust: Vec<u8>,
}

impl World {
    fn new() -> World {
        let fx = Fixture::new(7);
        let root = SigningKey::generate(&mut DeterministicRng::new(99));
        let trust = fx.trust.sign(&root);
        World { fx, root, trust }
    }

    fn root_pub(&self) -> String {
        tessera_core::keys::public_key_to_text(&self.root.verifying_key(), "test root")
    }

    fn web(&self) -> WebVerifier {
        WebVerifier::new(&self.root_pub(), &self.trust, b"").unwrap()
    }

    /// Status list 1 of the fixture's issuer, issued at `at`, index 42 set to `status`.
    fn status(&self, at: UnixTime, status: Status) -> Vec<u8> {
        let mut l = StatusList::new("test.tessera", 1, 2, 100, at, 7 * DAY);
        l.set(42, status).unwrap();
        l.sign(&self.fx.issuer)
    }

    fn code(&mut self, counter: Option<&str>) -> String {
        text::encode(&self.fx.show(Purpose::Age18, counter, NOW))
    }
}

fn reason(v: &Verdict) -> Option<&'static str> {
    v.reason().map(tessera_core::Reason::code)
}

#[test]
fn valid_then_replayed_and_remembered_across_a_reload() {
    let mut w = World::new();
    let mut web = w.web();
    assert_eq!(
        web.offer_status(&w.status(NOW - 60, Status::Valid))["outcome"],
        "installed"
    );
    let code = w.code(None);
    let v = web
        .check_text(&format!("{}\r\n", code.to_lowercase()), NOW + 1)
        .unwrap();
    assert!(v.is_valid(), "{v:?}");
    let j = verdict_json(Some(&v));
    assert_eq!(j["verdict"], "valid");
    assert_eq!(j["disclosed"]["age_over_18"], true);
    assert_eq!(j["disclosed"].as_object().unwrap().len(), 1);
    assert_eq!(j["shown"]["age_over_18"], AttrValue::Bool(true).to_string());
    assert_eq!(
        reason(&web.check_text(&code, NOW + 2).unwrap()),
        Some("replayed")
    );

    // A reload: a new verifier from the saved replay memory still refuses it.
    let saved = web.replay_bytes();
    let mut again = WebVerifier::new(&w.root_pub(), &w.trust, &saved).unwrap();
    assert_eq!(
        reason(&again.check_text(&code, NOW + 3).unwrap()),
        Some("replayed")
    );
    // Without it, the code would pass: the memory is what refuses it.
    let mut fresh = w.web();
    assert!(fresh.check_text(&code, NOW + 3).unwrap().is_valid());
}

#[test]
fn a_changed_character_is_never_valid() {
    let mut w = World::new();
    let code = w.code(None);
    // Change one character at a time in the payload (skipping "TS1:"), to another base45 one.
    for i in (4..code.len()).step_by(7) {
        let mut web = w.web();
        let mut b = code.clone().into_bytes();
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(b).unwrap();
        let v = web.check_text(&changed, NOW + 1).unwrap();
        assert!(!v.is_valid(), "position {i} gave a valid verdict");
        assert!(v.disclosed().is_empty());
    }
}

#[test]
fn blank_and_overlong_text() {
    let w = World::new();
    let mut web = w.web();
    assert!(web.check_text(" \r\n", NOW).is_none());
    assert_eq!(verdict_json(None)["verdict"], "none");
    let long = "A".repeat(MAX_TEXT + 1);
    let v = web.check_text(&long, NOW).unwrap();
    assert_eq!(reason(&v), Some("malformed"));
    assert!(v.detail().contains("8192"), "{}", v.detail());
}

#[test]
fn counter_code_normalised_and_mismatch_refused() {
    let mut w = World::new();
    let mut web = w.web();
    web.set_counter_code("k-7 q").unwrap();
    let good = w.code(Some("K7Q"));
    assert!(web.check_text(&good, NOW).unwrap().is_valid());
    let other = w.code(Some("X1"));
    assert_eq!(
        reason(&web.check_text(&other, NOW).unwrap()),
        Some("wrong_counter_code")
    );
    // A bad code is refused and the previous one kept; the replay memory survives a change.
    assert!(matches!(
        web.set_counter_code("no!"),
        Err(WebError::CounterCode(_))
    ));
    assert_eq!(
        reason(&web.check_text(&good, NOW).unwrap()),
        Some("replayed")
    );
    // Cleared and set again: two rebuilds, the memory still there.
    web.set_counter_code("").unwrap();
    web.set_counter_code("K7Q").unwrap();
    assert_eq!(
        reason(&web.check_text(&good, NOW).unwrap()),
        Some("replayed")
    );
}

#[test]
fn trust_list_updates_follow_the_update_rule() {
    let w = World::new();
    let mut web = w.web();
    assert_eq!(web.offer_trust(&w.trust)["outcome"], "unchanged");
    // Signed by another key: refused.
    let other = SigningKey::generate(&mut DeterministicRng::new(5));
    let forged = w.fx.trust.sign(&other);
    assert_eq!(web.offer_trust(&forged)["outcome"], "refused");
    // Newer: installed; then the old one is refused as older.
    let mut newer = w.fx.trust.clone();
    newer.sequence = 2;
    let newer = newer.sign(&w.root);
    let o = web.offer_trust(&newer);
    assert_eq!(o["outcome"], "installed", "{o}");
    assert_eq!(o["what"], "trust list 2");
    assert_eq!(web.trust_bytes(), &newer[..]);
    let o = web.offer_trust(&w.trust);
    assert_eq!(o["outcome"], "refused");
    assert!(o["detail"].as_str().unwrap().contains("older"), "{o}");
    // A stored copy that fails against the root key is refused at start.
    assert!(matches!(
        WebVerifier::new(&w.root_pub(), &forged, b""),
        Err(WebError::TrustList(_))
    ));
    assert!(matches!(
        WebVerifier::new("tessera-ed25519-public-key-v1\nzz", &w.trust, b""),
        Err(WebError::RootKey(_))
    ));
}

#[test]
fn newer_status_list_revokes_and_older_is_refused() {
    let mut w = World::new();
    let mut web = w.web();
    assert_eq!(
        web.offer_status(&w.status(NOW - 600, Status::Valid))["outcome"],
        "installed"
    );
    let revoked = w.status(NOW - 60, Status::Revoked);
    let o = web.offer_status(&revoked);
    assert_eq!(o["outcome"], "installed", "{o}");
    assert_eq!(o["what"], "status list test.tessera/1");
    let code = w.code(None);
    assert_eq!(
        reason(&web.check_text(&code, NOW).unwrap()),
        Some("revoked")
    );
    let o = web.offer_status(&w.status(NOW - 600, Status::Valid));
    assert_eq!(o["outcome"], "refused");
    assert_eq!(web.status_bytes().next(), Some(&revoked[..]));
    let code = w.code(None);
    assert_eq!(
        reason(&web.check_text(&code, NOW).unwrap()),
        Some("revoked")
    );
    // Garbage is refused and changes nothing.
    assert_eq!(web.offer_status(b"\x00garbage")["outcome"], "refused");
    let info = web.data_info(NOW);
    assert_eq!(info["trust"]["sequence"], 1);
    assert_eq!(info["status"][0]["age"], 60);
}

#[test]
fn camera_frames_give_one_verdict_per_scan() {
    let mut w = World::new();
    let mut web = w.web();
    let code = w.code(None);
    let img = tessera_qr::encode(&code, &tessera_qr::EncodeOptions::default())
        .unwrap()
        .to_image(4);
    let (iw, ih) = img.dimensions();
    // The code on a white 640x480 frame.
    let (fw, fh) = (640u32, 480u32);
    assert!(iw <= fw && ih <= fh, "{iw}x{ih}");
    let mut luma = vec![255u8; (fw * fh) as usize];
    for y in 0..ih {
        for x in 0..iw {
            luma[(y * fw + x) as usize] = img.get_pixel(x, y).0[0];
        }
    }
    let rgba: Vec<u8> = luma.iter().flat_map(|&l| [l, l, l, 255]).collect();
    let first = (0..20).find_map(|_| web.push_rgba(&rgba, fw, fh, NOW).unwrap());
    let first = first.expect("the code was never read");
    assert!(first.is_valid(), "{first:?}");
    // Still in view: no second verdict.
    for _ in 0..5 {
        assert!(web.push_luma(&luma, fw, fh, NOW).unwrap().is_none());
    }
    // Scanned again: replayed.
    web.restart_scan();
    let again = (0..20).find_map(|_| web.push_luma(&luma, fw, fh, NOW).unwrap());
    assert_eq!(again.as_ref().and_then(reason), Some("replayed"));
    // A frame with no code gives nothing; a mis-sized buffer is an error.
    assert!(
        web.push_luma(&vec![128; 640 * 480], 640, 480, NOW)
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        web.push_rgba(&rgba[1..], fw, fh, NOW),
        Err(WebError::FrameSize { channels: 4, .. })
    ));
    assert!(web.push_luma(&luma[1..], fw, fh, NOW).is_err());
    assert_eq!(
        rgba_to_luma(&[255, 255, 255, 0, 0, 0, 0, 255]),
        vec![255, 0]
    );
}

/// Each cause is printed once in a chain: the message names what was refused, the source
/// says why, and the Display of the outer error does not repeat it.
#[test]
fn error_chains_print_each_cause_once() {
    let w = World::new();
    let mut forged = w.trust.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let mut web = w.web();
    let errors = [
        WebVerifier::new("tessera-ed25519-public-key-v1\nzz", &w.trust, b"").unwrap_err(),
        WebVerifier::new(&w.root_pub(), &forged, b"").unwrap_err(),
        web.push_luma(&[], 0, 0, NOW).unwrap_err(),
    ];
    assert!(matches!(errors[0], WebError::RootKey(_)));
    assert!(matches!(errors[1], WebError::TrustList(_)));
    assert!(matches!(errors[2], WebError::Frame(_)));
    for e in &errors {
        let cause = std::error::Error::source(e)
            .expect("the cause is the source")
            .to_string();
        assert!(!cause.is_empty());
        assert!(
            !e.to_string().contains(&cause),
            "{e} repeats its source {cause:?}"
        );
        let chain = error_chain(e);
        assert_eq!(chain.matches(&cause).count(), 1, "{chain}");
        assert!(chain.starts_with(&e.to_string()), "{chain}");
    }
    assert_eq!(
        error_chain(&errors[2]),
        "camera frame refused: image is empty (0x0 pixels)"
    );
    // An error without a source is its message.
    let e = web.set_counter_code("no!").unwrap_err();
    assert_eq!(error_chain(&e), e.to_string());
}

/// The readers without the verifier: the one-shot decoder and the camera's scanner read the
/// same text from an RGBA frame, nothing from a blank one, and refuse mis-sized buffers.
#[test]
fn frame_readers_without_the_verifier() {
    let text = "TS1:FRAME-READERS";
    let img = tessera_qr::encode(text, &tessera_qr::EncodeOptions::default())
        .unwrap()
        .to_image(5);
    let (iw, ih) = img.dimensions();
    let (fw, fh) = (480u32, 360u32);
    let mut rgba = vec![255u8; (fw * fh * 4) as usize];
    for y in 0..ih {
        for x in 0..iw {
            let l = img.get_pixel(x, y).0[0];
            let i = ((y + 20) * fw + x + 40) as usize * 4;
            rgba[i..i + 3].copy_from_slice(&[l, l, l]);
        }
    }
    assert_eq!(decode_rgba(&rgba, fw, fh).unwrap(), [text]);
    let mut scanner = FrameScanner::new();
    let read = (0..10).find_map(|_| {
        let texts = scanner.push_rgba(&rgba, fw, fh).unwrap();
        (!texts.is_empty()).then_some(texts)
    });
    assert_eq!(read.expect("the scanner never read the code"), [text]);
    let blank = vec![255u8; (fw * fh * 4) as usize];
    assert!(decode_rgba(&blank, fw, fh).unwrap().is_empty());
    assert!(scanner.push_rgba(&blank, fw, fh).unwrap().is_empty());
    assert!(matches!(
        decode_rgba(&rgba[4..], fw, fh),
        Err(WebError::FrameSize { channels: 4, .. })
    ));
    assert!(matches!(
        scanner.push_rgba(&rgba[..7], fw, fh),
        Err(WebError::FrameSize { .. })
    ));
    assert!(matches!(decode_rgba(&[], 0, 0), Err(WebError::Frame(_))));
}

// --- the portrait ---------------------------------------------------------------------------

use image::{DynamicImage, ImageFormat};
use portrait::{PortraitError, portrait_png};
use std::io::Cursor;
use tessera_core::portrait::{self as rules, Format};

const QR_PORTRAIT: &[u8] = include_bytes!("../../../assets/demo/portrait.webp");

/// A simple-format lossy WebP: the demo QR portrait's frame tag, a `w`x`h` key frame header,
/// then `data`, with RIFF and chunk sizes that match.
fn webp(w: u16, h: u16, data: &[u8]) -> Vec<u8> {
    let chunk = 10 + data.len();
    let mut b = b"RIFF".to_vec();
    b.extend_from_slice(&((12 + chunk + (chunk & 1)) as u32).to_le_bytes());
    b.extend_from_slice(b"WEBPVP8 ");
    b.extend_from_slice(&(chunk as u32).to_le_bytes());
    b.extend_from_slice(&QR_PORTRAIT[20..26]);
    b.extend_from_slice(&w.to_le_bytes());
    b.extend_from_slice(&h.to_le_bytes());
    b.extend_from_slice(data);
    b.resize(20 + chunk + (chunk & 1), 0);
    b
}

#[test]
fn the_demo_qr_portrait_becomes_a_png_of_its_pixels() {
    let png = portrait_png(QR_PORTRAIT).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let shown = image::load_from_memory_with_format(&png, ImageFormat::Png).unwrap();
    assert_eq!((shown.width(), shown.height()), (48, 64));
    // The same pixels as the WebP decoder gives: nothing lost on the way to the page.
    let decoded = image::load_from_memory_with_format(QR_PORTRAIT, ImageFormat::WebP)
        .unwrap()
        .to_rgb8();
    assert_eq!(shown.to_rgb8(), decoded);
    // A face, not a flat fill.
    let distinct: std::collections::HashSet<_> = decoded.pixels().collect();
    assert!(distinct.len() > 100, "{} colours", distinct.len());
}

#[test]
fn a_truncated_qr_portrait_is_an_error() {
    // Cut short, with the sizes in its headers made to match (so the header check
    // passes and the decoder meets the end of the data).
    let frame = &QR_PORTRAIT[30..];
    for keep in [0, 1, 10, 40, frame.len() / 2] {
        let cut = webp(48, 64, &frame[..keep]);
        assert!(rules::check(&cut).is_ok());
        let e = portrait_png(&cut).unwrap_err();
        assert!(
            matches!(e, PortraitError::Decode { format: "WebP", .. }),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with(&format!(
                "WebP portrait of {} bytes does not decode",
                cut.len()
            )),
            "{e}"
        );
    }
    // Cut short as it is: the header check refuses it.
    let e = portrait_png(&QR_PORTRAIT[..200]).unwrap_err();
    assert!(matches!(e, PortraitError::Rules(_)), "{e:?}");
    assert!(e.to_string().contains("RIFF size"), "{e}");
}

#[test]
fn a_header_claiming_10000x10000_is_refused_before_decoding() {
    let huge = webp(10_000, 10_000, &QR_PORTRAIT[30..]);
    let e = portrait_png(&huge).unwrap_err();
    assert_eq!(
        e.to_string(),
        "webp portrait is 10000x10000; a QR portrait is at most 96x128"
    );
    // The decoder's limits refuse it too, without the header check.
    let e = portrait::decode(&huge, Format::WebP).unwrap_err();
    let PortraitError::Decode { source, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(matches!(source, image::ImageError::Limits(_)), "{source:?}");
    // Just over the QR portrait's size, which the header check would also refuse.
    let e = portrait::decode(&webp(97, 128, &QR_PORTRAIT[30..]), Format::WebP).unwrap_err();
    assert!(
        matches!(
            &e,
            PortraitError::Decode {
                source: image::ImageError::Limits(_),
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_legacy_jpeg_is_decoded_within_its_limits() {
    let mut jpeg = Vec::new();
    let face = image::RgbImage::from_fn(96, 120, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 2) as u8, 128])
    });
    DynamicImage::ImageRgb8(face)
        .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .unwrap();
    let png = portrait_png(&jpeg).unwrap();
    let shown = image::load_from_memory_with_format(&png, ImageFormat::Png).unwrap();
    assert_eq!((shown.width(), shown.height()), (96, 120));
    // A JPEG header claiming 10000x10000 (a decompression bomb in 16 KiB) is refused by
    // the limits.
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has a SOF0 segment");
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0x27, 0x10, 0x27, 0x10]);
    let e = portrait_png(&jpeg).unwrap_err();
    let PortraitError::Decode { format, source, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*format, "JPEG");
    assert!(matches!(source, image::ImageError::Limits(_)), "{source:?}");
}

#[test]
fn what_is_not_a_portrait_is_refused_by_the_rules() {
    for bytes in [&b""[..], b"GIF89a", b"\x89PNG\r\n\x1a\n"] {
        let e = portrait_png(bytes).unwrap_err();
        assert!(matches!(e, PortraitError::Rules(_)), "{e:?}");
        assert!(e.to_string().contains("not a webp image"), "{e}");
    }
    let e = portrait_png(&[0xFF, 0xD8, 0xFF, 0x00]).unwrap_err();
    assert!(
        matches!(e, PortraitError::Decode { format: "JPEG", .. }),
        "{e:?}"
    );
}

#[test]
fn damaged_qr_portraits_never_panic() {
    // Every byte of the frame data flipped in turn: an error or a PNG of 48x64, never
    // a panic.
    for at in 30..QR_PORTRAIT.len() {
        let mut b = QR_PORTRAIT.to_vec();
        b[at] ^= 0x5a;
        if let Ok(png) = portrait_png(&b) {
            let shown = image::load_from_memory_with_format(&png, ImageFormat::Png).unwrap();
            assert_eq!((shown.width(), shown.height()), (48, 64), "byte {at}");
        }
    }
}

/// A code from a credential whose portrait is `portrait`, disclosing the names and it, judged
/// by the page's verifier.
fn portrait_verdict(portrait: Vec<u8>) -> Value {
    let mut attributes = tessera_core::testing::sample_person(NOW - DAY);
    attributes.set(tessera_core::AttrId::Portrait, AttrValue::Bytes(portrait));
    let mut fx = Fixture::with_attributes(7, attributes);
    let root = SigningKey::generate(&mut DeterministicRng::new(99));
    let trust = fx.trust.sign(&root);
    let root_pub = tessera_core::keys::public_key_to_text(&root.verifying_key(), "test root");
    let mut web = WebVerifier::new(&root_pub, &trust, b"").unwrap();
    use tessera_core::AttrId::{FamilyName, GivenName, Portrait};
    let code = fx.present(
        &[FamilyName, GivenName, Portrait],
        Purpose::CheckIn,
        None,
        NOW,
    );
    verdict_json(web.check_text(&text::encode(&code), NOW + 1).as_ref())
}

#[test]
fn the_verdict_carries_a_png_of_the_portrait_not_its_bytes() {
    let j = portrait_verdict(QR_PORTRAIT.to_vec());
    assert_eq!(j["verdict"], "valid", "{j}");
    assert_eq!(
        j["disclosed"]["portrait"],
        tessera_verifier::base64(QR_PORTRAIT)
    );
    let png = portrait_png(QR_PORTRAIT).unwrap();
    assert_eq!(j["portrait_png"], tessera_verifier::base64(&png));
    assert!(j.get("portrait_error").is_none(), "{j}");
    // A portrait that passes the header check but does not decode: still valid (it was
    // signed), no PNG, and the reason for the page.
    let cut = webp(48, 64, &QR_PORTRAIT[30..60]);
    let j = portrait_verdict(cut.clone());
    assert_eq!(j["verdict"], "valid", "{j}");
    assert!(j.get("portrait_png").is_none(), "{j}");
    let e = j["portrait_error"].as_str().unwrap();
    assert!(
        e.starts_with(&format!(
            "WebP portrait of {} bytes does not decode: ",
            cut.len()
        )),
        "{e}"
    );
    // No portrait disclosed: neither.
    let mut w = World::new();
    let mut web = w.web();
    let j = verdict_json(web.check_text(&w.code(None), NOW).as_ref());
    assert!(
        j.get("portrait_png").is_none() && j.get("portrait_error").is_none(),
        "{j}"
    );
}
