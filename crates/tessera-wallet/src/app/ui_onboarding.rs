//! Drawing: first run (welcome, create a PIN, restore), unlock, and what every screen shares
//! (the centred column, labelled fields, the busy and confirmation dialogs).

use egui::{Id, Key, Rect, RichText, TextEdit, Ui, UiBuilder, Vec2};
use zeroize::Zeroizing;

use super::i18n::Words;
use super::style;
use super::{Action, Message, Phase, WalletApp};

/// The widest the content column gets when the window is maximised.
pub(super) const COLUMN: f32 = 520.0;

/// Runs `add` in a centred column at most [`COLUMN`] wide.
pub(super) fn column(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    let avail = ui.available_rect_before_wrap();
    let w = avail.width().min(COLUMN);
    let rect = Rect::from_min_size(
        egui::pos2(avail.center().x - w / 2.0, avail.min.y),
        Vec2::new(w, avail.height()),
    );
    ui.scope_builder(UiBuilder::new().max_rect(rect), |ui| {
        ui.set_width(w);
        add(ui);
    });
}

/// A labelled one-line text field; the label is its accessible name.
pub(super) fn text_field(ui: &mut Ui, label: &str, id: &str, value: &mut String) -> egui::Response {
    let l = ui.label(label);
    ui.add(
        TextEdit::singleline(value)
            .id(Id::unique(id))
            .desired_width(f32::INFINITY),
    )
    .labelled_by(l.id)
}

