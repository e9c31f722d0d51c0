//! The app: state and actions ([`ScanApp::logic`]), and the screens (`*_ui`, drawing only).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Color32, Key, RichText, TextEdit, TextureHandle, TextureOptions, Ui};
use tessera_core::text::printable;
use tessera_core::{AttrId, AttrValue, Purpose, Reason, UnixTime};
use tessera_qr::DecodeError;
use tessera_verifier::Verdict;

use crate::i18n::{self, Lang, T};
use crate::trust::{TrustSource, parse_counter_code};
use crate::worker::{Decoded, Job};

/// The time source: seconds since the Unix epoch. Tests pass a fixed clock.
pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

/// How many scans the history keeps.
pub const HISTORY_LEN: usize = 50;

/// How long the result flash lasts, in seconds.
const FLASH_SECS: f64 = 0.6;

const GREEN: Color32 = Color32::from_rgb(0x13, 0x73, 0x33);
const RED: Color32 = Color32::from_rgb(0xB0, 0x1C, 0x1C);
const AMBER: Color32 = Color32::from_rgb(0xB4, 0x5A, 0x00);
const DEMO: Color32 = Color32::from_rgb(0x8A, 0x2B, 0xE2);

/// What the app starts with.
pub struct ScanConfig {
    /// The trust data to verify against.
    pub trust: TrustSource,
    /// Images to scan at start, in order.
    pub images: Vec<PathBuf>,
    /// The first language.
    pub lang: Lang,
    /// The clock verdicts are judged at.
    pub clock: Clock,
    /// A camera device to start as soon as the scan screen opens (with the `camera` feature;
    /// ignored without it). [`default_camera`] finds the first one present.
    pub camera: Option<PathBuf>,
}

impl ScanConfig {
    /// A configuration with no images, English, and the system clock.
    pub fn new(trust: TrustSource) -> ScanConfig {
        ScanConfig {
            trust,
            images: Vec::new(),
            lang: Lang::En,
            clock: system_clock(),
            camera: None,
        }
    }
}

/// The first video capture device present (`/dev/video0` … `/dev/video9`, character devices
/// only), for [`ScanConfig::camera`]; `None` when there is none or the app was built without
/// the `camera` feature.
pub fn default_camera() -> Option<PathBuf> {
    if !cfg!(all(feature = "camera", target_os = "linux")) {
        return None;
    }
    (0..10)
        .map(|n| PathBuf::from(format!("/dev/video{n}")))
        .find(|path| is_char_device(path))
}

#[cfg(unix)]
fn is_char_device(path: &std::path::Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[cfg(not(unix))]
fn is_char_device(_: &std::path::Path) -> bool {
    false
}

/// Something the user asked for; queued by the screens and applied by [`ScanApp::logic`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Scan the image at this path.
    Scan(PathBuf),
    /// Leave the verdict screen.
    Dismiss,
    /// Switch the language.
    SetLang(Lang),
    /// Forget the history.
    ClearHistory,
    /// Start the camera at this device path (feature `camera`).
    StartCamera(PathBuf),
    /// Stop the camera.
    StopCamera,
}

/// A verdict on screen.
pub struct Shown {
    /// The verdict.
    pub verdict: Verdict,
    /// The image it came from.
    pub source: String,
    /// How many codes the image held (the one shown is the most telling: valid, else about a
    /// Tessera code, else the first).
    pub codes: usize,
    portrait: Option<TextureHandle>,
    portrait_error: Option<String>,
}

/// Why an image gave no verdict.
#[derive(Debug)]
pub enum Failure {
    /// No QR text came out of it.
    Decode(DecodeError),
    /// The decoder failed.
    Crashed(String),
    /// Not verified: the counter code field held text that is not a counter code.
    CounterCodeInvalid,
}

/// An image that gave no verdict, shown on the scan screen.
#[derive(Debug)]
pub struct ImageFailure {
    /// The image.
    pub source: String,
    /// Why.
    pub failure: Failure,
}

/// The outcome of one scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A valid presentation.
    Valid,
    /// An invalid one, and why.
    Invalid(Reason),
    /// No QR code could be read from the image.
    NoCode,
}

/// One line of the history. It keeps no personal data: only the outcome, the purpose and
/// where the image came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// When it was scanned.
    pub at: UnixTime,
    /// The image's file name.
    pub source: String,
    /// What came of it.
    pub outcome: Outcome,
    /// The purpose the holder signed, when known.
    pub purpose: Option<Purpose>,
}

