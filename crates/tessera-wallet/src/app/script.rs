//! `TESSERA_WALLET_SCRIPT=screenshots`: the app walks its own screens with a fixed test PIN,
//! saves a screenshot of each (eframe's own screenshot of the rendered frame), checks that the
//! QR code in each QR screenshot decodes and verifies, measures itself, and closes.
//! `scripts/screenshots.sh` runs it under Xvfb.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tessera_core::attributes::{AttrId, Preset};
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
    qr: Option<AttrId>,
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
            qr: Some(AttrId::AgeOver18),
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
            qr: Some(AttrId::FamilyName),
        },
        Step {
            name: "11-unlock",
            actions: |_| {
                vec![
                    Action::Lang(Lang::En),
                    Action::Theme(ThemeChoice::Light),
                    Action::Lock,
                ]
            },
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
                if let Some(item) = step.qr {
                    check_qr(step.name, &img, item);
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

/// Decodes the QR code in a screenshot and verifies it against the demo trust list.
fn check_qr(name: &str, img: &egui::ColorImage, item: AttrId) {
    let [w, h] = img.size;
    let luma: Vec<u8> = img
        .pixels
        .iter()
        .map(|c| {
            ((u32::from(c.r()) * 299 + u32::from(c.g()) * 587 + u32::from(c.b()) * 114) / 1000)
                as u8
        })
        .collect();
    let Some(gray) = image::GrayImage::from_raw(w as u32, h as u32, luma) else {
        FAILED.store(true, Ordering::SeqCst);
        return;
    };
    let texts =
        tessera_qr::decode_image(&image::DynamicImage::ImageLuma8(gray)).unwrap_or_default();
    let Some(trust) = crate::demo::trust_list() else {
        FAILED.store(true, Ordering::SeqCst);
        return;
    };
    let mut policy = VerifyPolicy::at(crate::cli::now());
    if name.ends_with("zh") {
        policy.counter_code = Some("K7".into());
    }
    match texts.first().map(|t| verify_text(t, &trust, &policy)) {
        Some(Ok(v)) => {
            println!("qr-text {name}: {}", texts[0]);
            let items: Vec<&str> = v.disclosed.iter().map(|(a, _)| a.name()).collect();
            let ok = v.disclosed.iter().any(|(a, _)| *a == item);
            println!(
                "qr-check {name}: valid, issuer {:?}, disclosed [{}]",
                v.issuer_name,
                items.join(", ")
            );
            if !ok {
                FAILED.store(true, Ordering::SeqCst);
            }
        }
        Some(Err(e)) => {
            println!("qr-check {name}: INVALID: {e}");
            FAILED.store(true, Ordering::SeqCst);
        }
        None => {
            println!("qr-check {name}: no QR code found in the screenshot");
            FAILED.store(true, Ordering::SeqCst);
        }
    }
}
