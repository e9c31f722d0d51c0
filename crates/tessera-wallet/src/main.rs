//! `tessera-wallet`: the citizen's wallet. With a command it works on the command line;
//! without one it opens the wallet app.
#![forbid(unsafe_code)]

use clap::Parser;
use tessera_wallet::cli::{Cli, exit_code, run};

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(command) => run(&cli, command),
        None => {
            // The app arrives with issue 5; until then, say what works.
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(exit_code(&e));
    }
}
