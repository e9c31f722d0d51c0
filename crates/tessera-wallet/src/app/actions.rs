//! What the UI asks for ([`Action`]) and how the app does it: imports, trust lists, tabs,
//! confirmations, preferences, and the background jobs (PIN change, backup, restore) they
//! start and finish.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use egui::Id;
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, Preset};
use tessera_core::text::printable;
use tessera_store::{Secret, StoreError};
use zeroize::Zeroizing;

use super::i18n::Lang;
use super::jobs::{self, Done, Job};
use super::prefs::ThemeChoice;
use super::presenting::{Choice, PresentState};
use super::state::{Confirm, Message, Phase, Replacing, SECRET_FIELDS, Session, Tab, refresh};
use super::ui_enrol::EnrolAction;
use super::{DEFAULT_AUTO_LOCK, WalletApp, unix_now};
use crate::wallet::{ImportOutcome, Imported, IssuerCheck, Wallet, WalletError};

/// The setting key of the auto-lock time in the encrypted store.
pub(super) const AUTO_LOCK_KEY: &str = "auto-lock-secs";
/// Largest file imported: a credential file or a batch file ([`crate::wallet::MAX_IMPORT_LEN`]).
pub(super) const MAX_IMPORT_FILE: u64 = crate::wallet::MAX_IMPORT_LEN as u64;

/// Something the UI asks for; [`WalletApp`] does it in `logic`.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Welcome → create a PIN.
    StartCreate,
    /// Welcome → restore a backup.
    StartRestore,
    /// Back to the welcome screen.
    ToWelcome,
    /// PIN ↔ passphrase on the create screen.
    ToggleSecretKind,
    /// Create the wallet with the typed PIN.
    SubmitCreate,
    /// Unlock with the typed PIN.
    SubmitUnlock,
    /// Lock now.
    Lock,
    /// Add the demo ID.
    AddDemo,
    /// Import the credential file at the typed path.
    ImportTyped,
    /// Import a file (dropped on the window).
    ImportFile(PathBuf),
    /// Import bytes (dropped on the window, web style).
    ImportBytes(Vec<u8>),
    /// Show or hide the import panel.
    ToggleImport,
    /// The "Add an ID" screen: open, close, save the request, import the answer.
    Enrol(EnrolAction),
    /// Load the trust list and root key files typed in the settings.
    LoadTrust,
    /// Change tab.
    Tab(Tab),
    /// Open the presentation screen for a card.
    OpenPresent(usize),
    /// Leave the presentation screen.
    ClosePresent,
    /// Choose what to show: a preset or items one by one.
    Choose(Choice),
    /// Toggle one item of a custom choice.
    ToggleItem(AttrId),
    /// Type a counter code (the script; tests type into the field).
    CounterCode(String),
    /// Make the QR code.
    ShowQr,
    /// Renew the QR code now.
    RenewQr,
    /// Put the QR code away (back to the choice).
    HideQr,
    /// Ask before doing something.
    Ask(ConfirmKind),
    /// The answer was no.
    CancelConfirm,
    /// The answer was yes.
    Confirmed,
    /// Change the language.
    Lang(Lang),
    /// Change the theme.
    Theme(ThemeChoice),
    /// Change the text size.
    TextSize(f32),
    /// Change the auto-lock time.
    AutoLock(u64),
    /// Change the PIN to the typed one.
    ChangePin,
    /// Write a backup.
    Backup,
    /// Restore a backup (first run or from settings, after confirmation).
    Restore,
    /// Hide the message strip.
    DismissMessage,
}

/// What [`Action::Ask`] asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmKind {
    /// Clear the history.
    ClearHistory,
    /// Delete the wallet.
    DeleteWallet,
    /// Replace the wallet with a backup.
    Restore,
}

