//! The wallet's command line. `main.rs` parses arguments with [`Cli`] and calls [`run`].
//!
//! Exit codes ([`EXIT_CODES`], shown by `--help`): 0 success, 1 the operation was refused
//! (wrong PIN, bad credential, …), 2 usage or file errors.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Result, anyhow};
use clap::{Parser, Subcommand, ValueEnum};
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, Purpose};
use tessera_core::keys::public_key_to_text;
use tessera_core::text::printable;
use tessera_core::{TrustList, UnixTime};
use tessera_store::{KdfParams, Secret, Store, StoreError, read_secret};

use crate::wallet::{
    BATCH_SIZE, BatchState, ImportOutcome, IssuerCheck, PendingRequest, Validity, Wallet,
    WalletError,
};

/// Environment variable with the backup passphrase (else `--passphrase-file`, else a prompt).
pub const BACKUP_PASSPHRASE_ENV: &str = "TESSERA_BACKUP_PASSPHRASE";
/// Environment variable with the new PIN for `change-pin` (else `--new-pin-file`, else a prompt).
pub const NEW_PIN_ENV: &str = "TESSERA_NEW_PIN";
/// Environment variable that selects fast, insecure key derivation. Only a build with the
/// `insecure-test-kdf` feature (the workspace's end-to-end tests) reads it; a release build
/// ignores it, and its store refuses to open a wallet made that way.
#[cfg(feature = "insecure-test-kdf")]
pub const INSECURE_KDF_ENV: &str = "TESSERA_INSECURE_TEST_KDF";

/// The exit codes and error form, as `--help` shows them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  refused: a wrong pin, a credential or trust list refused, nothing to present
  2  usage or file error: a bad command line, a file that cannot be read or written, no wallet
Errors are printed on standard error as \"tessera-wallet: error: ...\".";

