//! The bundled fonts draw every character of the Table of General Standard Chinese Characters,
//! the marker replaces only what no font can draw, and the system fallback never panics.

use std::collections::BTreeSet;
use std::path::PathBuf;

use egui::{FontDefinitions, FontFamily};
use tessera_ui::{CJK_FONT, Fonts, SystemFonts, marker};

/// The committed table: `index<TAB>U+XXXX<TAB>character` lines after `#` comments.
fn standard_table() -> Vec<char> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts/tgscc-8105.txt");
    let text = std::fs::read_to_string(&path).expect("the committed table");
    let mut chars = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "line {}: {line:?}", n + 1);
        let code = u32::from_str_radix(fields[1].trim_start_matches("U+"), 16).unwrap();
        let c = char::from_u32(code).unwrap();
        assert_eq!(
            fields[2],
            c.to_string(),
            "line {}: code point and character differ",
            n + 1
        );
        assert_eq!(
            fields[0].parse::<usize>().unwrap(),
            chars.len() + 1,
            "line {}",
            n + 1
        );
        chars.push(c);
    }
    chars
}

#[test]
fn the_table_has_8105_distinct_hanzi() {
    let table = standard_table();
    assert_eq!(table.len(), 8105);
    assert_eq!(table.iter().collect::<BTreeSet<_>>().len(), 8105);
    // The last character of each level, as printed in the table.
    assert_eq!(
        (table[0], table[3499], table[6499], table[8104]),
        ('一', '矗', '齉', '蠼')
    );
    for c in "岚鑫婧玥淼喆堃昇".chars() {
        assert!(table.contains(&c), "{c} is in the table");
    }
}

#[test]
fn every_character_of_the_standard_table_has_a_glyph_in_the_bundled_font() {
    let font = skrifa::FontRef::new(CJK_FONT).expect("the bundled font parses");
    use skrifa::MetadataProvider as _;
    let charmap = font.charmap();
    let missing: Vec<String> = standard_table()
        .into_iter()
        .filter(|&c| charmap.map(c).is_none_or(|g| g.to_u32() == 0))
        .map(|c| format!("{c} U+{:04X}", u32::from(c)))
        .collect();
    assert!(
        missing.is_empty(),
        "{} characters have no glyph: {missing:?}",
        missing.len()
    );
}

#[test]
fn every_character_of_the_standard_table_is_drawable_without_a_marker() {
    let fonts = Fonts::bundled();
    let text: String = standard_table().into_iter().collect();
    assert_eq!(fonts.drawable(&text), text.as_str());
    assert_eq!(
        fonts.drawable_in(&FontFamily::Monospace, &text),
        text.as_str()
    );
}

#[test]
fn the_marker_replaces_only_what_no_font_draws() {
    let fonts = Fonts::bundled();
    // 𠮷 (U+20BB7) is outside the table and the bundled subset; U+E000 is private use.
    assert_eq!(fonts.drawable("吉\u{20BB7}"), "吉⟨U+20BB7⟩");
    assert_eq!(fonts.drawable("a\u{E000}b"), "a⟨U+E000⟩b");
    assert_eq!(marker('\u{20BB7}'), "⟨U+20BB7⟩");
    // Drawable text is returned as it is, borrowed.
    for name in [
        "欧阳晓岚",
        "王鑫",
        "李婧",
        "张玥",
        "刘淼",
        "陈喆",
        "赵堃",
        "孙昇",
        "Zoë O'Brien-Łukasz",
        "1990-01-31",
    ] {
        assert!(
            matches!(fonts.drawable(name), std::borrow::Cow::Borrowed(_)),
            "{name}"
        );
    }
    // Line breaks and tabs are kept (egui needs no glyph for them).
    assert_eq!(fonts.drawable("a\nb\tc"), "a\nb\tc");
    // The marker itself is drawable, in both families.
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        let shown = fonts.drawable_in(&family, "\u{20BB7}");
        assert_eq!(fonts.drawable_in(&family, &shown), shown, "{family:?}");
    }
}

#[test]
fn only_the_installed_families_fonts_count() {
    // With egui's fonts alone, hanzi become markers: the coverage comes from the fonts' cmaps.
    let fonts = Fonts::new(FontDefinitions::default(), None);
    assert_eq!(fonts.drawable("晓岚"), "⟨U+6653⟩⟨U+5C9A⟩");
    assert_eq!(fonts.drawable("Ada"), "Ada");
}

