//! `tessera-issuer`: the issuing authority's command-line tool. See docs/issuer.md.
//!
//! Exit codes ([`EXIT_CODES`], shown by `--help`): 0 success; 1 refused; 2 usage or file
//! error; 3 a batch finished but some records were refused (see errors.jsonl).
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tessera_core::keys::{secret_key_from_text, to_hex};
use tessera_core::text::printable;
use tessera_issuer::{
    BatchOptions, BatchProgress, InitOptions, IssueOptions, Issuer, KdfParams, PASSPHRASE_ENV,
    Passphrase, PublishOptions, RequestPolicy, StatusAction, check_request_with, init,
    make_request, now_unix, parse_person_json, read_public_key, read_request_arg,
    write_private_file,
};

/// The exit codes and error form, as `--help` shows them.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  refused: a person file, holder key or request refused, a wrong passphrase, an
     operation the issuer folder does not allow
  2  usage or file error: a bad command line or option value, a file that cannot be read or
     written, an output that exists without --force, a folder that is not an issuer folder
  3  issue-batch finished, but some records were refused (see errors.jsonl)
Errors are printed on standard error as \"tessera-issuer: error: ...\".";

#[derive(Parser)]
#[command(
    name = "tessera-issuer",
    version,
    after_help = EXIT_CODES,
    about = "Tessera issuing authority: keys, credentials, revocation, publishing"
)]
struct Cli {
    /// Read the passphrase of sealed keys from this file (first line); or set
    /// TESSERA_ISSUER_PASSPHRASE.
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Use this Unix time as now (for tests and reproducible demos).
    #[arg(long, global = true, hide = true, value_name = "UNIX")]
    now: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct DirArg {
    /// The issuer folder.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Create an issuer folder: issuer key, trust-list root key, signed trust list, state.
    Init {
        #[command(flatten)]
        dir: DirArg,
        /// Issuer identifier in the trust list and status lists.
        #[arg(long, default_value = "demo.tessera")]
        issuer_id: String,
        /// Issuer name shown to people.
        #[arg(long, default_value = "Demo City ID Office")]
        name: String,
        /// Replace an existing issuer folder (destroys its keys).
        #[arg(long)]
        force: bool,
        /// Entries per status list.
        #[arg(long, default_value_t = 1_000_000)]
        list_size: u32,
        /// Status-list time-to-live in seconds.
        #[arg(long, default_value_t = 86_400)]
        status_ttl: u64,
        /// Trust-list validity in seconds.
        #[arg(long, default_value_t = 30 * 86_400)]
        trust_ttl: u64,
        /// Longest credential validity in days.
        #[arg(long, default_value_t = 3650)]
        max_validity_days: u64,
        /// Argon2id memory in MiB for sealed keys (with a passphrase).
        #[arg(long, default_value_t = 64)]
        kdf_mib: u32,
    },
    /// Issue one credential, or a batch for a request that asks for one.
    ///
    /// A request with a batch field gets a batch file of single-use credentials. Without
    /// --attributes (or with --renew), a request from a device key in the register is renewed
    /// from the attributes stored there.
    Issue {
        #[command(flatten)]
        dir: DirArg,
        /// The holder's public key file.
        #[arg(
            long,
            value_name = "FILE",
            conflicts_with = "request",
            required_unless_present = "request"
        )]
        holder_key: Option<PathBuf>,
        /// An enrolment request (device key with proof of possession, from
        /// `tessera-wallet request`): its file, or its "TR1:" text as scanned.
        #[arg(long, value_name = "FILE_OR_TEXT")]
        request: Option<String>,
        /// The person's attributes (JSON). Without it, a request from a device key in the
        /// register is a renewal from the attributes stored there.
        #[arg(long, value_name = "PERSON.json")]
        attributes: Option<PathBuf>,
        /// Renew: issue from the attributes in the register for the request's device key (no
        /// person file, no new identity check: the request proves the known key).
        #[arg(long, requires = "request", conflicts_with = "attributes")]
        renew: bool,
        /// Where to write the credential or batch file (a new file, mode 0600).
        #[arg(long, value_name = "CRED")]
        out: PathBuf,
        /// Replace the --out file if it exists.
        #[arg(long)]
        force: bool,
        /// Validity in days.
        #[arg(long, default_value_t = 365 * 5)]
        valid_days: u64,
        /// Start of validity, Unix time (default now).
        #[arg(long, value_name = "UNIX")]
        not_before: Option<u64>,
    },
    /// Issue credentials for every line of a JSON Lines file (resumable).
    IssueBatch {
        #[command(flatten)]
        dir: DirArg,
        /// The records, one JSON object per line.
        #[arg(long, value_name = "FILE.jsonl")]
        requests: PathBuf,
        /// Output folder (credentials.jsonl, errors.jsonl, journal.log).
        #[arg(long, value_name = "OUTDIR")]
        out: PathBuf,
        /// Validity in days.
        #[arg(long, default_value_t = 365 * 5)]
        valid_days: u64,
        /// Start of validity, Unix time (default: when each chunk is issued).
        #[arg(long, value_name = "UNIX")]
        not_before: Option<u64>,
        /// Lines per chunk (one fsync per chunk).
        #[arg(long, default_value_t = 1000)]
        chunk: usize,
        /// Signing threads (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Oldest accepted request, in days.
        #[arg(long, default_value_t = 90)]
        max_request_age_days: u64,
    },
    /// Check an enrolment request (a file, or its "TR1:" text).
    CheckRequest {
        /// The request file, or its "TR1:" text.
        #[arg(value_name = "FILE_OR_TEXT")]
        request: String,
        /// Oldest accepted request, in days.
        #[arg(long, default_value_t = 90)]
        max_request_age_days: u64,
    },
    /// Make an enrolment request from a holder secret key file, as `tessera-wallet request`
    /// does (for tests and demos).
    MakeRequest {
        /// The holder's secret key file.
        #[arg(long, value_name = "FILE")]
        holder_secret: PathBuf,
        /// Where to write the request (a new file, mode 0600).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace the --out file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Revoke credentials (permanent).
    Revoke {
        #[command(flatten)]
        dir: DirArg,
        /// Every credential of every batch of this citizen (device key in hex, or the
        /// id_number of their person file).
        #[arg(long, value_name = "ID_NUMBER_OR_DEVICE_KEY_HEX")]
        citizen: Option<String>,
        /// Credential ids, LIST-INDEX.
        #[arg(required_unless_present = "citizen")]
        ids: Vec<String>,
    },
    /// Suspend credentials (until reinstated).
    Suspend {
        #[command(flatten)]
        dir: DirArg,
        /// Every credential of every batch of this citizen (device key in hex, or the
        /// id_number of their person file).
        #[arg(long, value_name = "ID_NUMBER_OR_DEVICE_KEY_HEX")]
        citizen: Option<String>,
        /// Credential ids, LIST-INDEX.
        #[arg(required_unless_present = "citizen")]
        ids: Vec<String>,
    },
    /// Reinstate suspended credentials.
    Reinstate {
        #[command(flatten)]
        dir: DirArg,
        /// Also undo revocations (for a revocation made by mistake).
        #[arg(long)]
        undo_revocation: bool,
        /// Every credential of every batch of this citizen (device key in hex, or the
        /// id_number of their person file).
        #[arg(long, value_name = "ID_NUMBER_OR_DEVICE_KEY_HEX")]
        citizen: Option<String>,
        /// Credential ids, LIST-INDEX.
        #[arg(required_unless_present = "citizen")]
        ids: Vec<String>,
    },
    /// Write the signed trust list and status lists into a folder for a static file server.
    Publish {
        #[command(flatten)]
        dir: DirArg,
        /// The folder to publish into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Status-list time-to-live in seconds (default: the issuer folder's setting).
        #[arg(long)]
        status_ttl: Option<u64>,
        /// Trust-list validity in seconds (default: the issuer folder's setting).
        #[arg(long)]
        trust_ttl: Option<u64>,
    },
    /// Make a citizen's QR portrait (48x64 WebP, at most 500 bytes) from a photo, once: a
    /// person file that names it is issued without deriving it again (docs/portrait.md).
    Portrait {
        /// The photo: JPEG, PNG or WebP, passport style.
        #[arg(value_name = "PHOTO")]
        photo: PathBuf,
        /// Where to write the QR portrait (a new file, mode 0600).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Manage issuer keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Add a new issuer key; it becomes the signing key.
    Add {
        #[command(flatten)]
        dir: DirArg,
    },
    /// Retire a key: its window ends when the last credential it signed expires.
    Retire {
        #[command(flatten)]
        dir: DirArg,
        /// The key id (hex, from `key list`).
        kid: String,
    },
    /// Revoke a stolen or exposed key: the next trust list leaves it out, so every verifier
    /// that updates refuses the credentials it signed. Publish at once, then re-issue.
    Revoke {
        #[command(flatten)]
        dir: DirArg,
        /// The key id (hex, from `key list`).
        kid: String,
    },
    /// List the issuer keys.
    List {
        #[command(flatten)]
        dir: DirArg,
    },
}

fn passphrase(cli: &Cli) -> Result<Option<Passphrase>> {
    if let Some(p) = &cli.passphrase_file {
        return Passphrase::from_file(p)
            .map(Some)
            .with_context(|| format!("reading the passphrase file {}", p.display()));
    }
    Ok(std::env::var(PASSPHRASE_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .map(Passphrase::new))
}

fn parse_ids(ids: &[String]) -> Result<Vec<tessera_core::StatusRef>> {
    ids.iter()
        .map(|s| Ok(s.parse::<tessera_core::StatusRef>()?))
        .collect()
}

/// The ids given, and with `--citizen` every id of that citizen's batches.
fn ids_for(
    issuer: &Issuer,
    ids: &[String],
    citizen: Option<&str>,
) -> Result<Vec<tessera_core::StatusRef>> {
    let mut out = parse_ids(ids)?;
    if let Some(who) = citizen {
        out.extend(issuer.citizen_ids(who)?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn print_ids(what: &str, ids: &[tessera_core::StatusRef]) {
    for id in ids {
        println!("{what} {id} (takes effect at the next publish)");
    }
}

fn read_person(path: &Path) -> Result<tessera_core::Attributes> {
    let json = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    parse_person_json(&json, base).with_context(|| format!("{}", path.display()))
}

fn run(cli: Cli) -> Result<ExitCode> {
    let now = cli.now.unwrap_or_else(now_unix);
    let pass = passphrase(&cli)?;
    match cli.command {
        Command::Init {
            dir,
            issuer_id,
            name,
            force,
            list_size,
            status_ttl,
            trust_ttl,
            max_validity_days,
            kdf_mib,
        } => {
            let opts = InitOptions {
                issuer_id,
                name,
                force,
                now: Some(now),
                passphrase: pass,
                kdf: KdfParams {
                    m_cost_kib: kdf_mib.saturating_mul(1024),
                    ..tessera_issuer::DEFAULT_KEY_KDF
                },
                list_size,
                status_ttl,
                trust_ttl,
                max_validity_days,
                ..InitOptions::default()
            };
            let r = init(&dir.dir, &opts)?;
            println!("issuer key {}", to_hex(&r.issuer_kid));
            println!("root key {}", to_hex(r.root.as_bytes()));
            println!(
                "trust list {}",
                printable(&r.trust_list.display().to_string())
            );
        }
        Command::Issue {
            dir,
            holder_key,
            request,
            attributes,
            renew,
            out,
            force,
            valid_days,
            not_before,
        } => {
            // Refuse before a status id is spent; the write itself refuses again (O_EXCL).
            if !force && out.symlink_metadata().is_ok() {
                return Err(tessera_issuer::Error::FileExists(out).into());
            }
            let folder = match out.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if !folder.is_dir() {
                return Err(
                    Usage(format!("{}: no such folder for --out", folder.display())).into(),
                );
            }
            let mut count = None;
            let from_request = holder_key.is_none() && request.is_some();
            let holder = match (holder_key, request) {
                (Some(k), _) => read_public_key(&k)?,
                (None, Some(r)) => {
                    let req =
                        check_request_with(&read_request_arg(&r)?, now, &RequestPolicy::default())?;
                    // The credential answers this request: the wallet matches it by its key.
                    eprintln!(
                        "request {} made at {}: issuing to holder key {}",
                        req.id_hex(),
                        req.created(),
                        to_hex(req.holder().as_bytes())
                    );
                    count = req.batch_count();
                    req.holder()
                }
                (None, None) => {
                    return Err(Usage("give --holder-key or --request".into()).into());
                }
            };
            // The person file is read (and refused) before the issuer folder is opened.
            let given = match (&attributes, renew) {
                (Some(p), false) => Some(read_person(p)?),
                _ => None,
            };
            if given.is_none() && !from_request {
                return Err(Usage(
                    "give --attributes: only a request (proof of the device key) is renewed from the register".into(),
                )
                .into());
            }
            let mut issuer = Issuer::open(&dir.dir, pass)?;
            let attrs = match given {
                Some(a) => a,
                None => match issuer.registered_attributes(&holder)? {
                    Some(a) => {
                        eprintln!("renewal: attributes from the register");
                        a
                    }
                    None => {
                        return Err(tessera_issuer::Error::NotRegistered(to_hex(
                            holder.as_bytes(),
                        ))
                        .into());
                    }
                },
            };
            let opts = IssueOptions {
                valid_days,
                not_before,
                now: Some(now),
                passphrase: None,
            };
            match count {
                Some(n) => {
                    let batch = issuer.issue_batch_for(&holder, n, &attrs, &opts)?;
                    write_private_file(&out, &batch.to_vec(), force)?;
                    eprintln!("batch of {} credentials", batch.credentials.len());
                    for c in &batch.credentials {
                        println!("{}", c.claims().status);
                    }
                }
                None => {
                    // In the register too (a key file or an older wallet's request), so that
                    // --citizen reaches it and a later request from the key can renew.
                    let cred = issuer.issue_registered(&holder, &attrs, &opts)?;
                    write_private_file(&out, &cred.to_vec(), force)?;
                    println!("{}", cred.claims().status);
                }
            }
        }
        Command::IssueBatch {
            dir,
            requests,
            out,
            valid_days,
            not_before,
            chunk,
            jobs,
            max_request_age_days,
        } => {
            let mut issuer = Issuer::open(&dir.dir, pass)?;
            let jobs = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            });
            let opts = BatchOptions {
                valid_days,
                not_before,
                now: cli.now,
                chunk,
                jobs,
                policy: RequestPolicy {
                    max_age: max_request_age_days.saturating_mul(86_400),
                    ..RequestPolicy::default()
                },
            };
            let bar = if std::io::stderr().is_terminal() {
                let bar = indicatif::ProgressBar::new(0);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} lines  {per_sec}  ETA {eta}  {msg}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            } else {
                indicatif::ProgressBar::hidden()
            };
            let mut shown = 0u32;
            let b2 = bar.clone();
            let report = issuer.issue_batch(
                &requests,
                &out,
                &opts,
                &mut |p: &BatchProgress| {
                    bar.set_length(p.lines_total);
                    bar.set_position(p.lines_done);
                    bar.set_message(format!("{} issued, {} errors", p.issued, p.errors));
                },
                &mut |line, msg| {
                    shown += 1;
                    if shown <= 20 {
                        b2.suspend(|| eprintln!("line {line}: {}", printable(msg)));
                    } else if shown == 21 {
                        b2.suspend(|| eprintln!("more errors: see errors.jsonl"));
                    }
                },
            )?;
            bar.finish_and_clear();
            println!(
                "{} lines, {} issued, {} refused{}",
                report.lines,
                report.issued,
                report.errors,
                if report.resumed_at_line > 1 {
                    format!(" (resumed at line {})", report.resumed_at_line)
                } else {
                    String::new()
                }
            );
            if report.errors > 0 {
                return Ok(ExitCode::from(3));
            }
        }
        Command::CheckRequest {
            request,
            max_request_age_days,
        } => {
            let bytes = read_request_arg(&request)?;
            let policy = RequestPolicy {
                max_age: max_request_age_days.saturating_mul(86_400),
                ..RequestPolicy::default()
            };
            match check_request_with(&bytes, now, &policy) {
                Ok(r) => {
                    println!("ok: holder key {}", to_hex(r.holder().as_bytes()));
                    println!("request {}", r.id_hex());
                    println!("document type {}", printable(r.doctype()));
                    println!("made at {}", r.created());
                }
                Err(e) => {
                    // The whole chain: "request holder key refused: the public key is a weak …".
                    let chain = format!("{:#}", anyhow::Error::new(e));
                    eprintln!("refused: {}", printable(&chain));
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::MakeRequest {
            holder_secret,
            out,
            force,
        } => {
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(&holder_secret)
                    .with_context(|| format!("reading {}", holder_secret.display()))?,
            );
            let key = secret_key_from_text(&text)
                .with_context(|| format!("{}", holder_secret.display()))?;
            write_private_file(&out, &make_request(&key, now), force)?;
        }
        Command::Revoke { dir, citizen, ids } => {
            let mut issuer = Issuer::open(&dir.dir, pass)?;
            let ids = ids_for(&issuer, &ids, citizen.as_deref())?;
            issuer.set_status(&ids, StatusAction::Revoke)?;
            print_ids("revoked", &ids);
        }
        Command::Suspend { dir, citizen, ids } => {
            let mut issuer = Issuer::open(&dir.dir, pass)?;
            let ids = ids_for(&issuer, &ids, citizen.as_deref())?;
            issuer.set_status(&ids, StatusAction::Suspend)?;
            print_ids("suspended", &ids);
        }
        Command::Reinstate {
            dir,
            undo_revocation,
            citizen,
            ids,
        } => {
            let action = if undo_revocation {
                StatusAction::UndoRevocation
            } else {
                StatusAction::Reinstate
            };
            let mut issuer = Issuer::open(&dir.dir, pass)?;
            let ids = ids_for(&issuer, &ids, citizen.as_deref())?;
            issuer.set_status(&ids, action)?;
            print_ids("reinstated", &ids);
        }
        Command::Publish {
            dir,
            out,
            status_ttl,
            trust_ttl,
        } => {
            let mut issuer = Issuer::open(&dir.dir, pass)?;
            let r = issuer.publish(
                &out,
                &PublishOptions {
                    now: Some(now),
                    status_ttl,
                    trust_ttl,
                },
            )?;
            println!("trust list sequence {}", r.sequence);
            for f in r.files {
                println!("{} {} bytes", f.file, f.bytes);
            }
        }
        Command::Portrait { photo, out, force } => {
            let bytes = read_photo(&photo)?;
            let qr = tessera_issuer::portrait::derive(&bytes)
                .with_context(|| format!("photo {}", photo.display()))?;
            write_private_file(&out, &qr.webp, force)?;
            println!(
                "{}: {}x{} WebP, {} bytes",
                printable(&out.display().to_string()),
                qr.width,
                qr.height,
                qr.webp.len()
            );
        }
        Command::Key { command } => match command {
            KeyCommand::Add { dir } => {
                let kid = Issuer::open(&dir.dir, pass)?.add_key(Some(now))?;
                println!("{}", to_hex(&kid));
            }
            KeyCommand::Retire { dir, kid } => {
                let k = Issuer::open(&dir.dir, pass)?.retire_key(&kid, Some(now))?;
                println!("{} window ends {}", to_hex(&k.kid), k.not_after);
            }
            KeyCommand::Revoke { dir, kid } => {
                let mut issuer = Issuer::open(&dir.dir, pass)?;
                let k = issuer.revoke_key(&kid, Some(now))?;
                let seq = issuer.trust_list(now)?.sequence;
                println!(
                    "{} revoked: trust list {seq} leaves it out; publish it now, then re-issue the credentials it signed",
                    to_hex(&k.kid)
                );
            }
            KeyCommand::List { dir } => {
                for k in Issuer::open(&dir.dir, pass)?.keys() {
                    let state = if let Some(t) = k.revoked_at {
                        format!("revoked at {t}")
                    } else if k.signing {
                        "signing".to_string()
                    } else if let Some(t) = k.retired_at {
                        format!("retired at {t}")
                    } else {
                        "verifying".to_string()
                    };
                    println!(
                        "{} window {}..{} {state}",
                        to_hex(&k.kid),
                        k.not_before,
                        k.not_after
                    );
                }
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run(parse_args()) {
        Ok(code) => code,
        Err(e) => {
            // Paths and values in the chain may hold control characters: escape it whole.
            let chain = format!("{e:#}");
            eprintln!("tessera-issuer: error: {}", printable(&chain));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Parses the command line; a usage error is printed as "tessera-issuer: error: ..." (exit code 2) like
/// every other error, while `--help` and `--version` print as clap prints them.
fn parse_args<C: clap::Parser>() -> C {
    C::try_parse().unwrap_or_else(|e| {
        if !e.use_stderr() {
            e.exit()
        }
        let text = e.render().to_string();
        eprint!(
            "tessera-issuer: error: {}",
            text.strip_prefix("error: ").unwrap_or(&text)
        );
        std::process::exit(2)
    })
}

/// A bad command line that clap cannot see (exit code 2).
#[derive(Debug)]
struct Usage(String);

/// A photo file, at most [`tessera_issuer::portrait::MAX_PHOTO_LEN`] bytes, regular files only.
fn read_photo(path: &Path) -> Result<Vec<u8>> {
    let limit = tessera_issuer::portrait::MAX_PHOTO_LEN as u64;
    tessera_fs::read_limited(path, limit).map_err(|e| match e {
        tessera_fs::ReadLimitedError::Io(source) => {
            anyhow::Error::new(source).context(format!("photo {}", path.display()))
        }
        tessera_fs::ReadLimitedError::NotAFile => anyhow::Error::new(Usage(format!(
            "photo {} is not a regular file",
            path.display()
        ))),
        tessera_fs::ReadLimitedError::TooLarge { len } => anyhow::anyhow!(
            "photo {}: the file is {len} bytes; at most {limit} are accepted",
            path.display()
        ),
    })
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// The exit code for an error ([`EXIT_CODES`]): 2 for usage and file errors, 1 for refusals.
fn exit_code(e: &anyhow::Error) -> u8 {
    let usage_or_file = e.chain().any(|c| {
        c.is::<std::io::Error>()
            || c.is::<Usage>()
            || matches!(
                c.downcast_ref::<tessera_issuer::Error>(),
                Some(
                    tessera_issuer::Error::Io { .. }
                        | tessera_issuer::Error::BadOption(_)
                        | tessera_issuer::Error::Exists(_)
                        | tessera_issuer::Error::FileExists(_)
                        | tessera_issuer::Error::NotInitialised(_)
                )
            )
    });
    if usage_or_file { 2 } else { 1 }
}
