//! `tessera-scan [--trust-dir DIR [--root ROOT.pub]] [--lang en|zh] [IMAGE...]`
//!
//! Exit codes ([`EXIT_CODES`], shown by `--help`): 0 after the window closes, 2 for a bad
//! command line or trust data that cannot be used (as `tessera-verify`), 3 when the window
//! cannot be opened.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, ValueEnum};
use tessera_scan::{Lang, ScanApp, ScanConfig, TrustSource};

/// The exit codes and error form, as `--help` shows them.
const EXIT_CODES: &str = "\
Exit codes:
  0  the window was closed
  2  usage or file error: a bad command line, trust data that cannot be read or does not
     check out (as for tessera-verify)
  3  the window cannot be opened (no display)
(1, refused or invalid, is not used: a scan's verdict is shown on the screen.)
Errors are printed on standard error as \"tessera-scan: error: ...\".";

/// The courier and counter scan app: scan a Tessera QR code from an image file and see whether
/// it is valid. Without --trust-dir it trusts only the public demo issuer, and says so.
#[derive(Parser, Debug)]
#[command(version, after_help = EXIT_CODES)]
struct Args {
    /// Verifier data directory (trust-list.cbor and status/*.cbor, as `tessera-verify
    /// update` installs them, with its root.pub unless --root is given).
    #[arg(long, value_name = "DIR")]
    trust_dir: Option<PathBuf>,
    /// The trust-list root public key file that the trust list must be signed with (it must
    /// be the data directory's root.pub if that is there).
    #[arg(long, value_name = "ROOT.pub", requires = "trust_dir")]
    root: Option<PathBuf>,
    /// Language (default: from LC_ALL, LC_MESSAGES or LANG, else en).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Images to scan at start, one after another.
    #[arg(value_name = "IMAGE")]
    images: Vec<PathBuf>,
}

/// `--lang`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum LangArg {
    /// English.
    En,
    /// 简体中文 (Simplified Chinese).
    Zh,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::En => Lang::En,
            LangArg::Zh => Lang::Zh,
        }
    }
}

/// The window could not be opened (exit code 3); holds eframe's message.
#[derive(Debug)]
struct WindowError(String);

impl std::fmt::Display for WindowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot open the window: {}", self.0)
    }
}

impl std::error::Error for WindowError {}

fn main() -> ExitCode {
    match run(parse_args()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Paths and details may hold control characters: escape the whole chain.
            let chain = format!("{e:#}");
            eprintln!(
                "tessera-scan: error: {}",
                tessera_core::text::printable(&chain)
            );
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Parses the command line; a usage error is printed as "tessera-scan: error: ..." (exit code 2) like
/// every other error, while `--help` and `--version` print as clap prints them.
fn parse_args<C: clap::Parser>() -> C {
    C::try_parse().unwrap_or_else(|e| {
        if !e.use_stderr() {
            e.exit()
        }
        let text = e.render().to_string();
        eprint!(
            "tessera-scan: error: {}",
            text.strip_prefix("error: ").unwrap_or(&text)
        );
        std::process::exit(2)
    })
}

/// The exit code for an error ([`EXIT_CODES`]): only the window is not a file error.
fn exit_code(e: &anyhow::Error) -> u8 {
    if e.is::<WindowError>() { 3 } else { 2 }
}

fn run(args: Args) -> Result<()> {
    let trust = match (&args.trust_dir, &args.root) {
        (Some(dir), root) => TrustSource::from_dir(dir, root.as_deref()).with_context(|| {
            let why = if root.is_none() {
                " (no --root given: the root key is its root.pub)"
            } else {
                ""
            };
            format!("cannot use the trust data in {}{why}", dir.display())
        })?,
        _ => TrustSource::demo().map_err(anyhow::Error::msg)?,
    };
    let lang = match args.lang {
        Some(l) => l.into(),
        None => Lang::from_env(),
    };
    let config = ScanConfig {
        images: args.images,
        lang,
        camera: tessera_scan::default_camera(),
        ..ScanConfig::new(trust)
    };
    eframe::run_native(
        "tessera-scan",
        tessera_scan::native_options(),
        Box::new(|cc| Ok(Box::new(ScanApp::new(&cc.egui_ctx, config)))),
    )
    .map_err(|e| WindowError(e.to_string()).into())
}
