//! Issuance throughput and a published million-entry status list.
//!
//! Run: `CARGO_TARGET_DIR=... cargo bench -p tessera-issuer --bench issue`
//! (`TESSERA_BENCH_N` sets the size of the big batch, default 1,000,000.)
//!
//! Rates are given per wall-clock second and per second of this thread's CPU time (from
//! /proc/thread-self/schedstat), because the machine is shared: CPU time is what one core
//! delivers, wall time depends on the neighbours.

use ed25519_dalek::SigningKey;
use std::path::Path;
use std::time::Instant;
use tessera_core::keys::to_hex;
use tessera_core::{IssueParams, Status, StatusList, StatusRef, TrustList, issue};
use tessera_issuer::{
    BatchOptions, InitOptions, Issuer, OsRng, PublishOptions, StatusAction, b64, init,
    make_request, parse_person_json, read_public_key,
};

const NOW: u64 = 1_795_651_200;

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds of the whole process (all threads), from /proc/self/stat.
fn process_cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name; 100 ticks/s.
    (ticks(11) + ticks(12)) / 100.0
}

struct Clock(Instant, u64);
impl Clock {
    fn start() -> Clock {
        Clock(Instant::now(), cpu_ns())
    }
    /// (wall seconds, this thread's cpu seconds)
    fn stop(&self) -> (f64, f64) {
        (
            self.0.elapsed().as_secs_f64(),
            (cpu_ns() - self.1) as f64 / 1e9,
        )
    }
}

fn holder(i: u64) -> SigningKey {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&i.to_le_bytes());
    seed[31] = 7;
    SigningKey::from_bytes(&seed)
}

fn person(i: u64) -> String {
    format!(
        r#"{{"family_name":"林","given_name":"美华","family_name_latin":"LIN","given_name_latin":"MEIHUA","sex":2,"ethnicity":"汉","birth_date":"1990-05-17","address":"幸福路 88 号 3 单元 501 室","id_number":"1101051990{i:08}","issuing_authority":"示范市公安局"}}"#
    )
}