/// A labelled secret field (shown as dots).
pub(super) fn secret_field(
    ui: &mut Ui,
    label: &str,
    id: &str,
    value: &mut Zeroizing<String>,
) -> egui::Response {
    let l = ui.label(label);
    ui.add(
        TextEdit::singleline(&mut **value)
            .id(Id::unique(id))
            .password(true)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(l.id)
}

/// Whether Enter is pressed in this frame while the field `id` has the focus. Call it before
/// adding the field: a one-line field gives the focus up on Enter.
pub(super) fn entered(ui: &Ui, id: &str) -> bool {
    ui.memory(|m| m.has_focus(Id::unique(id))) && ui.input(|i| i.key_pressed(Key::Enter))
}

pub(super) fn message_strip(
    ui: &mut Ui,
    message: Option<&Message>,
    t: &Words,
    out: &mut Vec<Action>,
) {
    if let Some(m) = message {
        style::message(ui, &m.text, m.error);
        if ui.small_button(t.dismiss).clicked() {
            out.push(Action::DismissMessage);
        }
    }
}

fn brand(ui: &mut Ui, t: &Words) {
    ui.add_space(24.0);
    ui.vertical_centered(|ui| {
        let (rect, _) = ui.allocate_exact_size(Vec2::splat(72.0), egui::Sense::hover());
        let p = ui.painter();
        p.rect_filled(rect, 20.0, style::ACCENT);
        // A simple mark: four tiles, one of them open (a tessera is a mosaic tile).
        let tile = 18.0;
        let gap = 6.0;
        let origin = rect.center() - Vec2::splat(tile + gap / 2.0);
        for (i, (x, y)) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
            .iter()
            .enumerate()
        {
            let r = Rect::from_min_size(
                origin + Vec2::new(x * (tile + gap), y * (tile + gap)),
                Vec2::splat(tile),
            );
            if i == 3 {
                p.rect_stroke(
                    r,
                    4.0,
                    egui::Stroke::new(2.0, egui::Color32::WHITE),
                    egui::StrokeKind::Inside,
                );
            } else {
                p.rect_filled(r, 4.0, egui::Color32::WHITE);
            }
        }
        ui.add_space(8.0);
        ui.heading(RichText::new(t.app_name).strong());
        ui.label(RichText::new(t.tagline).weak());
    });
    ui.add_space(16.0);
}

impl WalletApp {
    /// Draws the whole window.
    pub(super) fn draw(&mut self, ui: &mut Ui) {
        let t = self.t();
        let mut out = Vec::new();
        if matches!(self.phase, Phase::Open(_)) {
            self.draw_open(ui, &mut out);
        } else {
            egui::CentralPanel::default().show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        column(ui, |ui| match self.phase {
                            Phase::Welcome => self.welcome_ui(ui, &mut out),
                            Phase::CreatePin => self.create_ui(ui, &mut out),
                            Phase::RestoreFirst => self.restore_first_ui(ui, &mut out),
                            Phase::Locked => self.unlock_ui(ui, &mut out),
                            Phase::Open(_) => {}
                        });
                    });
            });
        }
        if self.job.is_some() {
            egui::Modal::new(Id::unique("busy")).show(ui.ctx(), |ui| {
                ui.set_min_width(220.0);
                ui.vertical_centered(|ui| {
                    ui.add(egui::Spinner::new().size(36.0));
                    ui.label(self.job_label);
                });
            });
        }
        let _ = t;
        self.actions.extend(out);
    }

    fn welcome_ui(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        brand(ui, t);
        style::panel(ui, |ui| {
            ui.heading(t.welcome_title);
            ui.label(t.welcome_body);
        });
        ui.add_space(12.0);
        message_strip(ui, self.message.as_ref(), t, out);
        if style::primary(ui, t.get_started).clicked() {
            out.push(Action::StartCreate);
        }
        if style::secondary(ui, t.restore_backup).clicked() {
            out.push(Action::StartRestore);
        }
        ui.add_space(12.0);
        self.language_row(ui, out);
    }

    /// The language choice, also offered before the wallet exists.
    pub(super) fn language_row(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        ui.horizontal_wrapped(|ui| {
            ui.label(t.language);
            for lang in super::i18n::Lang::ALL {
                if ui
                    .selectable_label(self.prefs.lang == lang, lang.native_name())
                    .clicked()
                {
                    out.push(Action::Lang(lang));
                }
            }
        });
    }

    fn create_ui(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        ui.add_space(16.0);
        if ui.button(format!("‹ {}", t.back)).clicked() {
            out.push(Action::ToWelcome);
        }
        ui.heading(t.create_pin_title);
        let passphrase = self.forms.use_passphrase;
        ui.label(if passphrase {
            t.create_pass_body
        } else {
            t.create_pin_body
        });
        ui.add_space(8.0);
        let (l1, l2) = if passphrase {
            (t.passphrase, t.passphrase_again)
        } else {
            (t.pin, t.pin_again)
        };
        style::panel(ui, |ui| {
            let r1 = secret_field(ui, l1, "pin1", &mut self.forms.pin1);
            if ui.memory(|m| m.focused().is_none()) && self.job.is_none() {
                r1.request_focus();
            }
            let enter = entered(ui, "pin2");
            secret_field(ui, l2, "pin2", &mut self.forms.pin2);
            if enter {
                out.push(Action::SubmitCreate);
            }
        });
        message_strip(ui, self.message.as_ref(), t, out);
        if style::primary(ui, t.create_wallet).clicked() {
            out.push(Action::SubmitCreate);
        }
        let other = if passphrase {
            t.use_pin
        } else {
            t.use_passphrase
        };
        if style::secondary(ui, other).clicked() {
            out.push(Action::ToggleSecretKind);
        }
    }

    fn restore_first_ui(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        ui.add_space(16.0);
        if ui.button(format!("‹ {}", t.back)).clicked() {
            out.push(Action::ToWelcome);
        }
        ui.heading(t.restore_title);
        ui.label(t.restore_body);
        self.restore_form(ui, out, false);
    }

    /// The restore form (first run and settings).
    pub(super) fn restore_form(&mut self, ui: &mut Ui, out: &mut Vec<Action>, replaces: bool) {
        let t = self.t();
        style::panel(ui, |ui| {
            text_field(
                ui,
                t.backup_path,
                "restore-path",
                &mut self.forms.restore_path,
            );
            secret_field(
                ui,
                t.backup_pass,
                "restore-pass",
                &mut self.forms.restore_pass,
            );
            secret_field(ui, t.new_pin, "restore-pin1", &mut self.forms.restore_pin1);
            secret_field(
                ui,
                t.new_pin_again,
                "restore-pin2",
                &mut self.forms.restore_pin2,
            );
            if replaces {
                ui.label(RichText::new(t.restore_replace).color(style::WARN));
            }
        });
        if !replaces {
            // In the settings the strip is at the top of the page.
            message_strip(ui, self.message.as_ref(), t, out);
        }
        if style::primary(ui, t.restore).clicked() {
            out.push(if replaces {
                Action::Ask(super::ConfirmKind::Restore)
            } else {
                Action::Restore
            });
        }
    }

    fn unlock_ui(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        brand(ui, t);
        style::panel(ui, |ui| {
            ui.heading(t.unlock_title);
            ui.label(t.unlock_body);
            let enter = entered(ui, "unlock");
            let r = secret_field(ui, t.pin, "unlock", &mut self.forms.unlock);
            if ui.memory(|m| m.focused().is_none()) && self.job.is_none() {
                r.request_focus();
            }
            if enter {
                out.push(Action::SubmitUnlock);
            }
            if self.failed_attempts > 0 && self.message.is_none() {
                ui.label(
                    RichText::new(format!("{} {}", t.failed_before, self.failed_attempts))
                        .color(style::WARN),
                );
            }
        });
        message_strip(ui, self.message.as_ref(), t, out);
        if !self.next_wait.is_zero() {
            // The next attempt sleeps this long before the PIN is checked: say so up front.
            ui.label(
                RichText::new(format!("{} {}", t.too_soon, self.next_wait.as_secs()))
                    .color(style::WARN),
            );
        }
        let button =
            egui::Button::new(RichText::new(t.unlock).color(egui::Color32::WHITE).strong())
                .fill(style::ACCENT)
                .min_size(Vec2::new(ui.available_width(), 48.0));
        if ui.add(button).clicked() {
            out.push(Action::SubmitUnlock);
        }
        ui.add_space(12.0);
        self.language_row(ui, out);
    }
}