/// The scan app.
pub struct ScanApp {
    trust: TrustSource,
    lang: Lang,
    clock: Clock,
    /// The image path field.
    pub path_input: String,
    /// The counter code field, as typed.
    pub counter_input: String,
    queue: VecDeque<PathBuf>,
    job: Option<Job>,
    shown: Option<Shown>,
    failure: Option<ImageFailure>,
    history: VecDeque<HistoryEntry>,
    actions: Vec<Action>,
    flash: Option<(f64, Color32)>,
    focus_next: bool,
    #[cfg(all(feature = "camera", target_os = "linux"))]
    cam: CameraState,
}

/// The live camera (feature `camera`).
#[cfg(all(feature = "camera", target_os = "linux"))]
struct CameraState {
    device: String,
    running: Option<crate::camera::Camera>,
    status: String,
    preview: Option<TextureHandle>,
    /// The last text verified from the camera: a code held in front of the camera is checked
    /// once, not again on every frame (which would say "already used").
    last_text: Option<String>,
}

impl ScanApp {
    /// The app, with the bundled fonts installed in `ctx`.
    pub fn new(ctx: &egui::Context, config: ScanConfig) -> ScanApp {
        crate::install_fonts(ctx);
        crate::larger_text(ctx);
        // A camera that cannot start reports why on the scan screen; the app goes on.
        let actions: Vec<Action> = config
            .camera
            .iter()
            .cloned()
            .map(Action::StartCamera)
            .collect();
        ScanApp {
            trust: config.trust,
            lang: config.lang,
            clock: config.clock,
            path_input: String::new(),
            counter_input: String::new(),
            queue: config.images.into(),
            job: None,
            shown: None,
            failure: None,
            history: VecDeque::new(),
            actions,
            flash: None,
            focus_next: false,
            #[cfg(all(feature = "camera", target_os = "linux"))]
            cam: CameraState {
                device: config
                    .camera
                    .as_ref()
                    .map_or_else(|| "/dev/video0".into(), |p| p.display().to_string()),
                running: None,
                status: String::new(),
                preview: None,
                last_text: None,
            },
        }
    }

    /// The language in use.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Whether an image is being decoded or waits to be.
    pub fn is_busy(&self) -> bool {
        self.job.is_some() || !self.queue.is_empty()
    }

    /// Whether scanning is paused because the counter code field holds text that is not a
    /// counter code. Images given meanwhile are refused, not verified: verifying with no code
    /// would accept unbound codes while the operator believes a code is in force, and keeping
    /// them for later would verify them under whatever the field holds mid-edit.
    pub fn is_paused(&self) -> bool {
        parse_counter_code(&self.counter_input).is_err()
    }

    /// The verdict on screen, if any.
    pub fn shown(&self) -> Option<&Shown> {
        self.shown.as_ref()
    }

    /// The last image that gave no verdict, while the scan screen shows it.
    pub fn failure(&self) -> Option<&ImageFailure> {
        self.failure.as_ref()
    }

    /// The history, newest first.
    pub fn history(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.history.iter()
    }

