//! What the bundled fonts cost at start: the time from a fresh egui context to the first
//! frame that lays out a name, with egui's fonts only and with [`tessera_ui::Fonts`], and the
//! first [`tessera_ui::drawable`] call (which reads the fonts' cmaps once), and the first
//! character outside the bundled font with the system fallback on (which reads the system's
//! CJK font files once).
//!
//! `cargo run --release -p tessera-ui --example font_load [RUNS]` prints medians (ms).

use std::time::Instant;

use egui::FontDefinitions;
use tessera_ui::Fonts;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Milliseconds from a fresh context to the end of the first frame showing `text`.
fn first_frame(install: impl Fn(&egui::Context), text: &str) -> f64 {
    let start = Instant::now();
    let ctx = egui::Context::default();
    install(&ctx);
    let mut output = ctx.run_ui(Default::default(), |ui| {
        ui.label(text);
    });
    output.textures_delta.clear();
    start.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(21);
    let latin = "Ada Lovelace 1815-12-10";
    let name = "欧阳晓岚 王鑫 李婧 1815-12-10";
    let mut egui_only = Vec::new();
    let mut bundled = Vec::new();
    let mut coverage = Vec::new();
    let mut system_miss = Vec::new();
    for _ in 0..runs {
        egui_only.push(first_frame(
            |ctx| ctx.set_fonts(FontDefinitions::default()),
            latin,
        ));
        bundled.push(first_frame(|ctx| Fonts::bundled().install(ctx), name));
        let fonts = Fonts::bundled();
        let start = Instant::now();
        let shown = fonts.drawable(name);
        coverage.push(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!(shown, name);
        let fonts = Fonts::with_system_fallback();
        let start = Instant::now();
        let _ = fonts.drawable("吉\u{20BB7}");
        system_miss.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let (e, b, c) = (median(egui_only), median(bundled), median(coverage));
    println!("runs: {runs}");
    println!("first frame, egui fonts only, Latin text: {e:.2} ms");
    println!(
        "first frame, bundled CJK font, hanzi:     {b:.2} ms ({:.1}x)",
        b / e
    );
    println!("first drawable() (reads the cmaps):       {c:.2} ms");
    let system = Fonts::with_system_fallback()
        .system()
        .map(|s| s.names())
        .unwrap_or_default();
    println!(
        "first character outside the bundled font, system fallback on: {:.2} ms \
         ({} system CJK faces, the first {})",
        median(system_miss),
        system.len(),
        system.first().map_or("none", String::as_str)
    );
    println!("bundled font: {} bytes", tessera_ui::CJK_FONT.len());
}
