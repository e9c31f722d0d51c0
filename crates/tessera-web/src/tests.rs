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