    /// Queues an action (as a click would).
    pub fn push_action(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// Applies queued actions, takes dropped files, collects finished decodes and starts the
    /// next one. Draws nothing.
    pub fn logic(&mut self, ctx: &egui::Context) {
        for action in std::mem::take(&mut self.actions) {
            match action {
                Action::Scan(path) => self.queue.push_back(path),
                Action::Dismiss => {
                    self.shown = None;
                    self.flash = None;
                }
                Action::SetLang(lang) => self.lang = lang,
                Action::ClearHistory => self.history.clear(),
                #[cfg(all(feature = "camera", target_os = "linux"))]
                Action::StartCamera(device) => {
                    self.cam.running = Some(crate::camera::Camera::start(device, ctx));
                    self.cam.status.clear();
                    self.cam.last_text = None;
                }
                #[cfg(all(feature = "camera", target_os = "linux"))]
                Action::StopCamera => {
                    self.cam.running = None;
                    self.cam.preview = None;
                }
                #[cfg(not(all(feature = "camera", target_os = "linux")))]
                Action::StartCamera(_) | Action::StopCamera => {}
            }
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        self.queue.extend(dropped);

        if let Some(outcome) = self.job.as_ref().and_then(Job::poll)
            && let Some(job) = self.job.take()
        {
            self.finish(ctx, &job.path, outcome);
        }
        if self.is_paused() {
            for path in std::mem::take(&mut self.queue) {
                self.refuse_paused(ctx, source_name(&path));
            }
        }
        if self.job.is_none()
            && let Some(path) = self.queue.pop_front()
        {
            self.job = Some(Job::spawn(path, ctx));
        }
        #[cfg(all(feature = "camera", target_os = "linux"))]
        self.camera_logic(ctx);
        if let Some((start, _)) = self.flash {
            if ctx.input(|i| i.time) - start < FLASH_SECS {
                ctx.request_repaint();
            } else {
                self.flash = None;
            }
        }
    }

    fn finish(&mut self, ctx: &egui::Context, path: &Path, outcome: Decoded) {
        let now = (self.clock)();
        let source = source_name(path);
        let texts = match outcome {
            Decoded::Texts(t) => t,
            Decoded::Failed(e) => return self.fail(ctx, source, Failure::Decode(e), now),
            Decoded::Crashed(m) => return self.fail(ctx, source, Failure::Crashed(m), now),
        };
        self.verify_texts(ctx, source, &texts, now);
    }

    fn verify_texts(
        &mut self,
        ctx: &egui::Context,
        source: String,
        texts: &[String],
        now: UnixTime,
    ) {
        let Ok(verifier) = self.trust.verifier(Some(&self.counter_input)) else {
            // The code became invalid while the image was decoded.
            return self.refuse_paused(ctx, source);
        };
        let verdicts: Vec<Verdict> = texts.iter().map(|t| verifier.check_text(t, now)).collect();
        for v in &verdicts {
            self.remember(HistoryEntry {
                at: now,
                source: source.clone(),
                outcome: v.reason().map_or(Outcome::Valid, Outcome::Invalid),
                purpose: v.purpose(),
            });
        }
        let codes = verdicts.len();
        // Show the most telling verdict of the image: a valid one, else one about a Tessera
        // code (not some other QR code next to it), else the first.
        let rank = |v: &Verdict| match v.reason() {
            None => 0,
            Some(Reason::Malformed) => 2,
            Some(_) => 1,
        };
        let Some(verdict) = verdicts.into_iter().min_by_key(rank) else {
            return;
        };
        let (portrait, portrait_error) = match portrait_bytes(&verdict) {
            None => (None, None),
            Some(bytes) => match decode_portrait(bytes) {
                Ok(img) => (
                    Some(ctx.load_texture("portrait", img, TextureOptions::LINEAR)),
                    None,
                ),
                Err(e) => (None, Some(e)),
            },
        };
        let color = if verdict.is_valid() { GREEN } else { RED };
        self.start_flash(ctx, color);
        self.failure = None;
        self.focus_next = true;
        self.shown = Some(Shown {
            verdict,
            source,
            codes,
            portrait,
            portrait_error,
        });
    }

    #[cfg(all(feature = "camera", target_os = "linux"))]
    fn camera_logic(&mut self, ctx: &egui::Context) {
        use crate::camera::CamEvent;
        let events = match &self.cam.running {
            Some(cam) => cam.poll(),
            None => return,
        };
        for event in events {
            match event {
                CamEvent::Started(format) => self.cam.status = format,
                CamEvent::Preview(luma) => {
                    let size = [luma.width() as usize, luma.height() as usize];
                    let img = egui::ColorImage::from_gray(size, luma.as_raw());
                    match &mut self.cam.preview {
                        Some(tex) => tex.set(img, TextureOptions::LINEAR),
                        None => {
                            self.cam.preview =
                                Some(ctx.load_texture("camera", img, TextureOptions::LINEAR));
                        }
                    }
                }
                CamEvent::Texts(texts) => {
                    let fresh = self.shown.is_none()
                        && !self.is_paused()
                        && self.cam.last_text.as_ref() != texts.first();
                    if fresh {
                        self.cam.last_text = texts.first().cloned();
                        let now = (self.clock)();
                        let source = format!("camera {}", self.cam.device.trim());
                        self.verify_texts(ctx, source, &texts, now);
                    }
                }
                CamEvent::Stopped(why) => {
                    self.cam.status = why;
                    self.cam.running = None;
                    self.cam.preview = None;
                    return;
                }
            }
        }
    }

    #[cfg(all(feature = "camera", target_os = "linux"))]
    fn camera_ui(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.add_space(16.0);
        ui.separator();
        let label = ui.label(RichText::new(T::Camera.get(lang)).strong());
        ui.horizontal(|ui| {
            ui.add(TextEdit::singleline(&mut self.cam.device).desired_width(200.0))
                .labelled_by(label.id);
            if self.cam.running.is_some() {
                if ui.button(T::StopCamera.get(lang)).clicked() {
                    self.actions.push(Action::StopCamera);
                }
            } else if ui.button(T::StartCamera.get(lang)).clicked() {
                let device = PathBuf::from(self.cam.device.trim());
                self.actions.push(Action::StartCamera(device));
            }
        });
        if !self.cam.status.is_empty() {
            ui.weak(printable(&self.cam.status));
        }
        if let Some(tex) = &self.cam.preview {
            ui.add(
                egui::Image::from_texture(egui::load::SizedTexture::from_handle(tex))
                    .max_width(480.0)
                    .alt_text(T::CameraPreview.get(lang)),
            );
        }
    }

    fn fail(&mut self, ctx: &egui::Context, source: String, failure: Failure, now: UnixTime) {
        self.remember(HistoryEntry {
            at: now,
            source: source.clone(),
            outcome: Outcome::NoCode,
            purpose: None,
        });
        self.shown = None;
        self.failure = Some(ImageFailure { source, failure });
        self.start_flash(ctx, AMBER);
    }

    /// An image given while the counter code is invalid: not verified, and said so.
    fn refuse_paused(&mut self, ctx: &egui::Context, source: String) {
        self.shown = None;
        self.failure = Some(ImageFailure {
            source,
            failure: Failure::CounterCodeInvalid,
        });
        self.start_flash(ctx, AMBER);
    }

    fn start_flash(&mut self, ctx: &egui::Context, color: Color32) {
        self.flash = Some((ctx.input(|i| i.time), color));
        ctx.request_repaint();
    }

    fn remember(&mut self, entry: HistoryEntry) {
        self.history.push_front(entry);
        self.history.truncate(HISTORY_LEN);
    }

    /// Draws the app: the verdict full-screen when there is one, else the scan screen.
    pub fn ui(&mut self, ui: &mut Ui) {
        let before = self.actions.len();
        if self.shown.is_some() {
            self.verdict_ui(ui);
        } else {
            self.scan_screen_ui(ui);
        }
        self.flash_ui(ui);
        self.drop_overlay_ui(ui);
        if self.actions.len() != before {
            ui.ctx().request_repaint();
        }
    }

    fn verdict_ui(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let demo = self.trust.is_demo();
        let Some(shown) = &self.shown else {
            return;
        };
        let v = &shown.verdict;
        let fill = if v.is_valid() { GREEN } else { RED };
        let mut dismiss = ui.input(|i| i.key_pressed(Key::Escape));
        egui::Panel::bottom("verdict-actions")
            .frame(egui::Frame::new().fill(fill).inner_margin(16))
            .show(ui, |ui| {
                let next = ui.add(
                    egui::Button::new(
                        RichText::new(T::ScanNext.get(lang))
                            .size(26.0)
                            .color(Color32::WHITE),
                    )
                    .fill(Color32::from_black_alpha(110))
                    .stroke(egui::Stroke::new(2.0, Color32::WHITE))
                    .min_size(egui::vec2(240.0, 52.0)),
                );
                if self.focus_next {
                    next.request_focus();
                }
                dismiss |= next.clicked();
            });
        let frame = egui::Frame::new().fill(fill).inner_margin(24);
        egui::CentralPanel::default().frame(frame).show(ui, |ui| {
            ui.visuals_mut().override_text_color = Some(Color32::WHITE);
            egui::ScrollArea::vertical().show(ui, |ui| {
                if demo {
                    demo_badge_ui(ui, lang);
                }
                let banner = if v.is_valid() { T::Valid } else { T::Invalid };
                ui.label(RichText::new(banner.get(lang)).size(72.0).strong());
                if let Some(r) = v.reason() {
                    ui.label(RichText::new(i18n::reason(r, lang)).size(30.0).strong());
                }
                if let Some(p) = v.purpose() {
                    ui.label(
                        RichText::new(format!(
                            "{}: {}",
                            T::Purpose.get(lang),
                            i18n::purpose(p, lang)
                        ))
                        .size(22.0),
                    );
                }
                if let Some(issuer) = v.issuer() {
                    ui.label(
                        RichText::new(format!(
                            "{}: {}",
                            T::Issuer.get(lang),
                            tessera_ui::drawable(ui.ctx(), &printable(issuer))
                        ))
                        .size(18.0),
                    );
                }
                ui.add_space(12.0);
                if v.is_valid() {
                    disclosed_ui(ui, lang, shown);
                }
                ui.add_space(12.0);
                let age = |a: Option<u64>| {
                    a.map_or_else(
                        || T::NotChecked.get(lang).to_string(),
                        |a| i18n::age(a, lang),
                    )
                };
                ui.label(format!("{}: {}", T::TrustAge.get(lang), age(v.trust_age())));
                ui.label(format!(
                    "{}: {}",
                    T::StatusAge.get(lang),
                    age(v.status_age())
                ));
                for w in v.warnings() {
                    ui.label(format!("{}: {}", T::Warnings.get(lang), printable(w)));
                }
                if !v.detail().is_empty() {
                    ui.label(format!(
                        "{}: {}",
                        T::Detail.get(lang),
                        printable(v.detail())
                    ));
                }
                if shown.codes > 1 {
                    ui.label(format!("{} {}", shown.codes, T::MoreCodes.get(lang)));
                }
                ui.label(printable(&shown.source));
            });
        });
        self.focus_next = false;
        if dismiss {
            self.actions.push(Action::Dismiss);
        }
    }

    fn scan_screen_ui(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        egui::Panel::top("header").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.heading(T::AppTitle.get(lang));
                if self.trust.is_demo() {
                    demo_badge_ui(ui, lang);
                }
                ui.separator();
                // Each button is named by its language, in that language.
                ui.label(T::Language.get(lang));
                for l in Lang::ALL {
                    let r = ui.selectable_label(self.lang == l, l.native_name());
                    if r.clicked() && self.lang != l {
                        self.actions.push(Action::SetLang(l));
                    }
                }
            });
        });
        egui::Panel::right("history")
            .default_size(280.0)
            .show(ui, |ui| self.history_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.scan_controls_ui(ui));
        });
    }

    fn scan_controls_ui(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let label = ui.label(RichText::new(T::ImageFile.get(lang)).strong());
        let field = ui
            .add(
                TextEdit::singleline(&mut self.path_input)
                    .hint_text(T::ImageFileHint.get(lang))
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let paused = self.is_paused();
        let clicked = ui
            .add_enabled(
                !paused,
                egui::Button::new(RichText::new(T::ScanImage.get(lang)).size(18.0)),
            )
            .clicked();
        if paused {
            ui.colored_label(RED, RichText::new(T::ScanPaused.get(lang)).strong());
        }
        let path = self.path_input.trim();
        if (entered || clicked) && !path.is_empty() {
            self.actions.push(Action::Scan(PathBuf::from(path)));
        }
        ui.label(T::DropHint.get(lang));

        if let Some(job) = &self.job {
            ui.horizontal(|ui| {
                ui.spinner();
                let path = job.path.display().to_string();
                ui.label(format!("{} {}", T::Reading.get(lang), printable(&path)));
            });
        }
        if !self.queue.is_empty() {
            ui.label(format!("{} {}", self.queue.len(), T::Queued.get(lang)));
        }
        if let Some(f) = &self.failure {
            failure_ui(ui, lang, f);
        }
        #[cfg(all(feature = "camera", target_os = "linux"))]
        self.camera_ui(ui);

        ui.add_space(16.0);
        ui.separator();
        let label = ui.label(RichText::new(T::CounterCode.get(lang)).strong());
        ui.add(
            TextEdit::singleline(&mut self.counter_input)
                .char_limit(32)
                .desired_width(200.0),
        )
        .labelled_by(label.id);
        ui.weak(T::CounterExplain.get(lang));
        match parse_counter_code(&self.counter_input) {
            Ok(None) => {
                ui.label(T::CounterNone.get(lang));
            }
            Ok(Some(code)) => {
                ui.label(RichText::new(format!("{} {code}", T::CounterActive.get(lang))).strong());
            }
            Err(_) => {
                ui.colored_label(RED, T::CounterInvalid.get(lang));
            }
        }

        ui.add_space(16.0);
        ui.separator();
        let list = self.trust.trust_list();
        ui.label(RichText::new(T::TrustList.get(lang)).strong());
        let issuers: Vec<_> = list.issuers.iter().map(|i| printable(&i.name)).collect();
        let age = i18n::age((self.clock)().saturating_sub(list.issued_at), lang);
        ui.label(format!(
            "{} · #{} · {}: {age} · {}",
            printable(self.trust.origin()),
            list.sequence,
            T::TrustAge.get(lang),
            issuers.join(", ")
        ));
        if self.trust.is_demo() {
            ui.label(RichText::new(T::DemoExplain.get(lang)).color(DEMO));
        }
        if !self.trust.problems().is_empty() {
            ui.label(RichText::new(T::TrustProblems.get(lang)).strong());
            for p in self.trust.problems() {
                ui.weak(printable(p));
            }
        }
    }

    fn history_ui(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.heading(T::History.get(lang));
        ui.weak(T::HistoryNote.get(lang));
        if self.history.is_empty() {
            ui.label(T::HistoryEmpty.get(lang));
            return;
        }
        if ui.button(T::ClearHistory.get(lang)).clicked() {
            self.actions.push(Action::ClearHistory);
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for h in &self.history {
                let (color, what) = match h.outcome {
                    Outcome::NoCode => (AMBER, T::NoCodeRead.get(lang).to_string()),
                    Outcome::Valid => (GREEN, T::Valid.get(lang).to_string()),
                    Outcome::Invalid(r) => (
                        RED,
                        format!("{}: {}", T::Invalid.get(lang), i18n::reason(r, lang)),
                    ),
                };
                let purpose = h
                    .purpose
                    .map(|p| format!(" · {}", i18n::purpose(p, lang)))
                    .unwrap_or_default();
                ui.colored_label(color, format!("{} {what}", tessera_ui::clock_time(h.at)));
                ui.weak(format!("{}{purpose}", printable(&h.source)));
                ui.add_space(4.0);
            }
        });
    }

    fn flash_ui(&self, ui: &mut Ui) {
        let Some((start, color)) = self.flash else {
            return;
        };
        let t = ((ui.input(|i| i.time) - start) / FLASH_SECS).clamp(0.0, 1.0) as f32;
        let alpha = (1.0 - t) * 0.7;
        let flash = if color == GREEN || color == RED {
            Color32::WHITE
        } else {
            color
        };
        ui.ctx()
            .layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("tessera-scan-flash"),
            ))
            .rect_filled(ui.ctx().content_rect(), 0.0, flash.gamma_multiply(alpha));
    }

    fn drop_overlay_ui(&self, ui: &mut Ui) {
        if ui.input(|i| i.raw.hovered_files.is_empty()) {
            return;
        }
        let rect = ui.ctx().content_rect();
        let painter = ui.ctx().layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("tessera-scan-drop"),
        ));
        painter.rect_filled(rect, 0.0, Color32::from_black_alpha(180));
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            T::DropNow.get(self.lang),
            egui::FontId::proportional(32.0),
            Color32::WHITE,
        );
    }
}

