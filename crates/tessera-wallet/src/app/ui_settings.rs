//! Drawing: the settings tab.

use egui::{RichText, Ui};

use super::style;
use super::ui_onboarding::{message_strip, secret_field, text_field};
use super::{AUTO_LOCK_CHOICES, Action, ConfirmKind, Phase, TEXT_SIZES, ThemeChoice, WalletApp};

impl WalletApp {
    pub(super) fn settings_ui(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        ui.heading(t.settings_title);
        message_strip(ui, self.message.as_ref(), t, out);
        style::panel(ui, |ui| {
            self.language_row(ui, out);
            ui.horizontal_wrapped(|ui| {
                ui.label(t.theme);
                for (choice, label) in [
                    (ThemeChoice::System, t.theme_system),
                    (ThemeChoice::Light, t.theme_light),
                    (ThemeChoice::Dark, t.theme_dark),
                ] {
                    if ui
                        .selectable_label(self.prefs.theme == choice, label)
                        .clicked()
                    {
                        out.push(Action::Theme(choice));
                    }
                }
            });
            ui.horizontal_wrapped(|ui| {
                ui.label(t.text_size);
                for z in TEXT_SIZES {
                    let label = format!("{:.0}%", z * 100.0);
                    if ui
                        .selectable_label(self.prefs.text_size == z, label)
                        .clicked()
                    {
                        out.push(Action::TextSize(z));
                    }
                }
            });
            let current = match &self.phase {
                Phase::Open(s) => s.auto_lock,
                _ => 0,
            };
            ui.label(t.auto_lock);
            ui.horizontal_wrapped(|ui| {
                for secs in AUTO_LOCK_CHOICES {
                    let label = if secs < 60 {
                        format!("{secs} {}", t.seconds)
                    } else {
                        format!("{} {}", secs / 60, t.minutes)
                    };
                    if ui.selectable_label(current == secs, label).clicked() {
                        out.push(Action::AutoLock(secs));
                    }
                }
            });
        });

        egui::CollapsingHeader::new(RichText::new(t.change_pin).strong())
            .id_salt("change-pin")
            .show(ui, |ui| {
                secret_field(ui, t.new_pin, "new1", &mut self.forms.new1);
                secret_field(ui, t.new_pin_again, "new2", &mut self.forms.new2);
                if style::primary(ui, t.save).clicked() {
                    out.push(Action::ChangePin);
                }
            });

        egui::CollapsingHeader::new(RichText::new(t.backup).strong())
            .id_salt("backup")
            .show(ui, |ui| {
                ui.label(RichText::new(t.backup_body).weak());
                text_field(
                    ui,
                    t.backup_path,
                    "backup-path",
                    &mut self.forms.backup_path,
                );
                secret_field(
                    ui,
                    t.backup_pass,
                    "backup-pass1",
                    &mut self.forms.backup_pass1,
                );
                secret_field(
                    ui,
                    t.backup_pass_again,
                    "backup-pass2",
                    &mut self.forms.backup_pass2,
                );
                if style::primary(ui, t.write_backup).clicked() {
                    out.push(Action::Backup);
                }
            });

        egui::CollapsingHeader::new(RichText::new(t.trust_title).strong())
            .id_salt("trust")
            .show(ui, |ui| {
                ui.label(RichText::new(t.trust_body).weak());
                text_field(ui, t.trust_path, "trust-path", &mut self.forms.trust_path);
                text_field(
                    ui,
                    t.trust_root_path,
                    "trust-root-path",
                    &mut self.forms.trust_root_path,
                );
                if style::primary(ui, t.load_trust).clicked() {
                    out.push(Action::LoadTrust);
                }
            });

        egui::CollapsingHeader::new(RichText::new(t.restore_title).strong())
            .id_salt("restore")
            .show(ui, |ui| {
                ui.label(RichText::new(t.restore_body).weak());
                self.restore_form(ui, out, true);
            });

        ui.add_space(12.0);
        let delete = egui::Button::new(RichText::new(t.delete_wallet).color(style::BAD))
            .min_size(egui::vec2(ui.available_width(), 44.0));
        if ui.add(delete).clicked() {
            out.push(Action::Ask(ConfirmKind::DeleteWallet));
        }
    }
}
