//! Drawing: the open wallet (top bar, tabs), the ID cards, the presentation screen with its
//! QR code and countdown ring, and the history.

use std::f32::consts::TAU;

use egui::{Color32, CornerRadius, Id, Margin, RichText, Stroke, Ui, Vec2};
use tessera_core::attributes::{AttrId, AttrValue, Purpose};

use super::i18n::Words;
use super::style;
use super::ui_onboarding::{column, message_strip, text_field};
use super::{
    Action, Card, Choice, Confirm, ConfirmKind, EnrolAction, Phase, RENEW_SECS, Session, Tab,
    WalletApp,
};
use crate::wallet::Validity;

/// Items offered one by one on `card`: all of them, the portrait only when it is a QR
/// portrait (a legacy JPEG portrait does not fit a QR code).
fn pickable(card: &Card) -> impl Iterator<Item = AttrId> + '_ {
    AttrId::ALL
        .into_iter()
        .filter(|a| *a != AttrId::Portrait || card.portrait_pickable())
}

/// An attribute value in words: yes/no and the sex codes in the words both apps share, text
/// made printable, an image by the attribute's name.
pub(super) fn value_text(t: &Words, id: AttrId, v: Option<&AttrValue>) -> String {
    let Some(v) = v else {
        return "—".into();
    };
    if let Some(word) = tessera_ui::value_word(id, v, t.lang) {
        return word.into();
    }
    match v {
        AttrValue::Text(s) => tessera_core::text::printable(s).into_owned(),
        AttrValue::Bytes(_) => t.attr(AttrId::Portrait).into(),
        v => v.to_string(),
    }
}

fn validity_badge(ui: &mut Ui, t: &Words, v: Validity) {
    let (text, color) = match v {
        Validity::Valid => (t.badge_valid, style::GOOD),
        Validity::ExpiringSoon => (t.badge_soon, style::WARN),
        Validity::Expired => (t.badge_expired, style::BAD),
        Validity::NotYetValid => (t.badge_not_yet, style::WARN),
    };
    style::badge(ui, text, color);
}

/// One ID card.
fn card_ui(ui: &mut Ui, t: &Words, card: &mut Card) {
    let portrait = card.portrait_texture(ui.ctx());
    egui::Frame::new()
        .fill(style::CARD_TOP)
        .corner_radius(CornerRadius::same(18))
        .inner_margin(Margin::same(16))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(tessera_ui::drawable(
                        ui.ctx(),
                        card.issuer.as_deref().unwrap_or(t.unknown_issuer),
                    ))
                    .color(Color32::from_white_alpha(220))
                    .small(),
                );
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    validity_badge(ui, t, card.validity);
                });
            });
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if let Some(tex) = &portrait {
                    let size = Vec2::new(84.0, 105.0);
                    ui.add(
                        egui::Image::new((tex.id(), size))
                            .corner_radius(CornerRadius::same(10))
                            .alt_text(format!("{} {}", t.portrait_of, card.full_name())),
                    );
                }
                ui.vertical(|ui| {
                    ui.label(
                        RichText::new(tessera_ui::drawable(ui.ctx(), &card.full_name()))
                            .size(28.0)
                            .strong()
                            .color(Color32::WHITE),
                    );
                    ui.label(
                        RichText::new(tessera_ui::drawable(ui.ctx(), &card.latin_name()))
                            .color(Color32::from_white_alpha(230)),
                    );
                    ui.add_space(6.0);
                    let ctx = ui.ctx().clone();
                    let small = |s: String| {
                        RichText::new(tessera_ui::drawable(&ctx, &s))
                            .color(Color32::from_white_alpha(220))
                    };
                    ui.label(small(format!(
                        "{}  {}",
                        t.attr(AttrId::BirthDate),
                        card.text(AttrId::BirthDate)
                    )));
                    ui.label(small(format!(
                        "{}  {}",
                        t.id_number,
                        card.text(AttrId::IdNumber)
                    )));
                    ui.label(small(format!(
                        "{}  {}",
                        t.valid_until,
                        super::date(card.expires)
                    )));
                });
            });
            if card.text(AttrId::IdNumber).starts_with("DEMO") {
                ui.add_space(4.0);
                ui.label(
                    RichText::new(t.demo_note)
                        .small()
                        .color(Color32::from_rgb(0xFF, 0xD8, 0x8A)),
                );
            }
        });
}

/// How many fresh single-use credentials the card has left; when they run low, what that
/// means and the button that shows the renewal request.
fn batch_ui(ui: &mut Ui, t: &Words, card: &Card, out: &mut Vec<Action>) {
    let Some(b) = &card.batch else { return };
    ui.label(
        RichText::new(format!(
            "{} {} {} {}",
            t.fresh_left, b.fresh, t.fresh_of, b.total
        ))
        .color(if b.low { style::WARN } else { style::GOOD }),
    );
    if b.low {
        ui.label(RichText::new(t.batch_low).small());
    }
    if (b.low || b.renewal.is_some()) && style::secondary(ui, t.show_renewal).clicked() {
        out.push(Action::Enrol(EnrolAction::OpenRenewal(card.id.clone())));
    }
}