impl eframe::App for ScanApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        ScanApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        ScanApp::ui(self, ui);
    }
}

fn demo_badge_ui(ui: &mut Ui, lang: Lang) {
    egui::Frame::new()
        .fill(DEMO)
        .corner_radius(4)
        .inner_margin(egui::Margin::symmetric(8, 2))
        .show(ui, |ui| {
            ui.label(
                RichText::new(T::DemoBadge.get(lang))
                    .color(Color32::WHITE)
                    .strong(),
            )
            .on_hover_text(T::DemoExplain.get(lang));
        });
}

fn disclosed_ui(ui: &mut Ui, lang: Lang, shown: &Shown) {
    let v = &shown.verdict;
    ui.label(RichText::new(T::Disclosed.get(lang)).size(20.0).strong());
    ui.horizontal_top(|ui| {
        if let Some(tex) = &shown.portrait {
            let size = tex.size_vec2();
            let scale = (320.0 / size.y.max(1.0)).min(4.0);
            ui.add(
                egui::Image::from_texture(egui::load::SizedTexture::from_handle(tex))
                    .fit_to_exact_size(size * scale)
                    .alt_text(T::Portrait.get(lang)),
            );
        }
        egui::Grid::new("disclosed")
            .num_columns(2)
            .spacing([24.0, 8.0])
            .show(ui, |ui| {
                for (id, value) in v.disclosed() {
                    if *id == AttrId::Portrait {
                        continue;
                    }
                    ui.label(RichText::new(i18n::attr_name(*id, lang)).size(20.0));
                    let value = i18n::attr_value(*id, value, lang);
                    let value = printable(&value);
                    let value = tessera_ui::drawable(ui.ctx(), &value);
                    ui.label(RichText::new(value).size(26.0).strong());
                    ui.end_row();
                }
            });
    });
    if let Some(e) = &shown.portrait_error {
        ui.label(format!("{}: {}", T::Portrait.get(lang), printable(e)));
    }
    ui.label(T::NothingElse.get(lang));
}

