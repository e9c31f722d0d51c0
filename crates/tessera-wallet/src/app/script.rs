//! `TESSERA_WALLET_SCRIPT=screenshots`: the app walks its own screens with a fixed test PIN,
//! saves a screenshot of each (eframe's own screenshot of the rendered frame), checks that the
//! QR code in each QR screenshot decodes and verifies, measures itself, and closes.
//! `scripts/screenshots.sh` runs it under Xvfb.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tessera_core::attributes::{AttrId, AttrValue, Preset};
use tessera_core::{VerifyPolicy, verify_text};

use super::i18n::Lang;
use super::{Action, Choice, Tab, ThemeChoice, WalletApp};

/// Set when a check of the script failed (the binary then exits with status 1).
pub static FAILED: AtomicBool = AtomicBool::new(false);

/// Environment variable that starts the script (`screenshots`).
pub const SCRIPT_ENV: &str = "TESSERA_WALLET_SCRIPT";
/// Environment variable naming the screenshot directory (default `docs/screenshots`).
pub const OUT_ENV: &str = "TESSERA_WALLET_SCREENSHOT_DIR";
/// The PIN the script types (a test PIN, for a throw-away wallet).
pub const TEST_PIN: &str = "246810";

/// What the script needs.
#[derive(Clone, Debug)]
pub struct Script {
    /// Walk the screens (`screenshots`), or only measure the first frame and close
    /// (`first-frame`).
    pub first_frame_only: bool,
    /// Where the PNG files go.
    pub out_dir: PathBuf,
    /// How long each screen settles before its screenshot.
    pub settle: Duration,
}

impl Script {
    /// The script asked for by the environment, if any.
    pub fn from_env() -> Option<Script> {
        let first_frame_only = match std::env::var(SCRIPT_ENV).ok()?.as_str() {
            "screenshots" => false,
            "first-frame" => true,
            _ => return None,
        };
        Some(Script {
            first_frame_only,
            out_dir: std::env::var_os(OUT_ENV)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("docs/screenshots")),
            settle: Duration::from_millis(900),
        })
    }
}

type Slot = Arc<Mutex<Option<Arc<egui::ColorImage>>>>;

enum Stage {
    /// Do the next step's actions.
    Act,
    /// Wait for the screen to settle.
    Settle(Instant),
    /// Waiting for the screenshot.
    Shot(Slot),
    /// Timing renewals.
    Renewals { left: u32, next: Instant },
    /// Done; the window is closing.
    Closing,
}

/// One screen of the walk: its file name, what to do first, whether to check its QR code.
struct Step {
    name: &'static str,
    actions: fn(&mut WalletApp) -> Vec<Action>,
    qr: Option<QrCheck>,
}

/// What the QR code in a screenshot must be: a presentation of `preset` (exactly its items,
/// the demo citizen's portrait), bound to `counter_code` if there is one (the verification
/// then needs that code, and without one it refuses a bound presentation).
#[derive(Clone, Copy, Debug)]
struct QrCheck {
    preset: Preset,
    counter_code: Option<&'static str>,
}