/// The countdown ring: the part still to run is drawn in the accent colour.
fn countdown_ring(ui: &mut Ui, fraction_left: f32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(40.0), egui::Sense::hover());
    let p = ui.painter();
    let c = rect.center();
    let r = 16.0;
    p.circle_stroke(
        c,
        r,
        Stroke::new(4.0, ui.visuals().widgets.inactive.bg_fill),
    );
    let n = 48;
    let steps = ((n as f32) * fraction_left.clamp(0.0, 1.0)).ceil() as usize;
    if steps > 0 {
        let pts: Vec<egui::Pos2> = (0..=steps)
            .map(|i| {
                let a = -TAU / 4.0 + TAU * fraction_left * i as f32 / steps as f32;
                c + r * Vec2::new(a.cos(), a.sin())
            })
            .collect();
        p.add(egui::Shape::line(pts, Stroke::new(4.0, style::ACCENT)));
    }
}

impl WalletApp {
    pub(super) fn draw_open(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        let Phase::Open(session) = &mut self.phase else {
            return;
        };
        let tab = session.tab;
        egui::Panel::top("top-bar").show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.heading(RichText::new(t.app_name).strong());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button(t.lock).clicked() {
                        out.push(Action::Lock);
                    }
                });
            });
            ui.add_space(2.0);
        });
        egui::Panel::bottom("tabs").show(ui, |ui| {
            ui.add_space(4.0);
            ui.columns(3, |cols| {
                for (col, (tb, label)) in cols.iter_mut().zip([
                    (Tab::Cards, t.tab_cards),
                    (Tab::History, t.tab_history),
                    (Tab::Settings, t.tab_settings),
                ]) {
                    col.vertical_centered_justified(|ui| {
                        let r = ui.add(
                            egui::Button::selectable(tab == tb, label)
                                .min_size(Vec2::new(0.0, 44.0)),
                        );
                        if r.clicked() {
                            out.push(Action::Tab(tb));
                        }
                    });
                }
            });
            ui.add_space(4.0);
        });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    column(ui, |ui| {
                        ui.add_space(8.0);
                        match tab {
                            Tab::Cards => self.cards_ui(ui, out),
                            Tab::History => self.history_ui(ui, out),
                            Tab::Settings => self.settings_ui(ui, out),
                        }
                        ui.add_space(16.0);
                    });
                });
        });
        self.confirm_ui(ui, out);
    }

    fn confirm_ui(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        let Phase::Open(s) = &self.phase else { return };
        let Some(which) = s.confirm else { return };
        let (text, yes) = match which {
            Confirm::ClearHistory => (t.clear_history_confirm, t.clear_all),
            Confirm::DeleteWallet => (t.delete_body, t.delete_confirm),
            Confirm::Restore => (t.restore_replace, t.restore),
            Confirm::ReplaceCredential => (t.replace_body, t.replace),
        };
        let replacing = s.replacing.as_ref();
        let r = egui::Modal::new(Id::unique("confirm")).show(ui.ctx(), |ui| {
            ui.set_max_width(360.0);
            ui.label(text);
            if let (Confirm::ReplaceCredential, Some(p)) = (which, replacing) {
                // The changes were escaped by the wallet (`printable`).
                ui.label(RichText::new(&p.id).weak().small());
                for change in &p.changes {
                    ui.label(tessera_ui::drawable(ui.ctx(), change));
                }
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui
                    .add(
                        egui::Button::new(RichText::new(yes).color(Color32::WHITE))
                            .fill(style::BAD),
                    )
                    .clicked()
                {
                    out.push(Action::Confirmed);
                }
                if ui.button(t.cancel).clicked() {
                    out.push(Action::CancelConfirm);
                }
            });
        });
        if r.should_close() {
            out.push(Action::CancelConfirm);
        }
    }

    fn cards_ui(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        let message = self.message.clone();
        let counter_code = &mut self.forms.counter_code;
        let import_path = &mut self.forms.import_path;
        let Phase::Open(s) = &mut self.phase else {
            return;
        };
        if s.present.is_some() {
            present_ui(ui, t, s, counter_code, message.as_ref(), out);
            return;
        }
        if s.enrol.is_some() {
            super::ui_enrol::enrol_ui(ui, t, s, message.as_ref(), out);
            return;
        }
        message_strip(ui, message.as_ref(), t, out);
        if s.cards.is_empty() {
            style::panel(ui, |ui| {
                ui.heading(t.no_cards_title);
                ui.label(t.no_cards_body);
            });
            ui.add_space(4.0);
            add_id_ui(ui, t, s, import_path, out, true);
            return;
        }
        for i in 0..s.cards.len() {
            card_ui(ui, t, &mut s.cards[i]);
            batch_ui(ui, t, &s.cards[i], out);
            if style::primary(ui, t.show_id).clicked() {
                out.push(Action::OpenPresent(i));
            }
            ui.add_space(12.0);
        }
        ui.separator();
        if ui.button(t.add_another).clicked() {
            out.push(Action::ToggleImport);
        }
        if s.show_import {
            add_id_ui(ui, t, s, import_path, out, false);
        }
    }

    fn history_ui(&mut self, ui: &mut Ui, out: &mut Vec<Action>) {
        let t = self.t();
        let message = self.message.clone();
        let Phase::Open(s) = &self.phase else { return };
        ui.heading(t.history_title);
        message_strip(ui, message.as_ref(), t, out);
        if s.history.is_empty() {
            ui.label(RichText::new(t.history_empty).weak());
            return;
        }
        for h in s.history.iter().rev() {
            style::panel(ui, |ui| {
                ui.horizontal(|ui| {
                    let purpose = Purpose::from_name(&h.purpose).unwrap_or(Purpose::Custom);
                    ui.label(RichText::new(t.purpose(purpose)).strong());
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.label(RichText::new(super::date_time(h.time)).weak().small());
                    });
                });
                if let Some(code) = &h.counter_code {
                    ui.label(format!(
                        "{}: {}",
                        t.counter,
                        tessera_core::text::printable(code)
                    ));
                }
                let items: Vec<&str> = h
                    .items
                    .iter()
                    .map(|n| AttrId::from_name(n).map_or(n.as_str(), |a| t.attr(a)))
                    .collect();
                ui.label(RichText::new(items.join(" · ")).weak());
            });
        }
        ui.add_space(8.0);
        if style::secondary(ui, t.clear_history).clicked() {
            out.push(Action::Ask(ConfirmKind::ClearHistory));
        }
    }
}