fn failure_ui(ui: &mut Ui, lang: Lang, f: &ImageFailure) {
    egui::Frame::new()
        .stroke(egui::Stroke::new(2.0, AMBER))
        .inner_margin(12)
        .corner_radius(4)
        .show(ui, |ui| {
            ui.label(
                RichText::new(T::ImageError.get(lang))
                    .size(22.0)
                    .strong()
                    .color(AMBER),
            );
            let (plain, detail) = match &f.failure {
                Failure::Decode(e) => (i18n::decode_error(e, lang), e.to_string()),
                Failure::Crashed(m) => (T::DecoderFailed.get(lang), m.clone()),
                Failure::CounterCodeInvalid => (T::NotScannedPaused.get(lang), String::new()),
            };
            ui.label(RichText::new(plain).size(18.0));
            if !detail.is_empty() {
                ui.weak(format!("{}: {}", T::Detail.get(lang), printable(&detail)));
            }
            ui.weak(printable(&f.source));
        });
}

fn portrait_bytes(v: &Verdict) -> Option<&[u8]> {
    v.disclosed()
        .iter()
        .find_map(|(id, value)| match (id, value) {
            (AttrId::Portrait, AttrValue::Bytes(b)) => Some(b.as_slice()),
            _ => None,
        })
}

/// How tall the portrait is shown, in points: a 48x64 QR portrait five times over.
const PORTRAIT_PX: u32 = 320;