fn steps() -> Vec<Step> {
    vec![
        Step {
            name: "01-welcome",
            actions: |_| vec![Action::Theme(ThemeChoice::Light)],
            qr: None,
        },
        Step {
            name: "02-create-pin",
            actions: |app| {
                *app.forms.pin1 = TEST_PIN.into();
                *app.forms.pin2 = TEST_PIN.into();
                vec![Action::StartCreate]
            },
            qr: None,
        },
        Step {
            name: "03-add-id",
            actions: |_| vec![Action::SubmitCreate],
            qr: None,
        },
        Step {
            name: "04-cards",
            actions: |_| vec![Action::AddDemo],
            qr: None,
        },
        Step {
            name: "05-present-choose",
            actions: |_| {
                vec![
                    Action::OpenPresent(0),
                    Action::Choose(Choice::Preset(Preset::Age18)),
                ]
            },
            qr: None,
        },
        Step {
            name: "06-present-qr",
            actions: |_| vec![Action::ShowQr],
            qr: Some(QrCheck {
                preset: Preset::Age18,
                counter_code: None,
            }),
        },
        Step {
            name: "07-history",
            actions: |_| vec![Action::Tab(Tab::History)],
            qr: None,
        },
        Step {
            name: "08-settings",
            actions: |_| vec![Action::Tab(Tab::Settings)],
            qr: None,
        },
        Step {
            name: "09-cards-zh",
            actions: |_| {
                vec![
                    Action::Lang(Lang::Zh),
                    Action::Theme(ThemeChoice::Dark),
                    Action::Tab(Tab::Cards),
                ]
            },
            qr: None,
        },
        Step {
            name: "10-present-qr-zh",
            actions: |_| {
                vec![
                    Action::OpenPresent(0),
                    Action::Choose(Choice::Preset(Preset::Delivery)),
                    Action::CounterCode("K7".into()),
                    Action::ShowQr,
                ]
            },
            qr: Some(QrCheck {
                preset: Preset::Delivery,
                counter_code: Some("K7"),
            }),
        },
        Step {
            // The consent card of check-in with photo: the face the clerk will compare, shown
            // before the citizen agrees.
            name: "11-present-checkin-photo",
            actions: |_| {
                vec![
                    Action::Lang(Lang::En),
                    Action::Theme(ThemeChoice::Light),
                    Action::OpenPresent(0),
                    Action::Choose(Choice::Preset(Preset::CheckInPhoto)),
                ]
            },
            qr: None,
        },
        Step {
            name: "12-present-qr-checkin-photo",
            actions: |_| vec![Action::ShowQr],
            qr: Some(QrCheck {
                preset: Preset::CheckInPhoto,
                counter_code: None,
            }),
        },
        Step {
            name: "13-unlock",
            actions: |_| vec![Action::ClosePresent, Action::Lock],
            qr: None,
        },
    ]
}

/// Drives the app through the screens, one step per screenshot.
pub struct Runner {
    script: Script,
    steps: Vec<Step>,
    index: usize,
    stage: Stage,
    renewals: Vec<[Duration; 4]>,
    pending_renewal: Option<[Duration; 3]>,
}

impl Runner {
    /// A runner for `script`.
    pub fn new(script: Script) -> Runner {
        if !script.first_frame_only {
            let _ = std::fs::create_dir_all(&script.out_dir);
        }
        Runner {
            script,
            steps: steps(),
            index: 0,
            stage: Stage::Act,
            renewals: Vec::new(),
            pending_renewal: None,
        }
    }