/// "Add the demo ID" and "Import a credential file".
fn add_id_ui(
    ui: &mut Ui,
    t: &Words,
    s: &mut Session,
    import_path: &mut String,
    out: &mut Vec<Action>,
    demo_first: bool,
) {
    super::ui_enrol::add_id_button(ui, t, out);
    if demo_first && style::primary(ui, t.add_demo).clicked() {
        out.push(Action::AddDemo);
    }
    style::panel(ui, |ui| {
        ui.label(RichText::new(t.import_file).strong());
        let enter = super::ui_onboarding::entered(ui, "import-path");
        text_field(ui, t.import_path, "import-path", import_path);
        if enter {
            out.push(Action::ImportTyped);
        }
        if ui.button(t.import).clicked() {
            out.push(Action::ImportTyped);
        }
        ui.label(RichText::new(t.drop_hint).weak().small());
        if let Some(p) = &s.device_key_file {
            ui.label(RichText::new(t.device_key_at).small());
            ui.label(
                RichText::new(tessera_core::text::printable(&p.display().to_string()))
                    .monospace()
                    .small(),
            );
        }
    });
    if !demo_first && style::secondary(ui, t.add_demo).clicked() {
        out.push(Action::AddDemo);
    }
}

/// The portrait as the verifier will see it, `height` points tall (3:4), smoothly scaled;
/// in words when the credential holds none or the app cannot decode it.
fn portrait_ui(ui: &mut Ui, t: &Words, card: &mut Card, height: f32) {
    let name = t.attr(AttrId::Portrait);
    let Some(tex) = card.portrait_texture(ui.ctx()) else {
        let why = match card.attrs.get(AttrId::Portrait) {
            Some(_) => t.portrait_unreadable,
            None => "—",
        };
        ui.label(format!("{name}: {why}"));
        return;
    };
    ui.label(RichText::new(format!("{name}:")).weak());
    let [w, h] = tex.size();
    let size = Vec2::new(height * w as f32 / h.max(1) as f32, height);
    ui.add(
        egui::Image::new((tex.id(), size))
            .corner_radius(CornerRadius::same(6))
            .alt_text(t.portrait_shown),
    );
}

