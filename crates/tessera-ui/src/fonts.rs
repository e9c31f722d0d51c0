//! The fonts both apps draw with, and the marker for characters none of them has.
//!
//! - [`CJK_FONT`]: Noto Sans CJK SC (SIL OFL 1.1, `assets/fonts/OFL.txt`) subset by
//!   `scripts/make_cjk_font.py` to the 8,105 characters of the Table of General Standard Chinese
//!   Characters (`assets/fonts/tgscc-8105.txt`), all of GB 2312, Latin, punctuation and every
//!   character of the apps' own strings.
//! - [`Fonts`]: egui's fonts plus the bundled one, optionally with [`SystemFonts`] (the CJK
//!   fonts found in well-known Debian folders) asked for the characters beyond that set.
//!   [`Fonts::install`] puts them in an egui context.
//! - [`drawable`]: the text a label should show; every character no installed font can draw
//!   becomes `⟨U+XXXX⟩`, so a missing glyph is never an empty box.
//!
//! Nothing here reads a file unless a character is missing from the bundled fonts and the
//! system fallback is on; a folder that does not exist and a file that does not parse are
//! skipped (the latter with a `log` warning), never a panic.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use egui::epaint::text::{
    FallbackRequest, FontInsert, FontPriority, FontProvider, InsertFontFamily,
};
use egui::{FontData, FontDefinitions, FontFamily};
use skrifa::MetadataProvider as _;

/// The bundled CJK font: a subset of Noto Sans CJK SC (SIL Open Font License 1.1, see
/// `assets/fonts/OFL.txt`) made by `scripts/make_cjk_font.py`.
pub const CJK_FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Tessera.otf");

/// Name of the bundled font in egui's font table.
pub const CJK_FONT_NAME: &str = "NotoSansSC-Tessera";

/// egui's monospace font, also the last fallback of the proportional family: it has the angle
/// brackets of the marker (`⟨ ⟩`), which neither egui's proportional font nor Noto CJK has.
const LAST_RESORT: &str = "Hack";

/// Folders searched by [`SystemFonts::debian`], recursively.
pub const SYSTEM_FONT_DIRS: &[&str] = &["/usr/share/fonts/opentype", "/usr/share/fonts/truetype"];

/// Parts of the file names of the CJK fonts Debian and its derivatives ship (Noto CJK, Source
/// Han, WenQuanYi, AR PL, Droid Sans Fallback, HanaMin, BabelStone Han, Sarasa). Only files
/// whose name holds one of these are read from a folder: a desktop has hundreds of font files
/// and reading them all would take seconds.
const CJK_FILE_HINTS: &[&str] = &[
    "cjk",
    "sourcehan",
    "wqy",
    "uming",
    "ukai",
    "droidsansfallback",
    "hanamin",
    "babelstone",
    "sarasa",
];

/// The marker shown instead of a character that no installed font can draw: `⟨U+20BB7⟩`.
///
/// ```
/// assert_eq!(tessera_ui::marker('\u{20BB7}'), "⟨U+20BB7⟩");
/// assert_eq!(tessera_ui::marker('\u{E000}'), "⟨U+E000⟩");
/// ```
pub fn marker(c: char) -> String {
    format!("⟨U+{:04X}⟩", u32::from(c))
}

/// The text to hand to a label: `text` itself when every character can be drawn with the fonts
/// installed in `ctx` by [`Fonts::install`] (or the bundled fonts if none were installed),
/// otherwise a copy with each character that cannot be drawn replaced by its [`marker`].
///
/// Use it for every value that comes from outside the app (names, places, document numbers).
/// Never store, compare or export what it returns: it is for the screen only.
pub fn drawable<'a>(ctx: &egui::Context, text: &'a str) -> Cow<'a, str> {
    Fonts::of(ctx).drawable(text)
}