fn write_input(path: &Path, n: u64, requests: bool) {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let h = holder(i % 4096);
        let who = if requests {
            format!(
                r#""request":"{}""#,
                b64::encode(&make_request(&h, NOW - 60))
            )
        } else {
            format!(r#""holder_key":"{}""#, to_hex(h.verifying_key().as_bytes()))
        };
        writeln!(w, r#"{{"attributes":{},{who}}}"#, person(i)).unwrap();
    }
    w.flush().unwrap();
}

fn fresh(tmp: &Path, name: &str, list_size: u32) -> std::path::PathBuf {
    let dir = tmp.join(name);
    init(
        &dir,
        &InitOptions {
            now: Some(NOW),
            list_size,
            ..InitOptions::default()
        },
    )
    .unwrap();
    dir
}

fn batch(tmp: &Path, name: &str, n: u64, requests: bool, jobs: usize) -> (f64, f64, u64) {
    let dir = fresh(tmp, name, 1_000_000);
    let input = tmp.join(format!("{name}.jsonl"));
    write_input(&input, n, requests);
    let out = tmp.join(format!("{name}-out"));
    let mut iss = Issuer::open(&dir, None).unwrap();
    let opts = BatchOptions {
        now: Some(NOW),
        jobs,
        ..BatchOptions::default()
    };
    let c = Clock::start();
    let r = iss
        .issue_batch(&input, &out, &opts, &mut |_| {}, &mut |_, _| {})
        .unwrap();
    let (wall, cpu) = c.stop();
    assert_eq!(r.issued, n);
    let size = std::fs::metadata(out.join("credentials.jsonl"))
        .unwrap()
        .len();
    (wall, cpu, size)
}

fn main() {
    let n: u64 = std::env::var("TESSERA_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    println!("| measurement | records | wall s | per wall s | cpu s (this thread) | per cpu s |");
    println!("|---|---|---|---|---|---|");
    let row = |what: &str, k: u64, wall: f64, cpu: f64| {
        let cpu_cell = if cpu > 0.0 {
            format!("{cpu:.2} | {:.0}", k as f64 / cpu)
        } else {
            "- | -".into()
        };
        println!(
            "| {what} | {k} | {wall:.2} | {:.0} | {cpu_cell} |",
            k as f64 / wall
        );
    };

    // 1. The floor: tessera_core::issue alone (16 salts, tree, COSE_Sign1) and Ed25519 alone.
    let key = SigningKey::from_bytes(&[1; 32]);
    let attrs = parse_person_json(person(1).as_bytes(), Path::new(".")).unwrap();
    let k: u64 = 20_000;
    let c = Clock::start();
    for i in 0..k {
        let _ = ed25519_dalek::Signer::sign(&key, &i.to_le_bytes());
    }
    let (wall, cpu) = c.stop();
    row("ed25519 sign only", k, wall, cpu);
    let mut rng = OsRng::new();
    let holders: Vec<_> = (0..64).map(|i| holder(i).verifying_key()).collect();
    let c = Clock::start();
    let mut bytes = 0;
    for i in 0..k {
        let mut a = attrs.clone();
        a.compute_age_flags(NOW);
        let p = IssueParams {
            holder: holders[(i % 64) as usize],
            not_before: NOW,
            expires: NOW + 1000,
            status: StatusRef {
                list: 0,
                index: i as u32,
            },
            attributes: a,
        };
        bytes = issue(&key, &p, &mut rng).unwrap().to_vec().len();
    }
    let (wall, cpu) = c.stop();
    row("tessera_core::issue + to_vec", k, wall, cpu);

    // Components of a batch record, per record.
    let line = format!(
        r#"{{"attributes":{},"holder_key":"{}"}}"#,
        person(1),
        to_hex(holder(1).verifying_key().as_bytes())
    );
    let c = Clock::start();
    for _ in 0..k {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        std::hint::black_box(v);
    }
    let (wall, cpu) = c.stop();
    row(
        "component: serde_json::Value parse of a record line",
        k,
        wall,
        cpu,
    );
    let hex = to_hex(holder(1).verifying_key().as_bytes());
    let c = Clock::start();
    for _ in 0..k {
        let b: [u8; 32] = tessera_core::keys::from_hex(&hex).unwrap();
        std::hint::black_box(ed25519_dalek::VerifyingKey::from_bytes(&b).unwrap());
    }
    let (wall, cpu) = c.stop();
    row(
        "component: holder_key hex + point decompression",
        k,
        wall,
        cpu,
    );
    let cred = {
        let mut a = attrs.clone();
        a.compute_age_flags(NOW);
        let p = IssueParams {
            holder: holders[0],
            not_before: NOW,
            expires: NOW + 1000,
            status: StatusRef { list: 0, index: 0 },
            attributes: a,
        };
        issue(&key, &p, &mut rng).unwrap().to_vec()
    };
    let c = Clock::start();
    for _ in 0..k {
        std::hint::black_box(b64::encode(&cred));
    }
    let (wall, cpu) = c.stop();
    row("component: base64 of the credential", k, wall, cpu);

    // 2. Whole batches on one thread (parse JSON, check, reserve, sign, base64, write, fsync).
    let m = n.min(200_000);
    let (wall, cpu, size) = batch(t, "keys1", m, false, 1);
    row("issue-batch, holder_key, 1 thread", m, wall, cpu);
    let per_cred = size / m;
    let r = n.min(50_000);
    let (wall, cpu, _) = batch(t, "req1", r, true, 1);
    row("issue-batch, request (PoP verify), 1 thread", r, wall, cpu);

    // 3. The big batch on every core, then a million-entry status list.
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = fresh(t, "big", 1_000_000);
    let input = t.join("big.jsonl");
    write_input(&input, n, false);
    let out = t.join("big-out");
    let mut iss = Issuer::open(&dir, None).unwrap();
    let c = Clock::start();
    let p0 = process_cpu();
    let rep = iss
        .issue_batch(
            &input,
            &out,
            &BatchOptions {
                now: Some(NOW),
                jobs,
                ..BatchOptions::default()
            },
            &mut |_| {},
            &mut |_, _| {},
        )
        .unwrap();
    let (wall, _) = c.stop();
    let pcpu = process_cpu() - p0;
    assert_eq!(rep.issued, n);
    row(
        &format!("issue-batch, holder_key, {jobs} threads (cpu: all threads)"),
        n,
        wall,
        pcpu,
    );
    let out_size = std::fs::metadata(out.join("credentials.jsonl"))
        .unwrap()
        .len();

    // Revoke every 97th, suspend every 1001st, publish, read back.
    let list_size = iss.list_size();
    let id = |i: u64| StatusRef {
        list: (i / u64::from(list_size)) as u32,
        index: (i % u64::from(list_size)) as u32,
    };
    let revoked: Vec<StatusRef> = (0..n).step_by(97).map(id).collect();
    let suspended: Vec<StatusRef> = (1..n)
        .step_by(1001)
        .filter(|i| i % 97 != 0)
        .map(id)
        .collect();
    let c = Clock::start();
    iss.set_status(&revoked, StatusAction::Revoke).unwrap();
    iss.set_status(&suspended, StatusAction::Suspend).unwrap();
    let (mark_wall, _) = c.stop();
    let pub_dir = t.join("www");
    let c = Clock::start();
    let report = iss
        .publish(
            &pub_dir,
            &PublishOptions {
                now: Some(NOW),
                ..PublishOptions::default()
            },
        )
        .unwrap();
    let (pub_wall, _) = c.stop();
    let root = read_public_key(&dir.join("root.pub")).unwrap();
    let trust = TrustList::from_signed(
        &std::fs::read(pub_dir.join("trust-list.cbor")).unwrap(),
        &root,
    )
    .unwrap();
    let status_bytes = std::fs::read(pub_dir.join("status/0.cbor")).unwrap();
    let c = Clock::start();
    let list = StatusList::from_signed(&status_bytes, &trust).unwrap();
    let (read_wall, _) = c.stop();
    let mut counts = [0u64; 3];
    for i in 0..list.len() as u32 {
        match list.get(i).unwrap() {
            Status::Valid => counts[0] += 1,
            Status::Revoked => counts[1] += 1,
            Status::Suspended => counts[2] += 1,
            Status::Other => panic!("status 3 at {i}"),
        }
    }
    for r in &revoked {
        if r.list == 0 {
            assert_eq!(list.get(r.index), Some(Status::Revoked));
        }
    }
    for s in &suspended {
        if s.list == 0 {
            assert_eq!(list.get(s.index), Some(Status::Suspended));
        }
    }
    println!();
    println!(
        "- credential file (no portrait): {bytes} bytes; credentials.jsonl: {per_cred} bytes per record"
    );
    println!(
        "- big batch output: {out_size} bytes for {n} credentials; status ids up to {}",
        id(n - 1)
    );
    println!(
        "- status list 0: {} entries x 2 bits, {} revoked, {} suspended; signed file {} bytes; publish {:.2} s (all files), marking {:.2} s, read back (verify + inflate) {:.1} ms",
        list.len(),
        counts[1],
        counts[2],
        status_bytes.len(),
        pub_wall,
        mark_wall,
        read_wall * 1e3
    );
    for f in &report.files {
        println!("  - {} {} bytes", f.file, f.bytes);
    }
}
