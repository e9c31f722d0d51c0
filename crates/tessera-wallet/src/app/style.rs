//! Fonts, colours and the few widgets every screen shares.

use egui::{Color32, CornerRadius, FontId, Margin, RichText, Stroke, TextStyle, Ui, Vec2};

/// Installs the fonts in `ctx`: egui's, the bundled CJK font (every character of the Table of
/// General Standard Chinese Characters and GB 2312) and the system's CJK fonts, when present,
/// for the rest. Values shown go through [`tessera_ui::drawable`], so a character no font has
/// shows its code point instead of an empty box.
pub fn install_fonts(ctx: &egui::Context) {
    tessera_ui::Fonts::with_system_fallback().install(ctx);
}

/// The accent colour (a calm deep blue).
pub const ACCENT: Color32 = Color32::from_rgb(0x1F, 0x5F, 0xAF);
/// The ID card's background.
pub const CARD_TOP: Color32 = Color32::from_rgb(0x1B, 0x4F, 0x8F);
/// Success green.
pub const GOOD: Color32 = Color32::from_rgb(0x1E, 0x8E, 0x5A);
/// Warning amber.
pub const WARN: Color32 = Color32::from_rgb(0xB7, 0x79, 0x1F);
/// Error red.
pub const BAD: Color32 = Color32::from_rgb(0xC0, 0x39, 0x2B);

/// Larger, calmer text and touch-sized controls, in both themes.
pub fn apply(ctx: &egui::Context) {
    for theme in [egui::Theme::Light, egui::Theme::Dark] {
        ctx.style_mut_of(theme, |style| {
            style.text_styles = [
                (TextStyle::Heading, FontId::proportional(26.0)),
                (TextStyle::Body, FontId::proportional(16.0)),
                (TextStyle::Button, FontId::proportional(16.0)),
                (TextStyle::Small, FontId::proportional(13.0)),
                (TextStyle::Monospace, FontId::monospace(15.0)),
            ]
            .into();
            style.spacing.item_spacing = Vec2::new(10.0, 10.0);
            style.spacing.button_padding = Vec2::new(14.0, 8.0);
            style.spacing.interact_size.y = 36.0;
            style.visuals.widgets.inactive.corner_radius = CornerRadius::same(10);
            style.visuals.widgets.hovered.corner_radius = CornerRadius::same(10);
            style.visuals.widgets.active.corner_radius = CornerRadius::same(10);
            style.visuals.widgets.noninteractive.corner_radius = CornerRadius::same(10);
            style.visuals.selection.bg_fill = ACCENT;
            style.visuals.selection.stroke = Stroke::new(1.0, Color32::WHITE);
            if theme == egui::Theme::Light {
                style.visuals.panel_fill = Color32::from_rgb(0xF3, 0xF5, 0xF8);
                style.visuals.window_fill = Color32::WHITE;
                // Text fields: a light grey well with a border, visible on the white panels.
                style.visuals.extreme_bg_color = Color32::from_rgb(0xEE, 0xF1, 0xF5);
                style.visuals.widgets.inactive.bg_stroke =
                    Stroke::new(1.0, Color32::from_rgb(0xC9, 0xD0, 0xDA));
            }
        });
    }
}

/// A full-width primary button (accent fill, white text).
pub fn primary(ui: &mut Ui, text: &str) -> egui::Response {
    let button = egui::Button::new(RichText::new(text).color(Color32::WHITE).strong())
        .fill(ACCENT)
        .min_size(Vec2::new(ui.available_width(), 48.0));
    ui.add(button)
}

/// A full-width secondary button.
pub fn secondary(ui: &mut Ui, text: &str) -> egui::Response {
    ui.add(egui::Button::new(text).min_size(Vec2::new(ui.available_width(), 44.0)))
}

/// A white rounded panel for grouping (follows the theme).
pub fn panel(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    egui::Frame::new()
        .fill(ui.visuals().window_fill)
        .corner_radius(CornerRadius::same(16))
        .inner_margin(Margin::same(16))
        .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            add(ui);
        });
}

/// A small coloured badge.
pub fn badge(ui: &mut Ui, text: &str, color: Color32) {
    egui::Frame::new()
        .fill(color)
        .corner_radius(CornerRadius::same(8))
        .inner_margin(Margin::symmetric(8, 2))
        .show(ui, |ui| {
            ui.label(RichText::new(text).color(Color32::WHITE).small().strong());
        });
}

/// A message strip: green for notices, red for errors.
pub fn message(ui: &mut Ui, text: &str, error: bool) {
    let color = if error { BAD } else { GOOD };
    egui::Frame::new()
        .fill(color.gamma_multiply(0.15))
        .stroke(Stroke::new(1.0, color))
        .corner_radius(CornerRadius::same(10))
        .inner_margin(Margin::same(10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(text).color(color));
        });
}
