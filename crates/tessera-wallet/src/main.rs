//! `tessera-wallet`: the citizen's wallet. With a command it works on the command line;
//! without one it opens the wallet app.
#![forbid(unsafe_code)]

use std::time::Instant;

use tessera_wallet::app::{self, AppConfig};
use tessera_wallet::cli::{Cli, data_dir, exit_code, kdf_params, run};

fn main() {
    let started = Instant::now();
    let cli: Cli = parse_args();
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

/// Parses the command line; a usage error is printed as "tessera-wallet: error: ..." (exit code 2) like
/// every other error, while `--help` and `--version` print as clap prints them.
fn parse_args<C: clap::Parser>() -> C {
    C::try_parse().unwrap_or_else(|e| {
        if !e.use_stderr() {
            e.exit()
        }
        let text = e.render().to_string();
        eprint!(
            "tessera-wallet: error: {}",
            text.strip_prefix("error: ").unwrap_or(&text)
        );
        std::process::exit(2)
    })
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