impl WalletApp {
    /// Shows an error. Messages can quote file names and file contents: characters unsafe
    /// on screen are escaped.
    pub(super) fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: printable(&text.into()).into_owned(),
            error: true,
        });
    }

    /// Shows a notice (escaped like [`WalletApp::error`]).
    pub(super) fn notice(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: printable(&text.into()).into_owned(),
            error: false,
        });
    }

    /// A wallet error in the citizen's words where we have them.
    pub(super) fn describe(&self, e: &WalletError) -> String {
        match e {
            WalletError::Store(s) => self.describe_store(s),
            other => format!("{} {other}", self.t().error_prefix),
        }
    }

    pub(super) fn describe_store(&self, e: &StoreError) -> String {
        let t = self.t();
        match e {
            StoreError::WrongSecret {
                failed_attempts, ..
            } => format!("{} {} {failed_attempts}", t.wrong_pin, t.failed_before),
            other => format!("{} {other}", t.error_prefix),
        }
    }

    /// Removes egui's copies of typed secrets (TextEdit undo state) and wipes the fields.
    pub(super) fn forget_secret_widgets(&mut self, ctx: &egui::Context) {
        ctx.data_mut(|d| {
            for name in SECRET_FIELDS.iter().chain(["restore-pin2"].iter()) {
                d.remove::<egui::text_edit::TextEditState>(Id::unique(*name));
            }
        });
        let f = &mut self.forms;
        for s in [
            &mut f.pin1,
            &mut f.pin2,
            &mut f.unlock,
            &mut f.new1,
            &mut f.new2,
            &mut f.backup_pass1,
            &mut f.backup_pass2,
            &mut f.restore_pass,
            &mut f.restore_pin1,
            &mut f.restore_pin2,
        ] {
            *s = Zeroizing::new(String::new());
        }
    }

    pub(super) fn start(&mut self, ctx: &egui::Context, job: Job, label: &'static str) {
        self.job = Some(jobs::spawn(job, ctx));
        self.job_label = label;
    }

    /// Two typed entries → a secret, or the message why not.
    pub(super) fn secret_from(
        &self,
        a: &str,
        b: &str,
        passphrase_only: bool,
    ) -> Result<Secret, String> {
        let t = self.t();
        if a != b {
            return Err(t.mismatch.into());
        }
        let r = if passphrase_only {
            Secret::passphrase(a)
        } else {
            Secret::parse(a)
        };
        r.map_err(|e| format!("{} {e}", t.error_prefix))
    }

    pub(super) fn open_session(&mut self, wallet: Wallet) {
        let auto_lock = wallet
            .setting(AUTO_LOCK_KEY)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_AUTO_LOCK);
        let mut s = Session {
            wallet: Some(Box::new(wallet)),
            tab: Tab::Cards,
            cards: Vec::new(),
            present: None,
            history: Vec::new(),
            auto_lock,
            confirm: None,
            device_key_file: None,
            enrol: None,
            show_import: false,
            replacing: None,
        };
        if let Err(e) = refresh(&mut s) {
            let text = self.describe(&e);
            self.error(text);
        }
        self.phase = Phase::Open(Box::new(s));
        self.failed_attempts = 0;
    }

    /// Locks: drops the wallet (its data key is wiped), the QR code, the cards and every typed
    /// secret.
    pub fn lock(&mut self, ctx: &egui::Context) {
        if let Phase::Open(session) = &mut self.phase
            && session.wallet.is_none()
        {
            // A PIN change or backup holds the wallet: lock when it comes back.
            return;
        }
        self.phase = if Wallet::exists(&self.cfg.data_dir) {
            Phase::Locked
        } else {
            Phase::Welcome
        };
        self.forms.counter_code.clear();
        self.forget_secret_widgets(ctx);
        self.failed_attempts = Wallet::failed_attempts(&self.cfg.data_dir).unwrap_or(0);
        self.next_wait = Wallet::next_wait(&self.cfg.data_dir).unwrap_or_default();
    }

    pub(super) fn apply(&mut self, ctx: &egui::Context, action: Action) {
        let t = self.t();
        match action {
            Action::StartCreate => {
                self.message = None;
                self.phase = Phase::CreatePin;
            }
            Action::StartRestore => {
                self.message = None;
                self.phase = Phase::RestoreFirst;
            }
            Action::ToWelcome => {
                self.message = None;
                self.forget_secret_widgets(ctx);
                self.phase = Phase::Welcome;
            }
            Action::ToggleSecretKind => {
                self.forms.use_passphrase = !self.forms.use_passphrase;
                self.forget_secret_widgets(ctx);
            }
            Action::SubmitCreate => {
                let secret = if self.forms.use_passphrase {
                    self.secret_from(&self.forms.pin1, &self.forms.pin2, true)
                } else {
                    let (a, b) = (&self.forms.pin1, &self.forms.pin2);
                    if a != b {
                        Err(t.mismatch.to_owned())
                    } else {
                        Secret::pin(a).map_err(|e| format!("{} {e}", t.error_prefix))
                    }
                };
                match secret {
                    Ok(secret) => {
                        self.message = None;
                        self.forget_secret_widgets(ctx);
                        let job = Job::Create {
                            dir: self.cfg.data_dir.clone(),
                            secret,
                            params: self.cfg.kdf,
                        };
                        self.start(ctx, job, t.creating);
                    }
                    Err(m) => self.error(m),
                }
            }
            Action::SubmitUnlock => match Secret::parse(&self.forms.unlock) {
                Ok(secret) => {
                    self.message = None;
                    self.forget_secret_widgets(ctx);
                    let job = Job::Unlock {
                        dir: self.cfg.data_dir.clone(),
                        secret,
                        sleeper: self.cfg.sleeper.clone(),
                    };
                    self.start(ctx, job, t.unlocking);
                }
                Err(_) => {
                    self.forget_secret_widgets(ctx);
                    self.error(t.wrong_pin);
                }
            },
            Action::Lock => self.lock(ctx),
            Action::AddDemo => {
                let Some(s) = self.session() else { return };
                let Some(w) = &s.wallet else { return };
                let r = w
                    .add_demo(unix_now(), &mut UnwrapErr(getrandom::SysRng))
                    .and_then(|_| refresh(s));
                match r {
                    Ok(()) => {
                        s.show_import = false;
                        self.notice(t.demo_added);
                    }
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Action::ImportTyped => {
                let path = PathBuf::from(self.forms.import_path.trim());
                self.apply(ctx, Action::ImportFile(path));
            }
            Action::ImportFile(path) => match read_limited(&path, MAX_IMPORT_FILE) {
                Ok(bytes) => self.apply(ctx, Action::ImportBytes(bytes)),
                Err(e) => self.error(format!("{} {}: {e}", t.error_prefix, path.display())),
            },
            Action::ImportBytes(bytes) => {
                let Some(s) = self.session() else { return };
                let Some(w) = &s.wallet else { return };
                let r = w
                    .ensure_device_key(&mut UnwrapErr(getrandom::SysRng))
                    .and_then(|_| w.import_answering(&bytes))
                    .and_then(|i| refresh(s).map(|()| i));
                match r {
                    Ok(imported) => {
                        s.show_import = false;
                        self.forms.import_path.clear();
                        self.imported_notice(&imported);
                    }
                    Err(WalletError::WouldReplace { id, changes }) => {
                        // Never replaced silently: show what changes and ask.
                        s.replacing = Some(Replacing { bytes, id, changes });
                        s.confirm = Some(Confirm::ReplaceCredential);
                    }
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Action::LoadTrust => {
                let list = PathBuf::from(self.forms.trust_path.trim());
                let root = PathBuf::from(self.forms.trust_root_path.trim());
                let r = load_trust_files(&list, &root).and_then(|(signed, key)| {
                    let Some(s) = self.session() else {
                        return Ok(());
                    };
                    let Some(w) = &mut s.wallet else {
                        return Ok(());
                    };
                    w.load_trust(&signed, &key).map_err(|e| e.to_string())?;
                    refresh(s).map_err(|e| e.to_string())
                });
                match r {
                    Ok(()) => self.notice(t.trust_loaded),
                    Err(e) => self.error(format!("{} {e}", t.error_prefix)),
                }
            }
            Action::ToggleImport => {
                let dir = self.cfg.data_dir.clone();
                let Some(s) = self.session() else { return };
                s.show_import = !s.show_import;
                if s.show_import && s.device_key_file.is_none() {
                    s.device_key_file = s.wallet.as_ref().and_then(|w| export_key(w, &dir));
                }
            }
            Action::Enrol(a) => self.apply_enrol(ctx, a),
            Action::Tab(tab) => {
                self.message = None;
                let Some(s) = self.session() else { return };
                s.tab = tab;
                s.present = None;
                s.enrol = None;
                s.confirm = None;
                if tab == Tab::History
                    && let Some(w) = &s.wallet
                {
                    s.history = w.history().unwrap_or_default();
                }
            }
            Action::OpenPresent(card) => {
                self.message = None;
                self.forms.counter_code.clear();
                let Some(s) = self.session() else { return };
                if card < s.cards.len() {
                    s.present = Some(PresentState {
                        card,
                        choice: Choice::Preset(Preset::Age18),
                        custom: BTreeSet::new(),
                        showing: None,
                    });
                }
            }
            Action::ClosePresent => {
                self.message = None;
                if let Some(s) = self.session() {
                    s.present = None;
                }
            }
            Action::Choose(c) => {
                if let Some(ps) = self.session().and_then(|s| s.present.as_mut()) {
                    ps.choice = c;
                }
            }
            Action::ToggleItem(a) => {
                if let Some(s) = self.session()
                    && let Some(ps) = s.present.as_mut()
                    && !ps.custom.remove(&a)
                {
                    // The screen offers a portrait only when it fits a QR code.
                    let allowed = a != AttrId::Portrait
                        || s.cards.get(ps.card).is_some_and(|c| c.portrait_pickable());
                    if allowed {
                        ps.custom.insert(a);
                    }
                }
            }
            Action::CounterCode(code) => self.forms.counter_code = code,
            Action::ShowQr => self.make_qr(true),
            Action::RenewQr => self.make_qr(false),
            Action::HideQr => {
                if let Some(ps) = self.session().and_then(|s| s.present.as_mut()) {
                    ps.showing = None;
                }
            }
            Action::Ask(kind) => {
                if let Some(s) = self.session() {
                    s.confirm = Some(match kind {
                        ConfirmKind::ClearHistory => Confirm::ClearHistory,
                        ConfirmKind::DeleteWallet => Confirm::DeleteWallet,
                        ConfirmKind::Restore => Confirm::Restore,
                    });
                }
            }
            Action::CancelConfirm => {
                if let Some(s) = self.session() {
                    s.confirm = None;
                    s.replacing = None;
                }
            }
            Action::Confirmed => self.confirmed(ctx),
            Action::Lang(lang) => {
                self.prefs.lang = lang;
                self.prefs.save(&self.cfg.data_dir);
            }
            Action::Theme(theme) => {
                self.prefs.theme = theme;
                ctx.set_theme(theme.to_egui());
                self.prefs.save(&self.cfg.data_dir);
            }
            Action::TextSize(z) => {
                self.prefs.text_size = z;
                ctx.set_zoom_factor(z);
                self.prefs.save(&self.cfg.data_dir);
            }
            Action::AutoLock(secs) => {
                let Some(s) = self.session() else { return };
                s.auto_lock = secs;
                if let Some(w) = &s.wallet
                    && let Err(e) = w.set_setting(AUTO_LOCK_KEY, &secs.to_string())
                {
                    let m = self.describe(&e);
                    self.error(m);
                }
            }
            Action::ChangePin => {
                let secret = self.secret_from(&self.forms.new1, &self.forms.new2, false);
                match secret {
                    Ok(secret) => {
                        self.forget_secret_widgets(ctx);
                        let params = self.cfg.kdf;
                        let Some(w) = self.session().and_then(|s| s.wallet.take()) else {
                            return;
                        };
                        let job = Job::ChangeSecret {
                            wallet: w,
                            secret,
                            params,
                        };
                        self.start(ctx, job, t.working);
                    }
                    Err(m) => self.error(m),
                }
            }
            Action::Backup => {
                let pass =
                    self.secret_from(&self.forms.backup_pass1, &self.forms.backup_pass2, true);
                let out = PathBuf::from(self.forms.backup_path.trim());
                match pass {
                    Ok(_) if out.as_os_str().is_empty() => self.error(t.backup_path),
                    Ok(passphrase) => {
                        self.forget_secret_widgets(ctx);
                        let params = self.cfg.kdf;
                        let Some(w) = self.session().and_then(|s| s.wallet.take()) else {
                            return;
                        };
                        let job = Job::Backup {
                            wallet: w,
                            out,
                            passphrase,
                            params,
                        };
                        self.start(ctx, job, t.working);
                    }
                    Err(m) => self.error(m),
                }
            }
            Action::Restore => {
                let pin =
                    self.secret_from(&self.forms.restore_pin1, &self.forms.restore_pin2, false);
                let pass = Secret::parse(&self.forms.restore_pass)
                    .map_err(|e| format!("{} {e}", t.error_prefix));
                let backup = PathBuf::from(self.forms.restore_path.trim());
                match (pin, pass) {
                    (Ok(secret), Ok(passphrase)) => {
                        self.forget_secret_widgets(ctx);
                        // Close the wallet first: the restore may replace its files.
                        self.phase = Phase::RestoreFirst;
                        let job = Job::Restore {
                            backup,
                            passphrase,
                            dir: self.cfg.data_dir.clone(),
                            secret,
                            params: self.cfg.kdf,
                        };
                        self.start(ctx, job, t.working);
                    }
                    (Err(m), _) | (_, Err(m)) => self.error(m),
                }
            }
            Action::DismissMessage => self.message = None,
        }
    }

    pub(super) fn confirmed(&mut self, ctx: &egui::Context) {
        let t = self.t();
        let Some(s) = self.session() else { return };
        let Some(which) = s.confirm.take() else {
            return;
        };
        match which {
            Confirm::ClearHistory => {
                if let Some(w) = &s.wallet {
                    let r = w.clear_history();
                    s.history.clear();
                    if let Err(e) = r {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Confirm::DeleteWallet => {
                // Close the store (wiping its key) before deleting its files.
                self.phase = Phase::Welcome;
                self.forget_secret_widgets(ctx);
                match Wallet::destroy(&self.cfg.data_dir) {
                    Ok(()) => self.notice(t.deleted),
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Confirm::Restore => self.apply(ctx, Action::Restore),
            Confirm::ReplaceCredential => {
                let Some(pending) = s.replacing.take() else {
                    return;
                };
                let Some(w) = &s.wallet else { return };
                match w
                    .import_replacing(&pending.bytes)
                    .and_then(|i| refresh(s).map(|()| i))
                {
                    Ok(imported) => {
                        if let Some(s) = self.session() {
                            s.show_import = false;
                        }
                        self.forms.import_path.clear();
                        self.imported_notice(&imported);
                    }
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
        }
    }

    /// Says what an import did, and warns when the issuer could not be checked.
    pub(super) fn imported_notice(&mut self, imported: &Imported) {
        let t = self.t();
        let done = match imported.outcome {
            ImportOutcome::Added | ImportOutcome::Replaced => t.imported,
            ImportOutcome::Unchanged => t.already_imported,
        };
        match imported.issuer {
            IssuerCheck::Verified { .. } => self.notice(done),
            _ => self.error(format!("{done} {}", t.issuer_not_checked)),
        }
    }

    pub(super) fn finish_job(&mut self, ctx: &egui::Context, done: Done) {
        let t = self.t();
        self.job = None;
        match done {
            Done::Opened { result, created } => match result {
                Ok(wallet) => {
                    self.message = None;
                    self.open_session(wallet);
                    if created {
                        self.forms.use_passphrase = false;
                    }
                }
                Err(e) => {
                    let m = self.describe(&e);
                    self.error(m);
                    if let WalletError::Store(StoreError::WrongSecret { next_wait, .. }) = &e {
                        self.next_wait = next_wait.unwrap_or_default();
                    }
                    if !created {
                        self.failed_attempts =
                            Wallet::failed_attempts(&self.cfg.data_dir).unwrap_or(0);
                        ctx.memory_mut(|m| m.request_focus(Id::unique("unlock")));
                    }
                }
            },
            Done::SecretChanged(w, r) => {
                if let Some(s) = self.session() {
                    s.wallet = Some(w);
                }
                match r {
                    Ok(()) => self.notice(t.pin_changed),
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Done::BackedUp(w, r) => {
                if let Some(s) = self.session() {
                    s.wallet = Some(w);
                }
                match r {
                    Ok(path) => {
                        self.notice(format!("{} {}", t.backup_written, path.display()));
                        self.forms.backup_path.clear();
                    }
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Done::Restored(r) => match r {
                Ok(()) => {
                    self.forms.restore_path.clear();
                    self.phase = Phase::Locked;
                    self.failed_attempts = 0;
                    self.notice(t.restored);
                }
                Err(e) => {
                    let m = self.describe(&e);
                    self.error(m);
                    self.phase = if Wallet::exists(&self.cfg.data_dir) {
                        Phase::Locked
                    } else {
                        Phase::RestoreFirst
                    };
                }
            },
        }
    }
}

/// Reads a trust list file and its root key file (size-limited), for [`Action::LoadTrust`].
pub(super) fn load_trust_files(
    list: &Path,
    root: &Path,
) -> Result<(Vec<u8>, ed25519_dalek::VerifyingKey), String> {
    let read = |p: &Path, limit: u64| -> Result<Vec<u8>, String> {
        read_limited(p, limit).map_err(|e| format!("{}: {e}", p.display()))
    };
    let signed = read(list, 1 << 20)?;
    let text = String::from_utf8(read(root, 4096)?)
        .map_err(|_| format!("{}: not a key file", root.display()))?;
    let key = tessera_core::keys::public_key_from_text(&text)
        .map_err(|e| format!("{}: {e}", root.display()))?;
    Ok((signed, key))
}

/// Writes the device public key beside the store, for the issuer; returns its path.
pub(super) fn export_key(w: &Wallet, dir: &Path) -> Option<PathBuf> {
    let text = w.device_key_file(&mut UnwrapErr(getrandom::SysRng)).ok()?;
    let path = dir.join("holder.pub");
    // A new file renamed into place: a link planted at that name is replaced, not followed.
    tessera_fs::write_atomic(&path, text.as_bytes(), Some(0o644)).ok()?;
    Some(path)
}

/// Reads a file from outside of at most `limit` bytes (tessera-fs's one bounded reader: a
/// regular file only, never more than `limit` + 1 bytes read).
pub(super) fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use tessera_fs::ReadLimitedError as E;
    tessera_fs::read_limited(path, limit).map_err(|e| match e {
        E::Io(e) => e,
        E::NotAFile => std::io::Error::other("not a regular file"),
        E::TooLarge { len } => {
            std::io::Error::other(format!("{len} bytes; at most {limit} are accepted"))
        }
    })
}
