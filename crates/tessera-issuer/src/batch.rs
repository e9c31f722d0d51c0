//! Resumable batch issuance from a JSON Lines file.
//!
//! Work goes in chunks of input lines. For each chunk: parse and check every record; reserve
//! status ids for the good ones and persist the reservation in the issuer state (with the
//! chunk's first line and time); sign; append the credentials and errors to their files and
//! fsync them; then append one line to the journal and fsync it. After a crash the journal
//! says which lines are done; output past the last journal line is cut off; and a chunk
//! whose reservation was persisted is redone with the same ids and time. So every record is
//! issued exactly once and no id is used twice.

use crate::b64;
use crate::error::{chain, io};
use crate::fsutil;
use crate::issuer::{Draw, Pending, ids_from, now_unix, with_age_flags};
use crate::person::PersonJson;
use crate::request::{RequestPolicy, check_request_with, read_request_field};
use crate::rng::OsRng;
use crate::{Error, Issuer};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use tessera_core::batch::{BatchParams, BatchSeed};
use tessera_core::keys::{from_hex, to_hex};
use tessera_core::{Attributes, IssueParams, StatusRef, UnixTime, issue};

/// The journal in the output folder: one line per finished chunk.
pub const JOURNAL_FILE: &str = "journal.log";
/// The issued credentials, one JSON object per line.
pub const CREDENTIALS_FILE: &str = "credentials.jsonl";
/// The records that could not be issued, one JSON object per line.
pub const ERRORS_FILE: &str = "errors.jsonl";

/// Options of [`Issuer::issue_batch`].
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Validity in days.
    pub valid_days: u64,
    /// Start of validity (default: the time each chunk is reserved).
    pub not_before: Option<UnixTime>,
    /// Now (default: the system clock, read once per chunk).
    pub now: Option<UnixTime>,
    /// Input lines per chunk (one fsync of each output file per chunk).
    pub chunk: usize,
    /// Threads that check requests and sign.
    pub jobs: usize,
    /// How old a request may be.
    pub policy: RequestPolicy,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            valid_days: 365 * 5,
            not_before: None,
            now: None,
            chunk: 1000,
            jobs: 1,
            policy: RequestPolicy::default(),
        }
    }
}

/// Progress, reported after each chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchProgress {
    /// Input lines done (including those done by an interrupted run).
    pub lines_done: u64,
    /// Input lines in the file.
    pub lines_total: u64,
    /// Credentials issued so far.
    pub issued: u64,
    /// Records refused so far.
    pub errors: u64,
}

/// What a batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Input lines in the file.
    pub lines: u64,
    /// Credentials issued (in this and earlier runs).
    pub issued: u64,
    /// Records refused (in this and earlier runs).
    pub errors: u64,
    /// The line this run started at (1 unless it resumed).
    pub resumed_at_line: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    attributes: PersonJson,
    request: Option<String>,
    holder_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    first: u64,
    end: u64,
    hash: String,
    creds_len: u64,
    errors_len: u64,
    issued: u64,
    errors: u64,
}

impl Entry {
    fn to_line(&self) -> String {
        format!(
            "chunk {} {} {} {} {} {} {}\n",
            self.first,
            self.end,
            self.hash,
            self.creds_len,
            self.errors_len,
            self.issued,
            self.errors
        )
    }

    fn parse(line: &str) -> Option<Entry> {
        let mut f = line.split(' ');
        if f.next()? != "chunk" {
            return None;
        }
        let mut n = || f.next()?.parse::<u64>().ok();
        let (first, end) = (n()?, n()?);
        let hash = f.next()?.to_string();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut n = || f.next()?.parse::<u64>().ok();
        let e = Entry {
            first,
            end,
            hash,
            creds_len: n()?,
            errors_len: n()?,
            issued: n()?,
            errors: n()?,
        };
        f.next().is_none().then_some(e)
    }
}

/// Reads the journal; a torn last line (from a crash during its write) is ignored.
/// Returns the entries and the length of the good part.
fn read_journal(path: &Path) -> Result<(Vec<Entry>, u64), Error> {
    if path.symlink_metadata().is_err() {
        return Ok((Vec::new(), 0));
    }
    let mut text = Vec::new();
    fsutil::open_private(path)
        .and_then(|mut f| f.read_to_end(&mut text))
        .map_err(io(path))?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut good = 0usize;
    while let Some(nl) = text[good..].iter().position(|&b| b == b'\n') {
        let Some(e) = std::str::from_utf8(&text[good..good + nl])
            .ok()
            .and_then(Entry::parse)
        else {
            break;
        };
        let expected = entries.last().map_or(1, |p| p.end);
        if e.first != expected || e.end <= e.first {
            return Err(Error::Batch(format!(
                "{}: chunk lines {}..{} do not follow line {expected}: the journal is damaged",
                path.display(),
                e.first,
                e.end
            )));
        }
        entries.push(e);
        good += nl + 1;
    }
    Ok((entries, good as u64))
}