/// egui's default fonts with the bundled CJK font behind them in both families, and egui's
/// monospace font as the proportional family's last resort (for the marker's brackets).
pub fn definitions() -> FontDefinitions {
    let mut definitions = FontDefinitions::default();
    definitions.font_data.insert(
        CJK_FONT_NAME.into(),
        Arc::new(FontData::from_static(CJK_FONT)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        definitions
            .families
            .entry(family)
            .or_default()
            .push(CJK_FONT_NAME.into());
    }
    if definitions.font_data.contains_key(LAST_RESORT) {
        let proportional = definitions
            .families
            .entry(FontFamily::Proportional)
            .or_default();
        if !proportional.iter().any(|name| name == LAST_RESORT) {
            proportional.push(LAST_RESORT.into());
        }
    }
    definitions
}

/// The fonts of an app: a set of egui [`FontDefinitions`] and, optionally, the system's CJK
/// fonts for the characters they lack. Cheap to clone (shared).
#[derive(Clone)]
pub struct Fonts {
    inner: Arc<Inner>,
}

struct Inner {
    definitions: FontDefinitions,
    /// The characters each family's installed fonts map, computed on first use.
    coverage: OnceLock<HashMap<FontFamily, HashSet<char>>>,
    system: Option<SystemFonts>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("fonts", &self.inner.definitions.font_data.keys())
            .field("system", &self.inner.system)
            .finish()
    }
}

impl Fonts {
    /// egui's fonts and the bundled CJK font; no system font is read.
    pub fn bundled() -> Fonts {
        Fonts::new(definitions(), None)
    }

    /// The bundled fonts, then the CJK fonts in Debian's usual folders
    /// ([`SystemFonts::debian`]) for characters the bundled fonts lack.
    pub fn with_system_fallback() -> Fonts {
        Fonts::new(definitions(), Some(SystemFonts::debian()))
    }

    /// Any font definitions, and optionally a system fallback.
    pub fn new(definitions: FontDefinitions, system: Option<SystemFonts>) -> Fonts {
        Fonts {
            inner: Arc::new(Inner {
                definitions,
                coverage: OnceLock::new(),
                system,
            }),
        }
    }

    /// The fonts installed in `ctx` by [`Fonts::install`], or the bundled fonts if none were.
    pub fn of(ctx: &egui::Context) -> Fonts {
        ctx.data(|data| data.get_temp::<Fonts>(data_id()))
            .unwrap_or_else(|| {
                static BUNDLED: OnceLock<Fonts> = OnceLock::new();
                BUNDLED.get_or_init(Fonts::bundled).clone()
            })
    }

    /// The egui font definitions.
    pub fn definitions(&self) -> &FontDefinitions {
        &self.inner.definitions
    }

    /// The system fallback, if any.
    pub fn system(&self) -> Option<&SystemFonts> {
        self.inner.system.as_ref()
    }

    /// Installs these fonts in `ctx`: the definitions, the system fallback as egui's only
    /// font provider (or no provider without one), and `self` for [`drawable`]. Installing
    /// again replaces what was installed before.
    pub fn install(&self, ctx: &egui::Context) {
        ctx.set_fonts(self.inner.definitions.clone());
        let providers: Vec<Arc<dyn FontProvider>> = match self.inner.system {
            Some(_) => vec![Arc::new(SystemProvider(self.clone()))],
            None => Vec::new(),
        };
        ctx.set_font_providers(providers);
        ctx.data_mut(|data| data.insert_temp(data_id(), self.clone()));
    }

    /// Can `c` be drawn in `family`: by one of its installed fonts, or by a system font? Control
    /// characters count as drawable (egui lays them out without a glyph).
    pub fn can_draw(&self, family: &FontFamily, c: char) -> bool {
        if c.is_control() {
            return true;
        }
        let installed = self
            .coverage()
            .get(family)
            .is_some_and(|chars| chars.contains(&c));
        installed
            || self
                .inner
                .system
                .as_ref()
                .is_some_and(|system| system.font_for(c).is_some())
    }

    /// `text` as a proportional label should show it: see [`drawable`].
    pub fn drawable<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.drawable_in(&FontFamily::Proportional, text)
    }

    /// `text` with every character `family` cannot draw replaced by its [`marker`].
    pub fn drawable_in<'a>(&self, family: &FontFamily, text: &'a str) -> Cow<'a, str> {
        if text.chars().all(|c| self.can_draw(family, c)) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        for c in text.chars() {
            if self.can_draw(family, c) {
                out.push(c);
            } else {
                out.push_str(&marker(c));
            }
        }
        Cow::Owned(out)
    }

    fn coverage(&self) -> &HashMap<FontFamily, HashSet<char>> {
        self.inner.coverage.get_or_init(|| {
            let definitions = &self.inner.definitions;
            definitions
                .families
                .iter()
                .map(|(family, names)| {
                    let mut chars = HashSet::new();
                    for name in names {
                        if let Some(data) = definitions.font_data.get(name) {
                            add_mapped_chars(name, data, &mut chars);
                        }
                    }
                    (family.clone(), chars)
                })
                .collect()
        })
    }
}