#[test]
fn a_system_font_fills_in_what_the_installed_fonts_lack() {
    let dir = tempfile::tempdir().unwrap();
    // A "system" CJK font (the bundled file under a CJK-looking name), a broken file with a
    // CJK name, a non-font and a missing folder: the first is used, the rest skipped.
    std::fs::write(dir.path().join("NotoSansCJK-Regular.otf"), CJK_FONT).unwrap();
    std::fs::write(dir.path().join("wqy-broken.ttc"), b"not a font at all").unwrap();
    std::fs::write(dir.path().join("README.txt"), b"hello").unwrap();
    let system = SystemFonts::from_paths([dir.path().to_path_buf(), dir.path().join("absent")]);
    let fonts = Fonts::new(FontDefinitions::default(), Some(system));
    assert_eq!(fonts.drawable("晓岚"), "晓岚");
    assert_eq!(fonts.drawable("\u{20BB7}"), "⟨U+20BB7⟩");
    let names = fonts.system().unwrap().names();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with("NotoSansCJK-Regular.otf#0"), "{names:?}");
}

#[test]
fn files_without_ideographs_are_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    // egui's own Latin font is no CJK fallback even under a CJK-looking name.
    let definitions = FontDefinitions::default();
    let latin = definitions.font_data.get("Ubuntu-Light").unwrap();
    std::fs::write(dir.path().join("cjk-latin-only.ttf"), latin.bytes()).unwrap();
    let system = SystemFonts::from_paths([dir.path().to_path_buf()]);
    assert!(system.names().is_empty());
    assert!(system.font_for('岚').is_none());
}

#[test]
fn no_system_fonts_at_all_is_not_an_error() {
    let system = SystemFonts::from_paths([PathBuf::from("/nonexistent/fonts")]);
    let fonts = Fonts::new(tessera_ui::definitions(), Some(system));
    assert_eq!(fonts.drawable("吉\u{20BB7}"), "吉⟨U+20BB7⟩");
}

#[test]
fn the_debian_system_fonts_draw_supplementary_hanzi_when_installed() {
    // Machine-dependent: with fonts-noto-cjk installed 𠮷 is drawn by Noto Sans CJK; without
    // any CJK font it is a marker. Either way, no panic and a consistent answer.
    let fonts = Fonts::with_system_fallback();
    let found = fonts.system().unwrap().font_for('\u{20BB7}');
    let has = found.is_some();
    // Debian's Noto CJK collection starts with the Japanese face; the Simplified Chinese one
    // (index 2) is preferred.
    let noto = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    if std::path::Path::new(noto).exists() {
        assert_eq!(found.unwrap().0, format!("{noto}#2"));
    }
    let shown = fonts.drawable("吉\u{20BB7}");
    if has {
        assert_eq!(shown, "吉\u{20BB7}");
    } else {
        assert_eq!(shown, "吉⟨U+20BB7⟩");
    }
}

#[test]
fn install_puts_the_fonts_in_the_context_for_drawable() {
    let ctx = egui::Context::default();
    // Before any install, the bundled fonts answer.
    assert_eq!(tessera_ui::drawable(&ctx, "晓\u{20BB7}"), "晓⟨U+20BB7⟩");
    Fonts::new(FontDefinitions::default(), None).install(&ctx);
    assert_eq!(tessera_ui::drawable(&ctx, "晓"), "⟨U+6653⟩");
    Fonts::bundled().install(&ctx);
    assert_eq!(tessera_ui::drawable(&ctx, "晓"), "晓");
    // egui lays the text out with the installed fonts.
    let mut output = ctx.run_ui(Default::default(), |ui| {
        ui.label(tessera_ui::drawable(ui.ctx(), "欧阳晓岚 吉\u{20BB7}").as_ref());
    });
    output.textures_delta.clear();
    ctx.fonts_mut(|f| {
        let id = egui::FontId::proportional(16.0);
        assert!(f.has_glyphs(&id, "欧阳晓岚鑫婧玥淼喆堃昇⟨U+20BB7⟩"));
    });
}

#[test]
fn system_files_are_read_regular_first_and_only_while_needed() {
    let dir = tempfile::tempdir().unwrap();
    let bold = dir.path().join("a-CJK-Bold.otf");
    let regular = dir.path().join("b-CJK-Regular.otf");
    std::fs::write(&bold, CJK_FONT).unwrap();
    std::fs::write(&regular, CJK_FONT).unwrap();
    let system = SystemFonts::from_paths([dir.path().to_path_buf()]);
    let (name, _) = system.font_for('岚').unwrap();
    assert!(name.ends_with("b-CJK-Regular.otf#0"), "{name}");
    // The bold file was not needed, so it was not read: removed now, it is skipped later.
    std::fs::remove_file(&bold).unwrap();
    assert!(system.font_for('\u{20BB7}').is_none());
    assert_eq!(system.names().len(), 1);
}