/// Opens an output file (mode 0600, never through a symbolic link) and cuts it to `len`
/// (what the journal says was finished).
fn open_output(path: &Path, len: u64) -> Result<File, Error> {
    let mut f = fsutil::open_private(path).map_err(io(path))?;
    let actual = f.metadata().map_err(io(path))?.len();
    if actual < len {
        return Err(Error::Batch(format!(
            "{} is {actual} bytes but the journal records {len}: the output folder was altered",
            path.display()
        )));
    }
    if actual > len {
        f.set_len(len).map_err(io(path))?;
        f.sync_data().map_err(io(path))?;
    }
    f.seek(SeekFrom::Start(len)).map_err(io(path))?;
    Ok(f)
}

fn count_lines(path: &Path) -> Result<u64, Error> {
    let mut r = File::open(path).map_err(io(path))?;
    let mut buf = vec![0u8; 1 << 16];
    let (mut n, mut last) = (0u64, b'\n');
    loop {
        let k = r.read(&mut buf).map_err(io(path))?;
        if k == 0 {
            break;
        }
        n += buf[..k].iter().filter(|&&b| b == b'\n').count() as u64;
        last = buf[k - 1];
    }
    Ok(n + u64::from(last != b'\n'))
}

/// Maps `f` over `items` on up to `jobs` threads, keeping the order; each thread gets its own
/// state from `init`.
fn par_map<T: Sync, R: Send, S>(
    items: &[T],
    jobs: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    if jobs <= 1 || items.len() < 64 {
        let mut s = init();
        return items.iter().map(|t| f(&mut s, t)).collect();
    }
    let size = items.len().div_ceil(jobs);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|c| {
                scope.spawn(|| {
                    let mut s = init();
                    c.iter().map(|t| f(&mut s, t)).collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

struct Line {
    number: u64,
    text: Vec<u8>,
}

/// A good record: the holder (device) key, the batch size its request asks for (`None`: one
/// credential bound to the key itself), the attributes as given (for the register) and with
/// the age flags.
struct Parsed {
    holder: VerifyingKey,
    count: Option<u32>,
    given: Attributes,
    attributes: Attributes,
}

impl Parsed {
    /// How many status ids the record needs.
    fn ids(&self) -> u32 {
        self.count.unwrap_or(1)
    }
}

/// `not_before` is the single credentials' start of validity, `day_start` the batches'.
fn parse_record(
    raw: &[u8],
    base_dir: &Path,
    now: UnixTime,
    (not_before, day_start): (UnixTime, UnixTime),
    policy: &RequestPolicy,
) -> Result<Parsed, String> {
    let rec: Record = serde_json::from_slice(raw).map_err(|e| e.to_string())?;
    let mut count = None;
    let holder = match (rec.request, rec.holder_key) {
        (Some(r), None) => {
            let bytes = read_request_field(&r).map_err(|e| format!("request: {e}"))?;
            let req = check_request_with(&bytes, now, policy)
                .map_err(|e| format!("request: {}", chain(&e)))?;
            count = req.batch_count();
            req.holder()
        }
        (None, Some(h)) => {
            let bytes: [u8; 32] = from_hex(&h).ok_or("holder_key: must be 64 hex digits")?;
            tessera_core::keys::check_holder_key(&bytes).map_err(|e| format!("holder_key: {e}"))?
        }
        _ => return Err("give exactly one of \"request\" and \"holder_key\"".into()),
    };
    let given = rec
        .attributes
        .into_attributes(base_dir)
        .map_err(|e| format!("attributes: {}", chain(&e)))?;
    let start = if count.is_some() {
        day_start
    } else {
        not_before
    };
    let attributes =
        with_age_flags(given.clone(), start).map_err(|e| format!("attributes: {}", chain(&e)))?;
    Ok(Parsed {
        holder,
        count,
        given,
        attributes,
    })
}

fn trim_eol(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = b {
        b = rest;
    }
    b
}

impl Issuer {
    /// Issues a credential for every record of a JSON Lines file into `out`
    /// ([`CREDENTIALS_FILE`], [`ERRORS_FILE`], [`JOURNAL_FILE`]); resumes an interrupted run
    /// with the same `out`. Records that fail are reported to `on_error` (line number,
    /// message) and to the errors file, and do not stop the batch. See docs/issuer.md for
    /// the record format.
    pub fn issue_batch(
        &mut self,
        requests: &Path,
        out: &Path,
        opts: &BatchOptions,
        progress: &mut dyn FnMut(&BatchProgress),
        on_error: &mut dyn FnMut(u64, &str),
    ) -> Result<BatchReport, Error> {
        if opts.chunk == 0 {
            return Err(Error::BadOption("--chunk must be at least 1".into()));
        }
        let base_dir = match requests.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => Path::new(".").to_path_buf(),
        };
        let total = count_lines(requests)?;
        fsutil::create_dir(out, 0o700).map_err(io(out))?;
        let canon = fs::canonicalize(out)
            .map_err(io(out))?
            .to_string_lossy()
            .into_owned();
        let jp = out.join(JOURNAL_FILE);
        // Output files without a journal are not from an interrupted batch: never cut them.
        if jp.symlink_metadata().is_err() {
            for name in [CREDENTIALS_FILE, ERRORS_FILE] {
                let p = out.join(name);
                if p.symlink_metadata().is_ok() {
                    return Err(Error::Batch(format!(
                        "{} exists but {} does not: not an interrupted batch of this issuer; choose a new output folder",
                        p.display(),
                        JOURNAL_FILE
                    )));
                }
            }
        }
        let (entries, good_len) = read_journal(&jp)?;
        let mut journal = open_output(&jp, good_len)?;
        let last = entries.last().cloned();
        let (mut line_no, creds_len, errors_len, mut issued, mut errors) =
            last.as_ref().map_or((1, 0, 0, 0, 0), |e| {
                (e.end, e.creds_len, e.errors_len, e.issued, e.errors)
            });
        let cp = out.join(CREDENTIALS_FILE);
        let ep = out.join(ERRORS_FILE);
        let mut creds = open_output(&cp, creds_len)?;
        let mut errs = open_output(&ep, errors_len)?;
        let (mut creds_len, mut errors_len) = (creds_len, errors_len);
        let mut input =
            BufReader::with_capacity(1 << 20, File::open(requests).map_err(io(requests))?);
        let mut read_line = |buf: &mut Vec<u8>| -> Result<bool, Error> {
            buf.clear();
            Ok(input.read_until(b'\n', buf).map_err(io(requests))? > 0)
        };
        // The lines already done must be those of the interrupted run.
        let mut buf = Vec::new();
        for e in &entries {
            let mut h = Sha256::new();
            for _ in e.first..e.end {
                if !read_line(&mut buf)? {
                    return Err(Error::Batch(format!(
                        "{} is shorter than when lines {}..{} were issued: the input changed",
                        requests.display(),
                        e.first,
                        e.end
                    )));
                }
                h.update(Sha256::digest(trim_eol(&buf)));
            }
            if to_hex(&h.finalize()) != e.hash {
                return Err(Error::Batch(format!(
                    "lines {}..{} of {} changed since they were issued: use a new output folder for a new input",
                    e.first,
                    e.end,
                    requests.display()
                )));
            }
        }
        let resumed_at_line = line_no;
        let crash_at = crash_point();
        let mut chunk_no = 0u64;
        progress(&BatchProgress {
            lines_done: line_no - 1,
            lines_total: total,
            issued,
            errors,
        });
        loop {
            let first = line_no;
            let mut lines = Vec::with_capacity(opts.chunk);
            while lines.len() < opts.chunk {
                let mut text = Vec::new();
                if !read_line(&mut text)? {
                    break;
                }
                lines.push(Line {
                    number: line_no,
                    text,
                });
                line_no += 1;
            }
            if lines.is_empty() {
                break;
            }
            let pending = self
                .state
                .pending
                .clone()
                .filter(|p| p.out == canon && p.first_line == first);
            let now = match &pending {
                Some(p) => p.now,
                None => opts.now.unwrap_or_else(now_unix),
            };
            let (nbf, expires) = self.validity(opts.valid_days, opts.not_before, now)?;
            let (day_nbf, day_expires) =
                self.day_validity(opts.valid_days, opts.not_before, now)?;
            let key = self.signing_key()?.clone();
            let parsed = par_map(
                &lines,
                opts.jobs,
                || (),
                |_, l| {
                    let t = trim_eol(&l.text);
                    let digest: [u8; 32] = Sha256::digest(t).into();
                    if t.iter().all(u8::is_ascii_whitespace) {
                        return (digest, None);
                    }
                    (
                        digest,
                        Some(parse_record(
                            t,
                            &base_dir,
                            now,
                            (nbf, day_nbf),
                            &opts.policy,
                        )),
                    )
                },
            );
            let mut h = Sha256::new();
            for (d, _) in &parsed {
                h.update(d);
            }
            // Status ids for the chunk: one per credential, a batch's ids together.
            let good: u32 = parsed
                .iter()
                .map(|p| match &p.1 {
                    Some(Ok(r)) => r.ids(),
                    _ => 0,
                })
                .sum();
            let ids = match pending {
                Some(p) if p.count != good => {
                    return Err(Error::Batch(format!(
                        "lines from {first}: {} credentials were due before the interruption, {good} now: the input or its portraits changed",
                        p.count
                    )));
                }
                Some(p) if !p.ids.is_empty() => {
                    let ids = p
                        .ids
                        .iter()
                        .map(|id| id.parse())
                        .collect::<Result<Vec<StatusRef>, _>>()
                        .map_err(|e| Error::Batch(format!("the reserved ids in the state: {e}")))?;
                    self.mark_used(&ids)?;
                    ids
                }
                Some(p) => ids_from(
                    StatusRef {
                        list: p.first_list,
                        index: p.first_index,
                    },
                    p.count,
                    self.list_size(),
                ),
                None => self.allocate_draws(
                    &parsed
                        .iter()
                        .filter_map(|p| match &p.1 {
                            Some(Ok(r)) => Some(match r.count {
                                Some(n) => Draw::Random(n),
                                None => Draw::Lowest,
                            }),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                    expires.max(day_expires),
                    Some(Pending {
                        out: canon.clone(),
                        first_line: first,
                        now,
                        first_list: 0,
                        first_index: 0,
                        count: 0,
                        ids: Vec::new(),
                    }),
                )?,
            };
            chunk_no += 1;
            crash_if(&crash_at, "reserved", chunk_no);
            let mut ids = ids.into_iter();
            let mut work = Vec::with_capacity(good as usize);
            let mut out_errors: Vec<(u64, String)> = Vec::new();
            for (l, (digest, p)) in lines.iter().zip(parsed) {
                match p {
                    None => {}
                    Some(Ok(r)) => {
                        let statuses: Vec<StatusRef> =
                            ids.by_ref().take(r.ids() as usize).collect();
                        if statuses.len() != r.ids() as usize {
                            return Err(Error::Batch("status ids ran out".into()));
                        }
                        let (start, end) = match r.count {
                            Some(_) => (day_nbf, day_expires),
                            None => (nbf, expires),
                        };
                        self.record(&r.holder, &r.given, now, end, &statuses);
                        work.push(Work {
                            line: l.number,
                            digest,
                            holder: r.holder,
                            batch: r.count.is_some(),
                            not_before: start,
                            expires: end,
                            statuses,
                            attributes: r.attributes,
                        });
                    }
                    Some(Err(e)) => out_errors.push((l.number, e)),
                }
            }
            // The register names every id before anything is signed (a redone chunk records
            // the same ids once).
            if !work.is_empty() {
                self.save_register()?;
            }
            let signed = par_map(&work, opts.jobs, OsRng::new, |rng, w| {
                sign_one(&key, rng, w)
            });
            let mut cbuf = String::with_capacity(signed.len() * 1100);
            for (w, s) in work.iter().zip(signed) {
                match s {
                    Ok(line) => {
                        cbuf.push_str(&line);
                        issued += 1;
                    }
                    Err(e) => out_errors.push((w.line, e)),
                }
            }
            out_errors.sort_by_key(|e| e.0);
            let mut ebuf = String::new();
            for (n, e) in &out_errors {
                on_error(*n, e);
                ebuf.push_str(&serde_json::json!({"line": n, "error": e}).to_string());
                ebuf.push('\n');
                errors += 1;
            }
            creds.write_all(cbuf.as_bytes()).map_err(io(&cp))?;
            creds.sync_data().map_err(io(&cp))?;
            if !ebuf.is_empty() {
                errs.write_all(ebuf.as_bytes()).map_err(io(&ep))?;
                errs.sync_data().map_err(io(&ep))?;
            }
            crash_if(&crash_at, "written", chunk_no);
            creds_len += cbuf.len() as u64;
            errors_len += ebuf.len() as u64;
            let entry = Entry {
                first,
                end: line_no,
                hash: to_hex(&h.finalize()),
                creds_len,
                errors_len,
                issued,
                errors,
            };
            journal
                .write_all(entry.to_line().as_bytes())
                .map_err(io(&jp))?;
            journal.sync_data().map_err(io(&jp))?;
            crash_if(&crash_at, "journaled", chunk_no);
            progress(&BatchProgress {
                lines_done: line_no - 1,
                lines_total: total,
                issued,
                errors,
            });
        }
        if self.state.pending.as_ref().is_some_and(|p| p.out == canon) {
            self.state.pending = None;
            self.save_state()?;
        }
        Ok(BatchReport {
            lines: line_no - 1,
            issued,
            errors,
            resumed_at_line,
        })
    }
}

/// A crash point for tests: `TESSERA_ISSUER_TEST_CRASH=STAGE:CHUNK` aborts the process at
/// `STAGE` (`reserved`, `written` or `journaled`) of the CHUNK-th chunk of this run. Only
/// with the `test-crash` feature, which only the tests turn on.
#[cfg(feature = "test-crash")]
fn crash_point() -> Option<(String, u64)> {
    let v = std::env::var("TESSERA_ISSUER_TEST_CRASH").ok()?;
    let (stage, n) = v.split_once(':')?;
    Some((stage.to_string(), n.parse().ok()?))
}

/// Without the `test-crash` feature there is no crash point, whatever the environment says.
#[cfg(not(feature = "test-crash"))]
fn crash_point() -> Option<(String, u64)> {
    None
}

fn crash_if(at: &Option<(String, u64)>, stage: &str, chunk: u64) {
    if at.as_ref().is_some_and(|(s, n)| s == stage && *n == chunk) {
        std::process::abort();
    }
}

/// One good record of a chunk, with its status ids.
struct Work {
    line: u64,
    digest: [u8; 32],
    holder: VerifyingKey,
    batch: bool,
    not_before: UnixTime,
    expires: UnixTime,
    statuses: Vec<StatusRef>,
    attributes: Attributes,
}

/// Signs one record: a credential line (`"id"`, `"credential"`), or for a batch request a
/// batch line (`"ids"`, `"batch"`: the batch file).
fn sign_one(key: &SigningKey, rng: &mut OsRng, w: &Work) -> Result<String, String> {
    let unused = |e: &dyn std::error::Error| {
        let ids: Vec<String> = w.statuses.iter().map(ToString::to_string).collect();
        format!(
            "status ids {} were reserved but not used: {}",
            ids.join(" "),
            chain(e)
        )
    };
    let line = w.line;
    let sha = to_hex(&w.digest[..16]);
    if w.batch {
        let params = BatchParams {
            device: w.holder,
            not_before: w.not_before,
            expires: w.expires,
            statuses: &w.statuses,
            attributes: &w.attributes,
        };
        let batch = tessera_core::batch::issue_batch(key, BatchSeed::generate(rng), &params, rng)
            .map_err(|e| unused(&e))?;
        let ids: Vec<String> = w.statuses.iter().map(|s| format!("\"{s}\"")).collect();
        return Ok(format!(
            "{{\"line\":{line},\"line_sha256\":\"{sha}\",\"ids\":[{}],\"batch\":\"{}\"}}\n",
            ids.join(","),
            b64::encode(&batch.to_vec())
        ));
    }
    let params = IssueParams {
        holder: w.holder,
        not_before: w.not_before,
        expires: w.expires,
        status: w.statuses[0],
        attributes: w.attributes.clone(),
    };
    let cred = issue(key, &params, rng).map_err(|e| unused(&e))?;
    Ok(format!(
        "{{\"line\":{line},\"line_sha256\":\"{sha}\",\"id\":\"{}\",\"credential\":\"{}\"}}\n",
        params.status,
        b64::encode(&cred.to_vec())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_lines_round_trip_and_torn_tail_is_ignored() {
        let e = Entry {
            first: 1,
            end: 11,
            hash: "ab".repeat(32),
            creds_len: 100,
            errors_len: 0,
            issued: 10,
            errors: 0,
        };
        assert_eq!(Entry::parse(e.to_line().trim_end()), Some(e.clone()));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        let mut text = e.to_line();
        text.push_str("chunk 11 2");
        fs::write(&p, &text).unwrap();
        let (entries, good) = read_journal(&p).unwrap();
        assert_eq!(entries, vec![e.clone()]);
        assert_eq!(good, e.to_line().len() as u64);
        assert_eq!(trim_eol(b"ab\r\n"), b"ab");
    }
}