/// Tessera wallet: holds your ID and shows it as a short-lived QR code.
/// Run without a command to open the wallet app.
#[derive(Debug, Parser)]
#[command(name = "tessera-wallet", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Wallet directory (default: the platform data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Read the PIN or passphrase from this file (else $TESSERA_PIN, else a prompt).
    #[arg(long, global = true, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
    /// What to do; none opens the app.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Wallet commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make this wallet's device key (creating the wallet if needed); prints the public key file.
    Keygen {
        /// Where to write the public key file (default: DIR/holder.pub).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Make an enrolment request for the issuer (creating the wallet and key if needed): writes
    /// the request file, prints its QR text ("TR1:..."), optionally writes the QR image.
    /// The same request is shown until it is answered or 30 days old.
    Request {
        /// Where to write the request (CBOR).
        #[arg(long, value_name = "REQ")]
        out: PathBuf,
        /// Also write the QR code as a PNG image.
        #[arg(long, value_name = "REQ.png")]
        png: Option<PathBuf>,
        /// Make a new request (new id) even if one is outstanding.
        #[arg(long)]
        new: bool,
        /// How many single-use credentials to ask for (1 to 64).
        #[arg(long, value_name = "N", default_value_t = BATCH_SIZE)]
        batch: u32,
    },
    /// Make the renewal request of a credential (a new batch, signed with the device key the
    /// issuer already knows): writes the request file, prints its QR text, optionally writes
    /// the QR image. `present` makes it by itself when the fresh credentials run low.
    Renew {
        /// Where to write the request (CBOR).
        #[arg(long, value_name = "REQ")]
        out: PathBuf,
        /// Also write the QR code as a PNG image.
        #[arg(long, value_name = "REQ.png")]
        png: Option<PathBuf>,
        /// Make a new request (new id) even if one is outstanding.
        #[arg(long)]
        new: bool,
        /// Which credential (see `list`), when the wallet holds several.
        #[arg(long)]
        credential: Option<String>,
    },
    /// Store a credential file or batch file issued to this wallet's device key (a batch for
    /// a credential already held joins it: a renewal).
    Import {
        /// The credential or batch file.
        credential: PathBuf,
        /// A trust list to check the issuer signature with (with --root).
        #[arg(long, requires = "root")]
        trust: Option<PathBuf>,
        /// The trust list's root public key file.
        #[arg(long)]
        root: Option<PathBuf>,
        /// Replace a different credential stored under the same id (the changes are printed).
        /// Without it such an import is refused.
        #[arg(long)]
        replace: bool,
    },
    /// Load a trust list (checked under its root key) and keep it in the wallet: imports are
    /// then checked against its issuers' keys, and `list` names them.
    Trust {
        /// The trust list file.
        list: PathBuf,
        /// The trust list's root public key file.
        #[arg(long)]
        root: PathBuf,
    },
    /// Add the demo ID from the demo issuer (creating the wallet and key if needed).
    AddDemo,
    /// List the credentials, with how many fresh single-use credentials each has left.
    List,
    /// Show one credential: holder, validity, issuer, fresh credentials, renewal request.
    Show {
        /// Which credential (see `list`), when the wallet holds several.
        #[arg(long)]
        credential: Option<String>,
    },
    /// Make a presentation with a fresh credential of the batch: prints the QR text,
    /// optionally writes the QR image; warns on standard error when the fresh ones run low.
    Present {
        /// A disclosure preset.
        #[arg(long, value_enum, conflicts_with = "items")]
        preset: Option<Preset>,
        /// Items to disclose, comma separated (e.g. family_name,id_number).
        #[arg(long, value_delimiter = ',')]
        items: Vec<String>,
        /// The code the counter shows.
        #[arg(long)]
        counter_code: Option<String>,
        /// Which credential (see `list`), when the wallet holds several.
        #[arg(long)]
        credential: Option<String>,
        /// Also write the QR code as a PNG image.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
    },
    /// Show the presentation history.
    History {
        /// Clear the history.
        #[arg(long)]
        clear: bool,
    },
    /// Change the PIN or passphrase (new one from --new-pin-file, $TESSERA_NEW_PIN or a prompt).
    ChangePin {
        /// File holding the new PIN.
        #[arg(long)]
        new_pin_file: Option<PathBuf>,
    },
    /// Write an encrypted backup (passphrase from --passphrase-file, $TESSERA_BACKUP_PASSPHRASE or a prompt).
    Backup {
        /// The backup file.
        #[arg(long)]
        out: PathBuf,
        /// File holding the backup passphrase.
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Restore a backup into a new wallet (the wallet's new PIN from --pin-file/$TESSERA_PIN).
    Restore {
        /// The backup file.
        backup: PathBuf,
        /// File holding the backup passphrase.
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
}

/// An error that is the user's input (exit code 2) rather than a refusal (exit code 1).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// The wallet directory: `--data-dir` or the platform data directory.
pub fn data_dir(cli: &Cli) -> Result<PathBuf> {
    match &cli.data_dir {
        Some(d) => Ok(d.clone()),
        None => Store::default_dir()
            .ok_or_else(|| usage("no platform data directory: pass --data-dir DIR")),
    }
}

/// Key-derivation cost for new wallets, PIN changes and backups: the recommended cost (in a
/// test build, the test cost when `TESSERA_INSECURE_TEST_KDF` is set).
pub fn kdf_params() -> KdfParams {
    #[cfg(feature = "insecure-test-kdf")]
    if std::env::var_os(INSECURE_KDF_ENV).is_some() {
        eprintln!("warning: {INSECURE_KDF_ENV} is set: test build, insecure key derivation");
        return KdfParams::insecure_for_tests();
    }
    KdfParams::recommended()
}

/// The current time.
pub fn now() -> UnixTime {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn open(cli: &Cli, create: bool) -> Result<Wallet> {
    let dir = data_dir(cli)?;
    if Wallet::exists(&dir) {
        let pin = read_secret(cli.pin_file.as_deref(), "Wallet PIN: ")?;
        Ok(Wallet::unlock_with(&dir, &pin, &mut |d| {
            eprintln!(
                "after wrong pins in a row: waiting {} s before checking this one",
                d.as_secs()
            );
            std::thread::sleep(d);
        })?)
    } else if create {
        let pin = read_secret(
            cli.pin_file.as_deref(),
            "New wallet PIN (6 digits or more): ",
        )?;
        eprintln!("creating a new wallet in {}", shown(&dir));
        Ok(Wallet::create(&dir, &pin, kdf_params())?)
    } else {
        Err(usage(format!(
            "no wallet in {}: run `tessera-wallet keygen` or `add-demo` first",
            shown(&dir)
        )))
    }
}

/// Largest file `import` reads: a credential file or a batch file.
const IMPORT_LIMIT: u64 = crate::wallet::MAX_IMPORT_LEN as u64;

/// Writes request `p` to `out` (and its QR image to `png`), says what it is on standard
/// error and prints its QR text.
fn write_request(p: &PendingRequest, out: &Path, png: Option<&Path>, kind: &str) -> Result<()> {
    tessera_fs::write_atomic(out, &p.bytes, Some(0o644))
        .map_err(|e| usage(format!("cannot write {}: {e}", shown(out))))?;
    let text = p.text();
    if let Some(path) = png {
        write_png(&text, path)?;
    }
    let count = p
        .request
        .batch_count()
        .map_or(String::new(), |n| format!(" for {n} credentials"));
    eprintln!(
        "{kind} request {}{count} made at {}, written to {}",
        p.request.id_hex(),
        p.request.created(),
        shown(out)
    );
    println!("{text}");
    Ok(())
}

/// The warning `present` prints on standard error: when the code reused a credential already
/// shown (none was fresh before), or when the fresh ones now run low.
pub fn low_warning(id: &str, before: &BatchState, after: &BatchState) -> Option<String> {
    let renew = match &after.renewal {
        Some(p) => format!(
            "hand renewal request {} to your issuer (`tessera-wallet renew --out FILE` writes it)",
            p.request.id_hex()
        ),
        None => "make a renewal request with `tessera-wallet renew --out FILE`".to_string(),
    };
    if before.fresh == 0 {
        Some(format!(
            "warning: credential {id} has no fresh single-use credential left: this code reuses one already shown, so the two verifiers could link them; {renew}"
        ))
    } else if after.low {
        Some(format!(
            "warning: credential {id} has {} fresh single-use credentials of {} left; {renew}",
            after.fresh, after.total
        ))
    } else {
        None
    }
}

fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use tessera_fs::ReadLimitedError as E;
    tessera_fs::read_limited(path, limit).map_err(|e| match e {
        E::Io(e) => usage(format!("cannot read {}: {e}", shown(path))),
        E::NotAFile => usage(format!("{} is not a regular file", shown(path))),
        E::TooLarge { len } => usage(format!(
            "{} is {len} bytes; at most {limit} are accepted",
            shown(path)
        )),
    })
}

/// A path as people read it: characters unsafe on a terminal escaped.
fn shown(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}

/// Reads the trust list `list` and its root key file `root`, checks it and keeps it in the
/// wallet.
fn load_trust(wallet: &mut Wallet, list: &Path, root: &Path) -> Result<TrustList> {
    let root_text = String::from_utf8(read_file(root, 4096)?)
        .map_err(|_| usage(format!("{} is not a key file", shown(root))))?;
    let key = tessera_core::keys::public_key_from_text(&root_text)
        .map_err(|e| usage(format!("{}: {e}", shown(root))))?;
    wallet
        .load_trust(&read_file(list, 1 << 20)?, &key)
        .map_err(|e| usage(format!("{}: {e}", shown(list))))
}

/// A second secret (new PIN, backup passphrase): `file`, else `$env`, else a prompt on a
/// terminal, else an error saying how to give it.
fn secret_from(file: Option<&Path>, env: &str, prompt: &str) -> Result<Secret> {
    if file.is_some() {
        return Ok(read_secret(file, prompt)?);
    }
    if let Ok(v) = std::env::var(env) {
        let v = zeroize::Zeroizing::new(v);
        return Ok(Secret::parse(v.trim_end_matches(['\r', '\n']))?);
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let typed = zeroize::Zeroizing::new(rpassword::prompt_password(prompt)?);
        return Ok(Secret::parse(&typed)?);
    }
    Err(usage(format!(
        "no secret given: use the --*-file option or set ${env}"
    )))
}

/// A disclosure preset of `present --preset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// Age check: only "over 18".
    Age18,
    /// Delivery: the name.
    Delivery,
    /// Hotel check-in: name, ID number and birth date.
    Checkin,
    /// Hotel check-in with the portrait, for a clerk who compares the face.
    CheckinPhoto,
    /// Everything on the ID.
    Full,
}

impl Preset {
    /// The core's preset of the same name.
    pub fn core(self) -> tessera_core::attributes::Preset {
        use tessera_core::attributes::Preset as P;
        match self {
            Preset::Age18 => P::Age18,
            Preset::Delivery => P::Delivery,
            Preset::Checkin => P::CheckIn,
            Preset::CheckinPhoto => P::CheckInPhoto,
            Preset::Full => P::Full,
        }
    }

    /// The purpose the preset stands for.
    pub fn purpose(self) -> Purpose {
        self.core().purpose()
    }
}

/// Parses a preset or item list into (items, purpose).
pub fn choose_items(preset: Option<Preset>, items: &[String]) -> Result<(Vec<AttrId>, Purpose)> {
    match (preset, items.is_empty()) {
        (Some(p), true) => Ok((p.core().items().to_vec(), p.purpose())),
        (None, false) => {
            let ids = items
                .iter()
                .map(|n| {
                    AttrId::from_name(n.trim()).ok_or_else(|| {
                        let names: Vec<&str> = AttrId::ALL.iter().map(|a| a.name()).collect();
                        usage(format!(
                            "unknown item {n:?}; items are: {}",
                            names.join(", ")
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((ids, Purpose::Custom))
        }
        _ => Err(usage(
            "choose what to disclose: --preset NAME or --items a,b,c",
        )),
    }
}

/// Writes the QR image of `text` to a PNG file.
pub fn write_png(text: &str, path: &Path) -> Result<()> {
    let symbol = tessera_qr::encode(text, &tessera_qr::EncodeOptions::default())
        .map_err(|e| anyhow!("cannot make a qr code: {e}"))?;
    symbol
        .to_image(8)
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| usage(format!("cannot write {}: {e}", shown(path))))
}

/// Runs a wallet command (not the app).
pub fn run(cli: &Cli, command: &Command) -> Result<()> {
    let mut rng = UnwrapErr(getrandom::SysRng);
    match command {
        Command::Keygen { out } => {
            let wallet = open(cli, true)?;
            let key = wallet.ensure_device_key(&mut rng)?;
            let path = match out {
                Some(p) => p.clone(),
                None => data_dir(cli)?.join("holder.pub"),
            };
            // Atomic: a link planted at that name is replaced, never written through.
            let text = public_key_to_text(&key, "Tessera wallet device key");
            tessera_fs::write_atomic(&path, text.as_bytes(), Some(0o644))
                .map_err(|e| usage(format!("cannot write {}: {e}", shown(&path))))?;
            println!("{}", shown(&path));
        }
        Command::Import {
            credential,
            trust,
            root,
            replace,
        } => {
            let mut wallet = open(cli, false)?;
            if let (Some(t), Some(r)) = (trust, root) {
                load_trust(&mut wallet, t, r)?;
            }
            let bytes = read_file(credential, IMPORT_LIMIT)?;
            let enrolment = wallet.pending_request().ok().flatten();
            let imported = match wallet.import_answering(&bytes) {
                Err(WalletError::WouldReplace { changes, .. }) if *replace => {
                    for c in &changes {
                        println!("change: {c}");
                    }
                    wallet.import_replacing(&bytes)?
                }
                other => other?,
            };
            match imported.outcome {
                ImportOutcome::Added => {
                    let s = wallet.batch_state(&imported.id)?;
                    println!(
                        "imported credential {} ({} fresh of {})",
                        imported.id, s.fresh, s.total
                    );
                }
                ImportOutcome::Unchanged => println!(
                    "credential {} is already in this wallet (the same file): nothing changed",
                    imported.id
                ),
                ImportOutcome::Replaced => println!("replaced credential {}", imported.id),
            }
            match &imported.issuer {
                IssuerCheck::Verified { issuer } => {
                    println!("issuer {} (signature checked)", printable(issuer));
                }
                _ => eprintln!(
                    "warning: the issuer is not known to this wallet, so its signature and the attributes were not checked: load its trust list with `tessera-wallet trust LIST --root ROOT`"
                ),
            }
            if let Some(p) = imported.answers {
                let kind = if Some(&p) == enrolment.as_ref() {
                    "enrolment"
                } else {
                    "renewal"
                };
                println!(
                    "it answers {kind} request {} made at {}",
                    p.request.id_hex(),
                    p.request.created()
                );
            }
        }
        Command::Request {
            out,
            png,
            new,
            batch,
        } => {
            let max = tessera_core::batch::MAX_BATCH_COUNT;
            if !(1..=max).contains(batch) {
                return Err(usage(format!(
                    "--batch {batch}: a batch holds 1 to {max} credentials"
                )));
            }
            let wallet = open(cli, true)?;
            let p = wallet.enrolment_request_batch(now(), *new, *batch, &mut rng)?;
            write_request(&p, out, png.as_deref(), "enrolment")?;
        }
        Command::Renew {
            out,
            png,
            new,
            credential,
        } => {
            let wallet = open(cli, false)?;
            let p = wallet.renewal_request(credential.as_deref(), now(), *new, &mut rng)?;
            write_request(&p, out, png.as_deref(), "renewal")?;
        }
        Command::AddDemo => {
            let wallet = open(cli, true)?;
            let id = wallet.add_demo(now(), &mut rng)?;
            println!("added the demo ID as credential {id}");
        }
        Command::Trust { list, root } => {
            let mut wallet = open(cli, false)?;
            let loaded = load_trust(&mut wallet, list, root)?;
            println!(
                "trust list {} loaded (sequence {}, {} issuers)",
                shown(list),
                loaded.sequence,
                loaded.issuers.len()
            );
        }
        Command::List => {
            let wallet = open(cli, false)?;
            let now = now();
            for (id, cred) in wallet.credentials()? {
                let a = cred.attributes();
                let name = |x| {
                    a.get(x)
                        .map(|v| printable(&v.to_string()).into_owned())
                        .unwrap_or_default()
                };
                let validity = match Validity::of(&cred, now) {
                    Validity::Valid => "valid",
                    Validity::ExpiringSoon => "expiring soon",
                    Validity::Expired => "EXPIRED",
                    Validity::NotYetValid => "not yet valid",
                };
                let s = wallet.batch_state_at(&id, now)?;
                println!(
                    "{id}\t{} {}\t{}\t{validity}\t{} fresh of {}{}",
                    name(AttrId::FamilyName),
                    name(AttrId::GivenName),
                    match wallet.issuer_check(&cred) {
                        IssuerCheck::Verified { issuer } => printable(&issuer).into_owned(),
                        IssuerCheck::Unknown => "UNKNOWN ISSUER (signature not checked)".into(),
                        IssuerCheck::BadSignature { issuer } => format!(
                            "BAD SIGNATURE (altered; claims to be from {})",
                            printable(&issuer)
                        ),
                    },
                    s.fresh,
                    s.total,
                    if s.low { " (low: renew)" } else { "" },
                );
            }
        }
        Command::Show { credential } => {
            let wallet = open(cli, false)?;
            let now = now();
            let (id, cred) = wallet.credential(credential.as_deref())?;
            let s = wallet.batch_state_at(&id, now)?;
            let c = cred.claims();
            println!("credential {id}");
            for (item, value) in cred.attributes().0.iter() {
                let shown = match value {
                    tessera_core::AttrValue::Bytes(b) => format!("{} bytes", b.len()),
                    v => printable(&v.to_string()).into_owned(),
                };
                println!("  {}: {shown}", item.name());
            }
            println!("valid from {} until {}", c.not_before, c.expires);
            match wallet.issuer_check(&cred) {
                IssuerCheck::Verified { issuer } => {
                    println!("issuer {} (signature checked)", printable(&issuer));
                }
                IssuerCheck::Unknown => println!("issuer unknown (signature not checked)"),
                IssuerCheck::BadSignature { issuer } => println!(
                    "BAD SIGNATURE (altered; claims to be from {})",
                    printable(&issuer)
                ),
            }
            println!("{} fresh of {} single-use credentials", s.fresh, s.total);
            if let Some(p) = &s.renewal {
                println!(
                    "renewal request {} made at {}: hand it to the issuer (`tessera-wallet renew --out FILE`)",
                    p.request.id_hex(),
                    p.request.created()
                );
            } else if s.low {
                println!(
                    "fresh credentials run low: make a renewal request with `tessera-wallet renew`"
                );
            }
        }
        Command::Present {
            preset,
            items,
            counter_code,
            credential,
            png,
        } => {
            let (ids, purpose) = choose_items(*preset, items)?;
            let wallet = open(cli, false)?;
            let now = now();
            let (id, _) = wallet.credential(credential.as_deref())?;
            let before = wallet.batch_state_at(&id, now)?;
            let p = wallet.present(
                Some(&id),
                &ids,
                purpose,
                counter_code.as_deref(),
                now,
                &mut rng,
            )?;
            if let Some(path) = png {
                write_png(&p.text, path)?;
            }
            let after = wallet.batch_state_at(&id, now)?;
            if let Some(warning) = low_warning(&id, &before, &after) {
                eprintln!("{warning}");
            }
            println!("{}", p.text);
        }
        Command::History { clear } => {
            let wallet = open(cli, false)?;
            if *clear {
                wallet.clear_history()?;
                println!("history cleared");
            } else {
                for h in wallet.history()? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        h.time,
                        printable(&h.purpose),
                        printable(h.counter_code.as_deref().unwrap_or("-")),
                        printable(&h.items.join(","))
                    );
                }
            }
        }
        Command::ChangePin { new_pin_file } => {
            let mut wallet = open(cli, false)?;
            let new = secret_from(new_pin_file.as_deref(), NEW_PIN_ENV, "New PIN: ")?;
            wallet.change_secret(&new, kdf_params())?;
            println!("PIN changed");
        }
        Command::Backup {
            out,
            passphrase_file,
        } => {
            let wallet = open(cli, false)?;
            let pass = secret_from(
                passphrase_file.as_deref(),
                BACKUP_PASSPHRASE_ENV,
                "Backup passphrase: ",
            )?;
            wallet.backup(out, &pass, kdf_params())?;
            println!("backup written to {}", shown(out));
        }
        Command::Restore {
            backup,
            passphrase_file,
        } => {
            let dir = data_dir(cli)?;
            let pass = secret_from(
                passphrase_file.as_deref(),
                BACKUP_PASSPHRASE_ENV,
                "Backup passphrase: ",
            )?;
            let pin = read_secret(cli.pin_file.as_deref(), "New wallet PIN: ")?;
            Store::restore(backup, &pass, &dir, &pin, kdf_params())?;
            println!("wallet restored into {}", shown(&dir));
        }
    }
    Ok(())
}

/// The exit code for an error ([`EXIT_CODES`]): 2 for usage and file errors (a file that
/// cannot be read or written, no wallet where one was asked for), 1 for refusals.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    let file_error = |e: &StoreError| {
        matches!(
            e,
            StoreError::Io(_) | StoreError::NotFound { .. } | StoreError::AlreadyExists { .. }
        )
    };
    let usage_or_file = err.chain().any(|c| {
        c.is::<UsageError>()
            || c.is::<clap::Error>()
            || c.is::<std::io::Error>()
            || c.downcast_ref::<StoreError>().is_some_and(file_error)
            || matches!(c.downcast_ref::<WalletError>(), Some(WalletError::Store(e)) if file_error(e))
    });
    if usage_or_file { 2 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_files_over_the_core_limit_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.cred");
        let limit = crate::wallet::MAX_IMPORT_LEN;
        // A batch file of the largest batch fits.
        assert!(limit >= tessera_core::batch::BATCH_FILE_MAX);
        std::fs::write(&path, vec![0u8; limit]).unwrap();
        assert_eq!(read_file(&path, IMPORT_LIMIT).unwrap().len(), limit);
        std::fs::write(&path, vec![0u8; limit + 1]).unwrap();
        let err = read_file(&path, IMPORT_LIMIT).unwrap_err();
        assert_eq!(exit_code(&err), 2);
        assert!(
            err.to_string().ends_with(&format!(
                "is {} bytes; at most {limit} are accepted",
                limit + 1
            )),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn credential_files_that_are_links_to_devices_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zero.cred");
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let err = read_file(&path, IMPORT_LIMIT).unwrap_err();
        assert_eq!(exit_code(&err), 2);
        assert!(err.to_string().ends_with("is not a regular file"), "{err}");
    }

    #[test]
    fn items_and_presets() {
        assert_eq!(
            choose_items(Some(Preset::Age18), &[]).unwrap().0,
            vec![AttrId::AgeOver18]
        );
        // Every preset has items; "custom" is no preset.
        for p in Preset::value_variants() {
            let (ids, purpose) = choose_items(Some(*p), &[]).unwrap();
            assert!(!ids.is_empty() && purpose != Purpose::Custom, "{p:?}");
        }
        assert!(Preset::from_str("custom", false).is_err());
        assert!(choose_items(None, &[]).is_err());
        let (ids, p) = choose_items(None, &["family_name".into(), "id_number".into()]).unwrap();
        assert_eq!(
            (ids, p),
            (vec![AttrId::FamilyName, AttrId::IdNumber], Purpose::Custom)
        );
        let err = choose_items(None, &["shoe_size".into()]).unwrap_err();
        assert_eq!(exit_code(&err), 2);
        assert!(err.to_string().contains("shoe_size"));
        if let Err(e) = bail_example() {
            assert_eq!(exit_code(&e), 1);
        }
    }

    fn bail_example() -> Result<()> {
        anyhow::bail!("refused")
    }

    #[test]
    fn file_errors_exit_2_and_refusals_1() {
        let missing = std::fs::read("/no/such/file").unwrap_err();
        let e = anyhow::Error::new(missing).context("cannot read /no/such/file");
        assert_eq!(exit_code(&e), 2);
        let none = StoreError::NotFound {
            path: "/no/wallet".into(),
        };
        assert_eq!(exit_code(&WalletError::Store(none).into()), 2);
        let wrong = StoreError::WrongSecret {
            failed_attempts: 1,
            next_wait: None,
        };
        assert_eq!(exit_code(&WalletError::Store(wrong).into()), 1);
        assert_eq!(exit_code(&WalletError::Empty.into()), 1);
    }
}
