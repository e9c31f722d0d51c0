//! `tessera-wallet`: the citizen's wallet. With a command it works on the command line;
//! without one it opens the wallet app.
#![forbid(unsafe_code)]

use std::time::Instant;

use clap::Parser;
use tessera_wallet::app::{self, AppConfig};
use tessera_wallet::cli::{Cli, data_dir, exit_code, kdf_params, run};

fn main() {
    let started = Instant::now();
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(command) => run(&cli, command),
        None => open_app(&cli, started),
    };
    if let Err(e) = result {
        // Messages can quote file names and file contents: escape what a terminal would obey.
        eprintln!(
            "tessera-wallet: error: {}",
            tessera_core::text::printable(&format!("{e:#}"))
        );
        std::process::exit(exit_code(&e));
    }
}

/// Opens the wallet app on the wallet directory.
fn open_app(cli: &Cli, started: Instant) -> anyhow::Result<()> {
    let mut cfg = AppConfig::new(data_dir(cli)?);
    cfg.kdf = kdf_params();
    cfg.started = started;
    #[cfg(feature = "screenshots")]
    {
        cfg.script = app::script::Script::from_env();
    }
    app::run(cfg).map_err(|e| anyhow::anyhow!("cannot open the wallet window: {e}"))?;
    #[cfg(feature = "screenshots")]
    if app::script::FAILED.load(std::sync::atomic::Ordering::SeqCst) {
        anyhow::bail!("the screenshot script found a problem (see above)");
    }
    Ok(())
}