/// The presentation screen: choose, then the QR code.
fn present_ui(
    ui: &mut Ui,
    t: &Words,
    s: &mut Session,
    counter_code: &mut String,
    message: Option<&super::Message>,
    out: &mut Vec<Action>,
) {
    let Some(ps) = &mut s.present else { return };
    let Some(card) = s.cards.get_mut(ps.card) else {
        return;
    };
    if ui.button(format!("‹ {}", t.back)).clicked() {
        out.push(Action::ClosePresent);
    }
    ui.heading(t.present_title);
    let items = ps.items();
    let choice = ps.choice;
    if let Some(showing) = &mut ps.showing {
        let now = ui.input(|i| i.time);
        // The preset the citizen chose ("Check-in with photo"), not only the purpose it signs
        // ("Hotel check-in"), which would read as if the portrait were not in the code.
        let title = match choice {
            Choice::Preset(p) if p.purpose() == showing.presentation.purpose => t.preset(p),
            _ => t.purpose(showing.presentation.purpose),
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(title).strong());
            if let Some(code) = &showing.counter_code {
                style::badge(
                    ui,
                    &format!(
                        "{} {}",
                        t.bound_to_counter,
                        tessera_core::text::printable(code)
                    ),
                    style::ACCENT,
                );
            }
        });
        // The code itself: as large as the screen allows (the column's width, the visible
        // height below what is above it), black on white in both themes.
        let width = ui.available_width();
        let above = ui.cursor().top() - ui.min_rect().top();
        let height = (ui.clip_rect().height() - above).max(width * 0.5);
        showing.side = showing.qr.show(ui, width, height, t.qr_alt);
        let left = (RENEW_SECS - (now - showing.made_at)).max(0.0);
        ui.horizontal(|ui| {
            countdown_ring(ui, (left / RENEW_SECS) as f32);
            ui.label(format!(
                "{} {} {}",
                t.renews_in,
                left.ceil() as u32,
                t.seconds
            ));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(t.renew_now).clicked() {
                    out.push(Action::RenewQr);
                }
            });
        });
        ui.label(RichText::new(t.show_to_verifier).weak());
        style::panel(ui, |ui| {
            ui.label(RichText::new(t.verifier_sees).strong());
            for a in &showing.presentation.items {
                if *a == AttrId::Portrait {
                    continue;
                }
                ui.label(format!(
                    "{}: {}",
                    t.attr(*a),
                    tessera_ui::drawable(ui.ctx(), &value_text(t, *a, card.attrs.get(*a)))
                ));
            }
            if showing.presentation.items.contains(&AttrId::Portrait) {
                portrait_ui(ui, t, card, 90.0);
            }
        });
        message_strip(ui, message, t, out);
        if style::primary(ui, t.done).clicked() {
            out.push(Action::ClosePresent);
        }
        return;
    }
    ui.label(RichText::new(t.choose_purpose).strong());
    ui.horizontal_wrapped(|ui| {
        for c in Choice::all() {
            let label = match c {
                Choice::Preset(p) => t.preset(p),
                Choice::Custom => t.purpose_choice(Purpose::Custom),
            };
            if ui
                .add(egui::Button::selectable(ps.choice == c, label).min_size(Vec2::new(0.0, 40.0)))
                .clicked()
            {
                out.push(Action::Choose(c));
            }
        }
    });
    if ps.choice == Choice::Custom {
        style::panel(ui, |ui| {
            for a in pickable(card) {
                let mut on = ps.custom.contains(&a);
                if ui.checkbox(&mut on, t.attr(a)).changed() {
                    out.push(Action::ToggleItem(a));
                }
            }
            if card.portrait_format == Some(tessera_core::portrait::Format::Jpeg) {
                ui.label(RichText::new(t.portrait_jpeg_not_offered).weak().small());
            }
        });
    }
    style::panel(ui, |ui| {
        ui.label(RichText::new(t.verifier_sees).strong());
        if items.is_empty() {
            ui.label(RichText::new(t.nothing_chosen).color(style::WARN));
        }
        for a in items.iter().filter(|a| **a != AttrId::Portrait) {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(format!("{}:", t.attr(*a))).weak());
                let value = value_text(t, *a, card.attrs.get(*a));
                ui.label(RichText::new(tessera_ui::drawable(ui.ctx(), &value)).strong());
            });
        }
        // The face the clerk will compare, before the citizen agrees to show it.
        let with_portrait = items.contains(&AttrId::Portrait);
        if with_portrait {
            portrait_ui(ui, t, card, 150.0);
        }
        let rest = if with_portrait {
            t.verifier_not_sees_rest
        } else {
            t.verifier_not_sees
        };
        ui.label(RichText::new(rest).weak().small());
    });
    if card.batch.as_ref().is_some_and(|b| b.fresh == 0) {
        // Said before the citizen agrees: this showing can be linked to an earlier one.
        ui.label(RichText::new(t.no_fresh).color(style::WARN));
    }
    style::panel(ui, |ui| {
        let r = text_field(ui, t.counter_code, "counter-code", counter_code);
        if r.has_focus() || counter_code.is_empty() {
            ui.label(RichText::new(t.counter_code_hint).weak().small());
        }
    });
    message_strip(ui, message, t, out);
    if style::primary(ui, t.show_qr).clicked() {
        out.push(Action::ShowQr);
    }
}