fn data_id() -> egui::Id {
    egui::Id::unique("tessera-ui::Fonts")
}

/// Adds every character the font maps to a glyph other than `.notdef`.
fn add_mapped_chars(name: &str, data: &FontData, chars: &mut HashSet<char>) {
    match skrifa::FontRef::from_index(data.bytes(), data.index) {
        Ok(font) => chars.extend(
            font.charmap()
                .mappings()
                .filter(|(_, glyph)| glyph.to_u32() != 0)
                .filter_map(|(c, _)| char::from_u32(c)),
        ),
        Err(err) => log::warn!("font {name:?} does not parse, skipped: {err}"),
    }
}

/// Does the font map `c` to a glyph other than `.notdef`?
fn maps(data: &FontData, c: char) -> bool {
    skrifa::FontRef::from_index(data.bytes(), data.index)
        .ok()
        .and_then(|font| font.charmap().map(c))
        .is_some_and(|glyph| glyph.to_u32() != 0)
}

/// The system's CJK fonts, read on first need and kept for the life of the process.
///
/// The roots are font files or folders; a folder is searched recursively for `.ttf`, `.otf`,
/// `.ttc` and `.otc` files whose name marks them as CJK fonts (Noto CJK, WenQuanYi, ...),
/// regular weights before bold. Files are read one at a time, in that order, only while no
/// file read so far has the character asked for; a face is kept if it has CJK ideographs,
/// Simplified Chinese faces of a collection first. A root that does not exist is skipped
/// quietly, a file that cannot be read or parsed with a `log` warning.
pub struct SystemFonts {
    roots: Vec<PathBuf>,
    state: Mutex<SystemState>,
}

#[derive(Default)]
struct SystemState {
    /// The candidate files, listed on first need.
    files: Option<Vec<PathBuf>>,
    /// `files[..read]` have been read.
    read: usize,
    /// The kept faces of the files read so far, in order.
    faces: Vec<Face>,
    /// Which face draws a character (index into `faces`), once asked.
    found: HashMap<char, Option<usize>>,
}

struct Face {
    name: String,
    data: FontData,
}

impl std::fmt::Debug for SystemFonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemFonts")
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

impl SystemFonts {
    /// The CJK fonts under [`SYSTEM_FONT_DIRS`] (Debian's `fonts-noto-cjk`, `fonts-wqy-*`,
    /// `fonts-arphic-*`, `fonts-hanazono`, ...).
    pub fn debian() -> SystemFonts {
        SystemFonts::from_paths(SYSTEM_FONT_DIRS.iter().map(PathBuf::from))
    }

    /// The fonts in these files and folders. A file named directly is read whatever its name.
    pub fn from_paths(roots: impl IntoIterator<Item = PathBuf>) -> SystemFonts {
        SystemFonts {
            roots: roots.into_iter().collect(),
            state: Mutex::new(SystemState::default()),
        }
    }

    /// The names (`path#index`) of all the fonts found, reading every candidate file.
    pub fn names(&self) -> Vec<String> {
        let mut state = self.lock();
        let files = state.files.take().unwrap_or_else(|| self.list_files());
        while state.read < files.len() {
            let faces = read_faces(&files[state.read]);
            state.faces.extend(faces);
            state.read += 1;
        }
        state.files = Some(files);
        state.faces.iter().map(|face| face.name.clone()).collect()
    }

