//! The "Add an ID" screen: the wallet's enrolment request (docs/format.md, "Enrolment
//! request") shown as a QR code for the clerk's scanner, offered as a file to save (a typed
//! path, like import and backup), and the import of the credential that answers it.
//!
//! The request holds this wallet's device public key, a random request id, the time and the
//! document type, signed by the device key: no personal data. The wallet shows the same
//! request until a credential answers it or it is 30 days old
//! ([`crate::wallet::REQUEST_REUSE_SECS`]).
//!
//! The same screen shows a card's renewal request when its batch of single-use credentials
//! runs low ([`EnrolAction::OpenRenewal`]): signed by the same device key, so the issuer can
//! serve it without a new identity check, and answered by a batch file imported here.

use std::io::Write;
use std::path::{Path, PathBuf};

use egui::{RichText, Ui};
use rand_core::UnwrapErr;
use tessera_core::text::printable;

use super::i18n::{Lang, Words};
use super::qr::QrView;
use super::ui_onboarding::{entered, message_strip, text_field};
use super::{Action, Message, Phase, Session, WalletApp, date_time, style, unix_now};
use crate::wallet::PendingRequest;

/// What the "Add an ID" screen asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrolAction {
    /// Open the screen (making the request if none is outstanding).
    Open,
    /// Leave the screen.
    Close,
    /// Save the request file at the typed path.
    Save,
    /// Import the credential file at the typed path (the issuer's answer).
    Import,
    /// Open the screen with the renewal request of credential `id` (its batch runs low).
    OpenRenewal(String),
}

/// The screen's state while it is open.
pub(super) struct Enrol {
    pending: PendingRequest,
    qr: QrView,
    save_path: String,
    import_path: String,
    /// The credential id whose renewal request this is (`None`: the enrolment request).
    renewal_of: Option<String>,
}

/// The screen's words.
struct EnrolWords {
    open: &'static str,
    title: &'static str,
    body: &'static str,
    qr_alt: &'static str,
    request: &'static str,
    made: &'static str,
    save_title: &'static str,
    save_path: &'static str,
    save: &'static str,
    saved: &'static str,
    exists: &'static str,
    import_title: &'static str,
    import_path: &'static str,
    import: &'static str,
    answers: &'static str,
    back: &'static str,
    renew_title: &'static str,
    renew_body: &'static str,
    renew_qr_alt: &'static str,
    renew_import_title: &'static str,
}

const EN: EnrolWords = EnrolWords {
    open: "Ask the issuer for your ID",
    title: "Add an ID",
    body: "Show this code to the clerk at the ID office. Scanning it lets them issue your ID \
           to this wallet. It holds no personal data: only this wallet's key and a request \
           number.",
    qr_alt: "Enrolment request QR code",
    request: "Request",
    made: "made",
    save_title: "Or save the request as a file",
    save_path: "Request file path",
    save: "Save the request",
    saved: "The request was saved to",
    exists: "A file already exists at",
    import_title: "When the issuer gives you the credential file",
    import_path: "Issued credential file path",
    import: "Import the credential",
    answers: "It answers request",
    back: "Back",
    renew_title: "Renew your credentials",
    renew_body: "Show this code to the issuer, or send the saved file. It is signed with the key \
                 the issuer already knows, so no new identity check is needed, and it holds no \
                 personal data.",
    renew_qr_alt: "Renewal request QR code",
    renew_import_title: "When the issuer gives you the new credential file",
};

const ZH: EnrolWords = EnrolWords {
    open: "向签发机关申领证件",
    title: "添加证件",
    body: "请向办证窗口的工作人员出示此码。扫码后，他们即可把您的证件签发到本钱包。\
           码中没有个人信息，只有本钱包的密钥和申请编号。",
    qr_alt: "申领请求二维码",
    request: "申请",
    made: "生成于",
    save_title: "或将申请保存为文件",
    save_path: "申请文件路径",
    save: "保存申请",
    saved: "申请已保存到",
    exists: "该位置已有文件：",
    import_title: "收到签发机关给您的证件文件后",
    import_path: "签发的证件文件路径",
    import: "导入证件",
    answers: "它回应的申请：",
    back: "返回",
    renew_title: "续领凭证",
    renew_body: "请向签发机关出示此码，或发送保存的文件。它由签发机关已知的密钥签名，\
                 无需再次核验身份；码中没有个人信息。",
    renew_qr_alt: "续领申请二维码",
    renew_import_title: "收到签发机关给您的新证件文件后",
};

fn words(lang: Lang) -> &'static EnrolWords {
    match lang {
        Lang::Zh => &ZH,
        _ => &EN,
    }
}

/// The language whose word table `t` is (the home screen passes only the table).
fn lang_of(t: &Words) -> Lang {
    t.lang
}

/// The short form of a request id shown to people: its first 8 hex digits, in groups of 4.
fn short_id(hex: &str) -> String {
    format!("{} {}", &hex[..4], &hex[4..8])
}

/// Writes the request file; never replaces an existing file.
fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

impl WalletApp {
    /// The enrolment request on the "Add an ID" screen: its QR text and symbol.
    pub fn shown_request(&self) -> Option<(&str, &tessera_qr::QrSymbol)> {
        match &self.phase {
            Phase::Open(s) => s.enrol.as_ref().map(|e| (e.qr.text(), e.qr.symbol())),
            _ => None,
        }
    }

