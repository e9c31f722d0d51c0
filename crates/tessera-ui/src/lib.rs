//! What both Tessera apps share on screen.
//!
//! The language ([`Lang`]), the words for what a credential holds ([`words`]), dates and ages
//! ([`time`]), the demo issuer's trust list ([`demo`]) and the fonts ([`fonts`]).
//!
//! Every citizen's name must be drawn, so both apps install the same [`Fonts`]: egui's own
//! fonts, a bundled subset of Noto Sans CJK SC that covers the whole Table of General Standard
//! Chinese Characters (8,105 hanzi) and GB 2312, and, when asked, the system's CJK fonts as a
//! fallback. A character that no font can draw is shown as a visible marker with its code point
//! (`⟨U+20BB7⟩`), never as an empty box: see [`drawable`].
//!
//! The marker is for the screen only. Values are kept, compared and exported exactly as they
//! were signed; only the text handed to a label goes through [`drawable`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod background;
pub mod demo;
pub mod fonts;
pub mod lang;
pub mod time;
pub mod words;

pub use background::{Background, Failure};
pub use fonts::{CJK_FONT, Fonts, SystemFonts, definitions, drawable, marker};
pub use lang::Lang;
pub use time::{age, clock_time, date, date_time};
pub use words::{attr_name, purpose, sex, value_word, yes_no};
