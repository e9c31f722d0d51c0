//! The `tessera-verify` program: arguments, input loops and output. `main.rs` only calls
//! [`main`]. Exit codes: 0 every input valid (or no input), 1 some input invalid (or, for
//! `update`/`status`, a file refused or stale), 2 usage or file errors. See docs/verifier.md.

use crate::store::{self, DataDir, Outcome};
use crate::{Policy, StalePolicy, Verdict, Verifier, format_age};
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tessera_core::UnixTime;
use tessera_core::text::printable;

/// The exit codes and error form, as `--help` shows them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  every input valid (or no input); update and status: every file installed or fresh
  1  some input invalid; update and status: a file refused or stale
  2  usage or file error: a bad command line, a file that cannot be read, an image with no qr code
Errors are printed on standard error as \"tessera-verify: error: ...\".";

/// Longest stdin line read as one QR text; longer lines are one malformed verdict.
const MAX_LINE: usize = 8192;

/// Verifies Tessera ID presentations offline: QR text from a keyboard-wedge scanner on
/// stdin (one per line), QR images, or a folder that camera software writes images into.
#[derive(Debug, Parser)]
#[command(
    name = "tessera-verify",
    version,
    args_conflicts_with_subcommands = true,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    verify: VerifyArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Installs a newer trust list and status lists from a folder (USB stick, a copy of a
    /// web server's files): DIR/trust-list.cbor and DIR/status/*.cbor. Bad or older files are
    /// refused and the installed copy kept.
    Update {
        /// The folder to update from.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// The verifier's data directory (holds root.pub, trust-list.cbor, status/).
        #[arg(long, visible_alias = "trust", value_name = "DIR")]
        data: PathBuf,
        /// Root public key to install when the data directory has no root.pub yet; if it has
        /// one, this must be the same key.
        #[arg(long, value_name = "ROOT.pub")]
        root: Option<PathBuf>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
        /// Current time as Unix seconds (testing and operations override of the clock).
        #[arg(long, value_name = "UNIX")]
        now: Option<u64>,
    },
    /// Prints each installed file's sequence, issue time, age and freshness.
    Status {
        /// The verifier's data directory.
        #[arg(long, visible_alias = "trust", value_name = "DIR")]
        data: PathBuf,
        /// Root public key (default: DIR/root.pub).
        #[arg(long, value_name = "ROOT.pub")]
        root: Option<PathBuf>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
        /// Current time as Unix seconds (testing and operations override of the clock).
        #[arg(long, value_name = "UNIX")]
        now: Option<u64>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum StaleArg {
    /// Accept with a warning.
    Warn,
    /// Refuse with reason trust_data_stale.
    Fail,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// Trust list file (then --root is required), or a data directory holding
    /// trust-list.cbor, root.pub and status/*.cbor. Status lists are read from status/ beside
    /// the trust list.
    #[arg(long, visible_alias = "data", value_name = "TRUSTLIST|DIR")]
    trust: Option<PathBuf>,
    /// Trust-list root public key file (default with a data directory: DIR/root.pub).
    #[arg(long, value_name = "ROOT.pub")]
    root: Option<PathBuf>,
    /// Extra status list files.
    #[arg(long = "status", value_name = "FILE")]
    status_files: Vec<PathBuf>,
    /// The code this counter shows; presentations must be bound to it.
    #[arg(long, value_name = "CODE")]
    counter_code: Option<String>,
    /// Print one JSON object per verdict (JSON lines).
    #[arg(long)]
    json: bool,
    /// Keep the replay cache in this append-only file across restarts.
    #[arg(long, value_name = "FILE")]
    replay_db: Option<PathBuf>,
    /// Current time as Unix seconds (testing and operations override of the clock).
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
    /// What to do when trust or status data is stale or missing.
    #[arg(long, value_enum, default_value = "warn")]
    stale: StaleArg,
    /// Oldest acceptable trust list, in seconds (default 30 days; also stale after its
    /// next_update).
    #[arg(long, value_name = "SECS")]
    max_trust_age: Option<u64>,
    /// Oldest acceptable status list, in seconds (default: each list's own ttl).
    #[arg(long, value_name = "SECS")]
    max_status_age: Option<u64>,
    /// How long a presentation is accepted after it was made, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    lifetime: u64,
    /// Allowed clock difference, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    skew: u64,
    /// Entries the replay cache holds.
    #[arg(long, value_name = "N")]
    replay_capacity: Option<usize>,
    /// Read QR texts from stdin, one per line, until EOF (the default input).
    #[arg(long, conflicts_with_all = ["image", "watch"])]
    stdin: bool,
    /// Read QR codes from image files (PNG or JPEG).
    #[arg(long, num_args = 1.., value_name = "FILE", conflicts_with = "watch")]
    image: Vec<PathBuf>,
    /// Watch a folder for new image files and verify each once, until SIGTERM or ctrl-c.
    #[arg(long, value_name = "DIR")]
    watch: Option<PathBuf>,
    /// With --watch: verify the images in the folder now, then exit.
    #[arg(long, requires = "watch")]
    once: bool,
    /// With --watch: how often to look at the folder, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS", requires = "watch")]
    poll_ms: u64,
    /// Human output without the large PASS/FAIL letters.
    #[arg(long)]
    no_banner: bool,
}

/// Parses the command line; a usage error is printed as "tessera-verify: error: ..." (exit code 2) like
/// every other error, while `--help` and `--version` print as clap prints them.
fn parse_args<C: clap::Parser>() -> C {
    C::try_parse().unwrap_or_else(|e| {
        if !e.use_stderr() {
            e.exit()
        }
        let text = e.render().to_string();
        eprint!(
            "tessera-verify: error: {}",
            text.strip_prefix("error: ").unwrap_or(&text)
        );
        std::process::exit(2)
    })
}

/// Runs the program with the process's arguments and standard streams.
pub fn main() -> ExitCode {
    let cli: Cli = parse_args();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("tessera-verify: error: {}", printable(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

fn clock(now: Option<u64>) -> UnixTime {
    now.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

/// Runs a parsed command line; returns the exit code (errors are exit code 2).
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Some(Command::Update {
            from,
            data,
            root,
            json,
            now,
        }) => update(&from, &data, root.as_deref(), json, clock(now)),
        Some(Command::Status {
            data,
            root,
            json,
            now,
        }) => status(&data, root.as_deref(), json, clock(now)),
        None => verify(cli.verify),
    }
}

fn root_for(data: &DataDir, root: Option<&Path>) -> Result<ed25519_dalek::VerifyingKey> {
    let key = data.root_key(root);
    Ok(match root {
        Some(_) => key?,
        None => key.context(
            "the data directory has no usable root.pub; give the root key with --root ROOT.pub",
        )?,
    })
}

fn update(from: &Path, data: &Path, root: Option<&Path>, json: bool, now: UnixTime) -> Result<u8> {
    let dir = DataDir::new(data);
    let root_key = root_for(&dir, root)?;
    dir.ensure_root(&root_key)?;
    let report = dir.update_from(from, &root_key)?;
    let mut out = io::stdout().lock();
    for f in &report.files {
        let (word, detail) = match &f.outcome {
            Outcome::Installed(d) => ("installed", d.as_str()),
            Outcome::Unchanged => ("unchanged", ""),
            Outcome::Refused(d) => ("refused", d.as_str()),
        };
        if json {
            let line = json!({
                "file": f.file.display().to_string(),
                "outcome": word,
                "what": f.what,
                "issued_at": f.issued_at,
                "age": f.issued_at.map(|t| now.saturating_sub(t)),
                "detail": detail,
            });
            writeln!(out, "{line}")?;
        } else {
            let what = f.what.as_deref().unwrap_or("unreadable");
            let age = f.issued_at.map_or(String::new(), |t| {
                format!(", {} old", format_age(now.saturating_sub(t)))
            });
            let sep = if detail.is_empty() { "" } else { ": " };
            // File names and details come from the folder being read: escaped, so a name
            // holding CR or an erase-line code cannot rewrite the line.
            writeln!(
                out,
                "{:<9} {} ({}{age}){sep}{}",
                word.to_uppercase(),
                printable(&f.file.display().to_string()),
                printable(what),
                printable(detail)
            )?;
        }
    }
    if !json {
        writeln!(
            out,
            "installed now in {}:",
            printable(&data.display().to_string())
        )?;
        print_states(&mut out, &dir.states(&root_key, now), false)?;
    }
    Ok(u8::from(report.any_refused()))
}

fn status(data: &Path, root: Option<&Path>, json: bool, now: UnixTime) -> Result<u8> {
    let dir = DataDir::new(data);
    if !data.is_dir() {
        bail!("{}: not a folder", data.display());
    }
    let root_key = root_for(&dir, root)?;
    let states = dir.states(&root_key, now);
    let mut out = io::stdout().lock();
    print_states(&mut out, &states, json)?;
    if states[0].error.is_some() {
        return Ok(2);
    }
    Ok(u8::from(
        states.iter().any(|s| s.stale || s.error.is_some()),
    ))
}

fn print_states(out: &mut impl Write, states: &[store::FileState], json: bool) -> Result<()> {
    for s in states {
        if json {
            let line = json!({
                "file": s.file.display().to_string(),
                "what": s.what,
                "sequence": s.sequence,
                "issued_at": s.issued_at,
                "age": s.age,
                "fresh_until": s.fresh_until,
                "stale": s.stale,
                "error": s.error,
            });
            writeln!(out, "{line}")?;
        } else if let Some(e) = &s.error {
            writeln!(out, "  BAD    {:<28} {}", printable(&s.what), printable(e))?;
        } else {
            // A status list's ordering number is its issue time: print it once.
            let seq = match s.sequence {
                Some(n) if s.issued_at != Some(n) => format!("sequence {n}, "),
                _ => String::new(),
            };
            writeln!(
                out,
                "  {:<6} {:<28} {seq}issued at {} ({} old), fresh until {}  {}",
                if s.stale { "STALE" } else { "ok" },
                printable(&s.what),
                s.issued_at.unwrap_or(0),
                format_age(s.age.unwrap_or(0)),
                s.fresh_until.unwrap_or(0),
                printable(&s.file.display().to_string())
            )?;
        }
    }
    Ok(())
}

/// Where verdicts go, and the exit code so far.
struct Output {
    json: bool,
    banner: bool,
    any_invalid: bool,
    file_error: bool,
}

impl Output {
    fn verdict(&mut self, source: &str, v: &Verdict) -> Result<()> {
        self.any_invalid |= !v.is_valid();
        let mut out = io::stdout().lock();
        if self.json {
            let mut j = v.to_json();
            if let Value::Object(m) = &mut j {
                m.insert("source".into(), Value::String(source.into()));
            }
            writeln!(out, "{j}")?;
        } else {
            write!(out, "{}", v.to_text(self.banner))?;
            writeln!(out, "source:      {}", printable(source))?;
            writeln!(out)?;
        }
        out.flush()?;
        Ok(())
    }

    fn file_error(&mut self, e: &dyn std::fmt::Display) {
        self.file_error = true;
        eprintln!("tessera-verify: error: {}", printable(&e.to_string()));
    }

    fn code(&self) -> u8 {
        if self.file_error {
            2
        } else {
            u8::from(self.any_invalid)
        }
    }
}

fn build_verifier(a: &VerifyArgs) -> Result<Verifier> {
    let trust_arg = a.trust.as_deref().ok_or_else(|| {
        anyhow!("--trust TRUSTLIST (with --root ROOT.pub) or --trust DIR is required")
    })?;
    let (trust_file, dir) = if trust_arg.is_dir() {
        (trust_arg.join(store::TRUST_FILE), trust_arg.to_owned())
    } else {
        let parent = trust_arg
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        (trust_arg.to_owned(), parent.to_owned())
    };
    let root = match (&a.root, trust_arg.is_dir()) {
        (Some(p), true) => DataDir::new(&dir).root_key(Some(p))?,
        (Some(p), false) => store::read_root(p)?,
        (None, true) => DataDir::new(&dir)
            .root_key(None)
            .context("no --root given and the data directory has no usable root.pub")?,
        (None, false) => bail!(
            "--root ROOT.pub is required when --trust names a file (the root key is the trust anchor; it is not taken from beside the list)"
        ),
    };
    let trust = store::read_trust_list(&trust_file, &root)?;
    let counter_code = match &a.counter_code {
        None => None,
        Some(c) => Some(
            tessera_core::presentation::normalize_counter_code(c)
                .ok_or_else(|| anyhow!("--counter-code {c:?} must be 1 to 16 letters or digits"))?,
        ),
    };
    let defaults = Policy::default();
    let policy = Policy {
        lifetime: a.lifetime,
        skew: a.skew,
        counter_code,
        stale: match a.stale {
            StaleArg::Warn => StalePolicy::Warn,
            StaleArg::Fail => StalePolicy::Fail,
        },
        max_trust_age: a.max_trust_age.unwrap_or(defaults.max_trust_age),
        max_status_age: a.max_status_age,
        replay_capacity: a.replay_capacity.unwrap_or(defaults.replay_capacity),
    };
    let replay = match &a.replay_db {
        None => crate::ReplayCache::new(policy.replay_capacity),
        Some(p) => crate::ReplayCache::open(p, policy.replay_capacity, clock(a.now))
            .with_context(|| format!("{}: cannot open the replay database", p.display()))?,
    };
    let (lists, problems) = store::read_status_dir(&dir, &trust)?;
    for p in problems {
        eprintln!(
            "tessera-verify: warning: skipped {}",
            printable(&p.to_string())
        );
    }
    let mut v = Verifier::with_replay(trust, policy, replay);
    for l in lists {
        v.add_status_list(l);
    }
    for f in &a.status_files {
        v.add_status_list(store::read_status_list(f, v.trust())?);
    }
    Ok(v)
}

fn verify(a: VerifyArgs) -> Result<u8> {
    let mut v = build_verifier(&a)?;
    let mut out = Output {
        json: a.json,
        banner: !a.no_banner,
        any_invalid: false,
        file_error: false,
    };
    if let Some(dir) = &a.watch {
        watch(&mut v, &mut out, dir, &a)?;
    } else if !a.image.is_empty() {
        for path in &a.image {
            image(&mut v, &mut out, path, clock(a.now))?;
        }
    } else {
        read_stdin(&mut v, &mut out, a.now)?;
    }
    Ok(out.code())
}

fn read_stdin(v: &mut Verifier, out: &mut Output, now: Option<u64>) -> Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut buf = Vec::with_capacity(1024);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = Read::take(&mut input, MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .context("reading stdin")?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let source = format!("stdin:{line_no}");
        if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE {
            input.skip_until(b'\n').context("reading stdin")?;
            let verdict = v.malformed(
                format!("line longer than {MAX_LINE} characters"),
                clock(now),
            );
            out.verdict(&source, &verdict)?;
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        // A keyboard-wedge scanner ends each code with CR, LF or both; skip blank lines.
        if text.trim().is_empty() {
            continue;
        }
        let text = text.trim_end_matches(['\r', '\n']).to_ascii_uppercase();
        let verdict = v.check_text(&text, clock(now));
        out.verdict(&source, &verdict)?;
    }
}

fn image(v: &mut Verifier, out: &mut Output, path: &Path, now: UnixTime) -> Result<()> {
    // An image that gives no QR text (missing, not a PNG or JPEG, damaged, too large, no
    // code found) gives no verdict: it is a file error (exit code 2), not a presentation.
    match tessera_qr::decode_file(path) {
        Err(e) => out.file_error(&format!("{}: {e}", path.display())),
        Ok(texts) if texts.is_empty() => out.file_error(&format!(
            "{}: no qr code found in the image",
            path.display()
        )),
        Ok(texts) => {
            let many = texts.len() > 1;
            for (i, t) in texts.iter().enumerate() {
                let source = if many {
                    format!("{}#{}", path.display(), i + 1)
                } else {
                    path.display().to_string()
                };
                let verdict = v.check_text(t, now);
                out.verdict(&source, &verdict)?;
            }
        }
    }
    Ok(())
}

fn is_image(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

/// A file's identity for `--watch`: a new (size, mtime) is a new image.
type Stamp = (u64, Option<SystemTime>);

fn list_images(dir: &Path) -> Result<Vec<(PathBuf, Stamp)>> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))? {
        let Ok(e) = e else { continue };
        let p = e.path();
        if !is_image(&p) {
            continue;
        }
        if let Ok(m) = e.metadata()
            && m.is_file()
        {
            files.push((p, (m.len(), m.modified().ok())));
        }
    }
    files.sort();
    Ok(files)
}

fn watch(v: &mut Verifier, out: &mut Output, dir: &Path, a: &VerifyArgs) -> Result<()> {
    if !dir.is_dir() {
        bail!("{}: not a folder", dir.display());
    }
    if a.once {
        for (p, _) in list_images(dir)? {
            image(v, out, &p, clock(a.now))?;
        }
        return Ok(());
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).context("installing signal handler")?;
    }
    // Images already there are old: remember them as done.
    let mut done: HashMap<PathBuf, Stamp> = list_images(dir)?.into_iter().collect();
    if !done.is_empty() {
        eprintln!(
            "tessera-verify: watching {}; {} image(s) already there are skipped",
            printable(&dir.display().to_string()),
            done.len()
        );
    }
    // An image is read once its size and time stayed the same for one poll (camera software
    // may still be writing it).
    let mut pending: HashMap<PathBuf, Stamp> = HashMap::new();
    let poll = Duration::from_millis(a.poll_ms.max(10));
    while !stop.load(Ordering::Relaxed) {
        for (p, stamp) in list_images(dir)? {
            if done.get(&p) == Some(&stamp) {
                continue;
            }
            if pending.get(&p) == Some(&stamp) {
                pending.remove(&p);
                image(v, out, &p, clock(a.now))?;
                done.insert(p, stamp);
            } else {
                pending.insert(p, stamp);
            }
        }
        let mut waited = Duration::ZERO;
        while waited < poll && !stop.load(Ordering::Relaxed) {
            let step = Duration::from_millis(20).min(poll - waited);
            std::thread::sleep(step);
            waited += step;
        }
    }
    Ok(())
}