    pub(super) fn apply_enrol(&mut self, ctx: &egui::Context, action: EnrolAction) {
        let w = words(self.prefs.lang);
        let t = self.t();
        match action {
            EnrolAction::Open | EnrolAction::OpenRenewal(_) => {
                self.message = None;
                let renewal_of = match action {
                    EnrolAction::OpenRenewal(id) => Some(id),
                    _ => None,
                };
                let Some(s) = self.session() else { return };
                let Some(wallet) = &s.wallet else { return };
                let mut rng = UnwrapErr(getrandom::SysRng);
                let made = match &renewal_of {
                    Some(id) => wallet.renewal_request(Some(id), unix_now(), false, &mut rng),
                    None => wallet.enrolment_request(unix_now(), false, &mut rng),
                }
                .map_err(|e| e.to_string())
                .and_then(|p| {
                    let qr = QrView::new(&p.text()).map_err(|e| e.to_string())?;
                    Ok((p, qr))
                });
                match made {
                    Ok((pending, qr)) => {
                        s.present = None;
                        s.show_import = false;
                        s.enrol = Some(Enrol {
                            pending,
                            qr,
                            save_path: String::new(),
                            import_path: String::new(),
                            renewal_of,
                        });
                    }
                    Err(e) => self.error(format!("{} {e}", t.error_prefix)),
                }
            }
            EnrolAction::Close => {
                self.message = None;
                if let Some(s) = self.session() {
                    s.enrol = None;
                }
            }
            EnrolAction::Save => {
                let Some(e) = self.session().and_then(|s| s.enrol.as_mut()) else {
                    return;
                };
                let path = PathBuf::from(e.save_path.trim());
                let shown = printable(&path.display().to_string()).into_owned();
                let result = if path.as_os_str().is_empty() {
                    Err(w.save_path.to_string())
                } else {
                    save(&path, &e.pending.bytes).map_err(|err| {
                        if err.kind() == std::io::ErrorKind::AlreadyExists {
                            format!("{} {shown}", w.exists)
                        } else {
                            format!("{shown}: {err}")
                        }
                    })
                };
                match result {
                    Ok(()) => {
                        e.save_path.clear();
                        self.notice(format!("{} {shown}", w.saved));
                    }
                    Err(m) => self.error(format!("{} {m}", t.error_prefix)),
                }
            }
            EnrolAction::Import => {
                let Some(e) = self.session().and_then(|s| s.enrol.as_ref()) else {
                    return;
                };
                let path = PathBuf::from(e.import_path.trim());
                let asked = e.pending.request.id();
                let renewal_of = e.renewal_of.clone();
                // Whether the request on screen still waits for its answer.
                let outstanding = |app: &mut WalletApp| {
                    let Some(wl) = app.session().and_then(|s| s.wallet.as_ref()) else {
                        return false;
                    };
                    let pending = match &renewal_of {
                        Some(id) => wl.batch_state(id).ok().and_then(|b| b.renewal),
                        None => wl.pending_request().ok().flatten(),
                    };
                    pending.is_some_and(|p| p.request.id() == asked)
                };
                let was = outstanding(self);
                // The import itself is the app's one import path (checks, replacement
                // question, notice); this screen adds which request it answered.
                self.apply(ctx, Action::ImportFile(path));
                if !was || outstanding(self) {
                    return;
                }
                if let Some(s) = self.session() {
                    s.enrol = None;
                }
                let hex = tessera_core::keys::to_hex(&asked);
                if let Some(m) = &mut self.message {
                    m.text = format!("{} {} {}", m.text, w.answers, short_id(&hex));
                }
            }
        }
    }
}

/// The button that opens the screen (on the home screen, beside import and the demo ID).
pub(super) fn add_id_button(ui: &mut Ui, t: &Words, out: &mut Vec<Action>) {
    if style::primary(ui, words(lang_of(t)).open).clicked() {
        out.push(Action::Enrol(EnrolAction::Open));
    }
}

/// The "Add an ID" screen.
pub(super) fn enrol_ui(
    ui: &mut Ui,
    t: &Words,
    s: &mut Session,
    message: Option<&Message>,
    out: &mut Vec<Action>,
) {
    let w = words(lang_of(t));
    let Some(e) = &mut s.enrol else { return };
    if ui.button(format!("‹ {}", w.back)).clicked() {
        out.push(Action::Enrol(EnrolAction::Close));
    }
    let renewal = e.renewal_of.is_some();
    let pick = |enrol, renew| if renewal { renew } else { enrol };
    ui.heading(pick(w.title, w.renew_title));
    message_strip(ui, message, t, out);
    ui.label(pick(w.body, w.renew_body));
    ui.add_space(8.0);
    let width = ui.available_width().min(420.0);
    e.qr.show(ui, width, width, pick(w.qr_alt, w.renew_qr_alt));
    let req = &e.pending.request;
    ui.vertical_centered(|ui| {
        ui.label(
            RichText::new(format!(
                "{} {} · {} {}",
                w.request,
                short_id(&req.id_hex()),
                w.made,
                date_time(req.created())
            ))
            .weak(),
        );
    });
    ui.add_space(12.0);
    style::panel(ui, |ui| {
        ui.label(RichText::new(w.save_title).strong());
        let enter = entered(ui, "enrol-save-path");
        text_field(ui, w.save_path, "enrol-save-path", &mut e.save_path);
        if ui.button(w.save).clicked() || enter {
            out.push(Action::Enrol(EnrolAction::Save));
        }
    });
    ui.add_space(8.0);
    style::panel(ui, |ui| {
        ui.label(RichText::new(pick(w.import_title, w.renew_import_title)).strong());
        let enter = entered(ui, "enrol-import-path");
        text_field(ui, w.import_path, "enrol-import-path", &mut e.import_path);
        if ui.button(w.import).clicked() || enter {
            out.push(Action::Enrol(EnrolAction::Import));
        }
    });
}