/// Decodes the portrait (a WebP QR portrait of at most 96x128, or a legacy JPEG of at most
/// 16 KiB: the format's rules, already checked by verification) with tight limits, and blows
/// a small one up smoothly (Catmull-Rom) to about [`PORTRAIT_PX`] tall, so the clerk sees a
/// face rather than blocks; the texture's linear filter does the rest.
fn decode_portrait(bytes: &[u8]) -> Result<egui::ColorImage, String> {
    use tessera_core::portrait::{self, Format};
    let format = match portrait::check(bytes)?.format {
        Format::WebP => image::ImageFormat::WebP,
        Format::Jpeg => image::ImageFormat::Jpeg,
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(2048);
    limits.max_image_height = Some(2048);
    limits.max_alloc = Some(32 * 1024 * 1024);
    reader.limits(limits);
    let mut img = reader.decode().map_err(|e| e.to_string())?.to_rgba8();
    if img.height() > 0 && img.height() < PORTRAIT_PX {
        let scale = PORTRAIT_PX.div_ceil(img.height()).min(8);
        img = image::imageops::resize(
            &img,
            img.width() * scale,
            img.height() * scale,
            image::imageops::FilterType::CatmullRom,
        );
    }
    let size = [img.width() as usize, img.height() as usize];
    Ok(egui::ColorImage::from_rgba_unmultiplied(size, img.as_raw()))
}

/// The name an image is shown by: its file name.
fn source_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_portrait_is_an_error_not_a_panic() {
        assert!(decode_portrait(&[0xFF, 0xD8, 0xFF, 0x00]).is_err());
        assert!(decode_portrait(&[]).is_err());
        // A well-formed WebP header over damaged data.
        let mut webp = b"RIFF\x16\0\0\0WEBPVP8 \x0a\0\0\0".to_vec();
        webp.extend_from_slice(&[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 48, 0, 64, 0]);
        assert!(decode_portrait(&webp).is_err());
    }

    #[test]
    fn the_qr_portrait_is_shown_large() {
        let webp = include_bytes!("../../../assets/demo/portrait.webp");
        let img = decode_portrait(webp).unwrap();
        // 48x64 shown five times over, smoothly: 240x320.
        assert_eq!(img.size, [240, 320]);
        let distinct: std::collections::HashSet<_> = img.pixels.iter().collect();
        assert!(
            distinct.len() > 64 * 48,
            "upscaled by interpolation, not by copying pixels"
        );
    }
}
