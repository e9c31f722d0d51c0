//! `tessera-scan [--trust-dir DIR --root ROOT.pub] [--lang en|zh] [IMAGE...]`
//!
//! Exit codes: 0 after the window closes, 1 when the trust data or the window cannot be set
//! up (the message says which), 2 for a bad command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Parser;
use tessera_scan::{Lang, ScanApp, ScanConfig, TrustSource};

/// The courier and counter scan app: scan a Tessera QR code from an image file and see whether
/// it is valid. Without --trust-dir it trusts only the public demo issuer, and says so.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Verifier data directory (trust-list.cbor and status/*.cbor, as `tessera-verify
    /// update` installs them).
    #[arg(long, value_name = "DIR", requires = "root")]
    trust_dir: Option<PathBuf>,
    /// The trust-list root public key file that the trust list must be signed with.
    #[arg(long, value_name = "ROOT.pub", requires = "trust_dir")]
    root: Option<PathBuf>,
    /// Language: en or zh (default: from LANG, else en).
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// Images to scan at start, one after another.
    #[arg(value_name = "IMAGE")]
    images: Vec<PathBuf>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Paths and details may hold control characters: escape the whole chain.
            let chain = format!("{e:#}");
            eprintln!("tessera-scan: {}", tessera_core::text::printable(&chain));
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<()> {
    let trust = match (&args.trust_dir, &args.root) {
        (Some(dir), Some(root)) => TrustSource::from_dir(dir, root)
            .with_context(|| format!("cannot use the trust data in {}", dir.display()))?,
        _ => TrustSource::demo().map_err(anyhow::Error::msg)?,
    };
    let lang = match &args.lang {
        Some(tag) => Lang::from_tag(tag)
            .with_context(|| format!("unknown language {tag:?}: use en or zh"))?,
        None => std::env::var("LANG")
            .ok()
            .and_then(|l| Lang::from_tag(&l))
            .unwrap_or_default(),
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
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