    /// The first font that draws `c`, as its name and data.
    pub fn font_for(&self, c: char) -> Option<(String, FontData)> {
        let mut state = self.lock();
        let index = match state.found.get(&c) {
            Some(index) => *index,
            None => {
                let index = self.find(&mut state, c);
                state.found.insert(c, index);
                index
            }
        };
        index.map(|i| (state.faces[i].name.clone(), state.faces[i].data.clone()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SystemState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Searches the faces read so far, then reads further files until one has `c`.
    fn find(&self, state: &mut SystemState, c: char) -> Option<usize> {
        if let Some(i) = state.faces.iter().position(|face| maps(&face.data, c)) {
            return Some(i);
        }
        let files = state.files.take().unwrap_or_else(|| self.list_files());
        let mut hit = None;
        while hit.is_none() && state.read < files.len() {
            let first = state.faces.len();
            let faces = read_faces(&files[state.read]);
            state.faces.extend(faces);
            state.read += 1;
            hit = (first..state.faces.len()).find(|&i| maps(&state.faces[i].data, c));
        }
        state.files = Some(files);
        hit
    }

    fn list_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for root in &self.roots {
            if root.is_file() {
                files.push(root.clone());
            } else if root.is_dir() {
                let mut found = Vec::new();
                collect_cjk_files(root, &mut found);
                // Regular before bold, then by path, so the choice does not depend on the
                // order the file system lists a folder in.
                found.sort_by_key(|p| (is_bold(p), p.clone()));
                files.extend(found);
            }
        }
        files
    }
}

fn collect_cjk_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_cjk_files(&path, out);
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let is_font = [".ttf", ".otf", ".ttc", ".otc"]
            .iter()
            .any(|ext| name.ends_with(ext));
        if is_font && CJK_FILE_HINTS.iter().any(|hint| name.contains(hint)) {
            out.push(path);
        }
    }
}

fn is_bold(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().to_lowercase().contains("bold"))
}

/// The faces of one font file (several for a collection) that have CJK ideographs.
fn read_faces(path: &Path) -> Vec<Face> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            log::warn!("font {} could not be read, skipped: {err}", path.display());
            return Vec::new();
        }
    };
    let count = match skrifa::raw::FileRef::new(&bytes) {
        Ok(skrifa::raw::FileRef::Font(_)) => 1,
        Ok(skrifa::raw::FileRef::Collection(collection)) => collection.len(),
        Err(err) => {
            log::warn!("font {} does not parse, skipped: {err}", path.display());
            return Vec::new();
        }
    };
    let blob: egui::epaint::text::Blob = Arc::new(bytes);
    let mut faces: Vec<(bool, Face)> = (0..count)
        .filter_map(|index| {
            let data = FontData::from_blob(blob.clone(), index);
            let font = match skrifa::FontRef::from_index(data.bytes(), index) {
                Ok(font) => font,
                Err(err) => {
                    log::warn!(
                        "font {}#{index} does not parse, skipped: {err}",
                        path.display()
                    );
                    return None;
                }
            };
            let charmap = font.charmap();
            // 一 (U+4E00), 㐀 (U+3400, Extension A), 𠀀 (U+20000, Extension B).
            let has_ideographs = ['\u{4E00}', '\u{3400}', '\u{20000}']
                .iter()
                .any(|&c| charmap.map(c).is_some_and(|g| g.to_u32() != 0));
            let family = font
                .localized_strings(skrifa::string::StringId::FAMILY_NAME)
                .english_or_first()
                .map(|name| name.chars().collect::<String>())
                .unwrap_or_default();
            let simplified = family.ends_with(" SC") || family.contains(" SC ");
            has_ideographs.then(|| {
                (
                    simplified,
                    Face {
                        name: format!("{}#{index}", path.display()),
                        data,
                    },
                )
            })
        })
        .collect();
    // Simplified Chinese shapes first (a collection such as Noto CJK starts with Japanese);
    // the sort is stable, so the collection's order is kept otherwise.
    faces.sort_by_key(|(simplified, _)| !simplified);
    faces.into_iter().map(|(_, face)| face).collect()
}

/// egui's provider for characters the installed fonts lack: the first system CJK font that
/// has the character, added to both families.
struct SystemProvider(Fonts);

impl FontProvider for SystemProvider {
    fn font_for(&self, request: &FallbackRequest<'_>) -> Option<FontInsert> {
        let c = request.cluster.chars().next()?;
        let (name, data) = self.0.system()?.font_for(c)?;
        Some(FontInsert::new(
            &name,
            data,
            [FontFamily::Proportional, FontFamily::Monospace]
                .into_iter()
                .map(|family| InsertFontFamily {
                    family,
                    priority: FontPriority::Lowest,
                })
                .collect(),
        ))
    }
}