    /// One frame of the script (called from `logic`).
    pub fn step(&mut self, app: &mut WalletApp, ctx: &egui::Context, frame_cpu: Option<f32>) {
        ctx.request_repaint_after(Duration::from_millis(50));
        if self.script.first_frame_only {
            // This `logic` runs after the first frame was drawn and presented.
            if app.frames >= 1 && !matches!(self.stage, Stage::Closing) {
                println!(
                    "first-frame built {:.1} ms, presented {:.1} ms after process start",
                    app.timings.first_frame.map_or(0.0, ms),
                    ms(app.cfg.started.elapsed())
                );
                self.stage = Stage::Closing;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            return;
        }
        if app.busy() {
            return;
        }
        match std::mem::replace(&mut self.stage, Stage::Act) {
            Stage::Act => {
                let Some(step) = self.steps.get(self.index) else {
                    self.stage = Stage::Renewals {
                        left: 0,
                        next: Instant::now(),
                    };
                    self.finish(app, ctx);
                    return;
                };
                if step.name == "07-history" && self.renewals.is_empty() {
                    // Before leaving the QR screen: time twelve renewals.
                    self.stage = Stage::Renewals {
                        left: 12,
                        next: Instant::now(),
                    };
                    return;
                }
                let actions = (step.actions)(app);
                app.actions.extend(actions);
                self.stage = Stage::Settle(Instant::now() + self.script.settle);
            }
            Stage::Settle(until) => {
                if Instant::now() < until {
                    self.stage = Stage::Settle(until);
                    return;
                }
                let slot: Slot = Arc::default();
                let s2 = slot.clone();
                let ctx2 = ctx.clone();
                ctx.request_screenshot(move |img| {
                    if let Ok(mut g) = s2.lock() {
                        *g = Some(img);
                    }
                    ctx2.request_repaint();
                });
                self.stage = Stage::Shot(slot);
            }
            Stage::Shot(slot) => {
                let img = slot.lock().ok().and_then(|mut g| g.take());
                let Some(img) = img else {
                    self.stage = Stage::Shot(slot);
                    return;
                };
                let step = &self.steps[self.index];
                self.save(step.name, &img);
                if let Some(want) = step.qr {
                    check_qr(step.name, &img, want);
                }
                self.index += 1;
                self.stage = Stage::Act;
            }
            Stage::Renewals { left, next } => {
                if let Some([p, e, t]) = self.pending_renewal.take() {
                    // The frame after the renewal has been drawn: its CPU time includes
                    // the texture upload.
                    let cpu = Duration::from_secs_f32(frame_cpu.unwrap_or(0.0));
                    self.renewals.push([p, e, t, cpu]);
                }
                if Instant::now() < next {
                    self.stage = Stage::Renewals { left, next };
                    return;
                }
                if left == 0 {
                    self.report_renewals();
                    self.stage = Stage::Act;
                    return;
                }
                app.make_qr(false);
                // Present and encode times are known now; the texture is built in this
                // frame's `ui` ([`Runner::after_ui`]) and uploaded when it is painted.
                self.pending_renewal =
                    Some([app.timings.present, app.timings.encode, Duration::ZERO]);
                self.stage = Stage::Renewals {
                    left: left - 1,
                    next: Instant::now() + Duration::from_millis(300),
                };
            }
            Stage::Closing => {
                self.stage = Stage::Closing;
            }
        }
    }

    /// Called from `ui` after drawing: fills in the texture time of a pending renewal.
    pub fn after_ui(&mut self, app_texture_time: Duration) {
        if let Some(r) = &mut self.pending_renewal {
            r[2] = app_texture_time;
        }
    }

    fn report_renewals(&self) {
        if self.renewals.is_empty() {
            return;
        }
        let median = |k: usize| {
            let mut v: Vec<Duration> = self.renewals.iter().map(|r| r[k]).collect();
            v.sort();
            v[v.len() / 2]
        };
        println!(
            "qr-renewal n={} median: present {:.2} ms, encode {:.2} ms, texture {:.2} ms, next frame cpu {:.2} ms",
            self.renewals.len(),
            ms(median(0)),
            ms(median(1)),
            ms(median(2)),
            ms(median(3)),
        );
    }

    fn save(&self, name: &str, img: &egui::ColorImage) {
        let [w, h] = img.size;
        let mut rgb = image::RgbImage::new(w as u32, h as u32);
        for (dst, src) in rgb.pixels_mut().zip(img.pixels.iter()) {
            *dst = image::Rgb([src.r(), src.g(), src.b()]);
        }
        let path = self.script.out_dir.join(format!("{name}.png"));
        match rgb.save_with_format(&path, image::ImageFormat::Png) {
            Ok(()) => println!("screenshot {}", path.display()),
            Err(e) => {
                eprintln!("cannot write {}: {e}", path.display());
                FAILED.store(true, Ordering::SeqCst);
            }
        }
    }

    fn finish(&mut self, app: &WalletApp, ctx: &egui::Context) {
        if let Some(d) = app.timings.first_frame {
            println!("first-frame {:.1} ms after process start", ms(d));
        }
        self.stage = Stage::Closing;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Decodes the QR code in a screenshot and verifies it against the demo trust list, fresh:
/// it must disclose exactly the preset's items, and the portrait must be the demo citizen's.
fn check_qr(name: &str, img: &egui::ColorImage, want: QrCheck) {
    if let Err(e) = read_and_verify(name, img, want) {
        println!("qr-check {name}: {e}");
        FAILED.store(true, Ordering::SeqCst);
    }
}

fn read_and_verify(name: &str, img: &egui::ColorImage, want: QrCheck) -> Result<(), String> {
    let [w, h] = img.size;
    let luma: Vec<u8> = img
        .pixels
        .iter()
        .map(|c| {
            ((u32::from(c.r()) * 299 + u32::from(c.g()) * 587 + u32::from(c.b()) * 114) / 1000)
                as u8
        })
        .collect();
    let gray = image::GrayImage::from_raw(w as u32, h as u32, luma)
        .ok_or_else(|| format!("screenshot of {w}x{h} pixels has the wrong length"))?;
    let texts =
        tessera_qr::decode_image(&image::DynamicImage::ImageLuma8(gray)).unwrap_or_default();
    let text = match texts.as_slice() {
        [one] => one,
        [] => return Err("no QR code found in the screenshot".into()),
        many => {
            return Err(format!(
                "{} QR codes in the screenshot, not one",
                many.len()
            ));
        }
    };
    let trust = crate::demo::trust_list().ok_or("the demo trust list does not load")?;
    let mut policy = VerifyPolicy::at(crate::cli::now());
    policy.counter_code = want.counter_code.map(str::to_owned);
    let v = verify_text(text, &trust, &policy).map_err(|e| format!("INVALID: {e}"))?;
    println!("qr-text {name}: {text}");
    let items: Vec<AttrId> = v.disclosed.iter().map(|(a, _)| *a).collect();
    let names: Vec<&str> = items.iter().map(|a| a.name()).collect();
    println!(
        "qr-check {name}: valid, issuer {:?}, disclosed [{}], {} characters",
        v.issuer_name,
        names.join(", "),
        text.len()
    );
    if items != want.preset.items() {
        return Err(format!(
            "disclosed [{}], the preset {} has other items",
            names.join(", "),
            want.preset
        ));
    }
    for (a, value) in &v.disclosed {
        if *a == AttrId::Portrait && *value != AttrValue::Bytes(crate::demo::PORTRAIT.to_vec()) {
            return Err("the portrait is not the demo citizen's".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use tessera_store::{KdfParams, Secret};

    use super::*;
    use crate::wallet::Wallet;

    /// A screenshot-sized white frame with `text`'s QR code drawn in it at `module_px`.
    fn frame_with_qr(text: &str, module_px: u32) -> egui::ColorImage {
        let symbol = tessera_qr::encode(text, &tessera_qr::EncodeOptions::default()).unwrap();
        let qr = symbol.to_image(module_px);
        let mut frame = egui::ColorImage::new([420, 860], vec![egui::Color32::WHITE; 420 * 860]);
        assert!(qr.width() <= 400, "{} pixels", qr.width());
        for (x, y, p) in qr.enumerate_pixels() {
            frame[(x as usize + 10, y as usize + 120)] = egui::Color32::from_gray(p.0[0]);
        }
        frame
    }

    /// A check-in with photo from the demo ID, as the app makes it.
    fn checkin_photo_text() -> String {
        let dir = tempfile::tempdir().unwrap();
        let pin = Secret::parse(TEST_PIN).unwrap();
        let wallet = Wallet::create(dir.path(), &pin, KdfParams::insecure_for_tests()).unwrap();
        let rng = &mut rand_core::UnwrapErr(getrandom::SysRng);
        let now = crate::cli::now();
        let id = wallet.add_demo(now, rng).unwrap();
        let preset = Preset::CheckInPhoto;
        wallet
            .present(Some(&id), preset.items(), preset.purpose(), None, now, rng)
            .unwrap()
            .text
    }

    #[test]
    fn the_checkin_photo_qr_check_wants_exactly_its_items_and_the_demo_portrait() {
        let frame = frame_with_qr(&checkin_photo_text(), 3);
        let photo = QrCheck {
            preset: Preset::CheckInPhoto,
            counter_code: None,
        };
        assert_eq!(read_and_verify("photo", &frame, photo), Ok(()));

        // The same code under another preset's check, or expected at a counter, fails.
        let age = QrCheck {
            preset: Preset::Age18,
            counter_code: None,
        };
        let e = read_and_verify("photo", &frame, age).unwrap_err();
        assert!(e.contains("the preset age18 has other items"), "{e}");
        let at_counter = QrCheck {
            preset: Preset::CheckInPhoto,
            counter_code: Some("K7"),
        };
        let e = read_and_verify("photo", &frame, at_counter).unwrap_err();
        assert!(e.starts_with("INVALID:"), "{e}");
    }

    #[test]
    fn a_screenshot_without_a_qr_code_fails_the_check() {
        let blank = egui::ColorImage::new([420, 860], vec![egui::Color32::WHITE; 420 * 860]);
        let want = QrCheck {
            preset: Preset::Age18,
            counter_code: None,
        };
        assert_eq!(
            read_and_verify("blank", &blank, want),
            Err("no QR code found in the screenshot".into())
        );
    }

    #[test]
    fn every_step_has_its_own_numbered_name_and_the_walk_keeps_every_screen() {
        let names: Vec<&str> = steps().iter().map(|s| s.name).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(
                name.starts_with(&format!("{:02}-", i + 1)),
                "step {} is named {name}",
                i + 1
            );
        }
        let qr: Vec<(&str, Preset)> = steps()
            .iter()
            .filter_map(|s| s.qr.map(|q| (s.name, q.preset)))
            .collect();
        assert_eq!(
            qr,
            [
                ("06-present-qr", Preset::Age18),
                ("10-present-qr-zh", Preset::Delivery),
                ("12-present-qr-checkin-photo", Preset::CheckInPhoto),
            ]
        );
    }
}
