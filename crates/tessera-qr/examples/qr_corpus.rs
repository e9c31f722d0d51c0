//! The degraded-frame corpus behind `docs/qr.md`.
//!
//! ```text
//! cargo run --release -p tessera-qr --example qr_corpus -- report [PER_CELL]
//! cargo run --release -p tessera-qr --example qr_corpus -- write DIR [PER_CELL]
//! ```
//! `report` decodes every frame with this crate's pipeline and prints a Markdown table
//! (success rate, median and p90 decode time per degradation × strength) and which
//! pipeline pass succeeded. `write` saves the frames as PNG with a `manifest.tsv`
//! (file, degradation, strength, expected texts joined by `|`) for
//! `scripts/qr_reference.py`, which runs zxing-cpp on the same frames.

#[path = "../tests/corpus/mod.rs"]
mod corpus;

use std::fmt::Write as _;
use std::time::Instant;

use corpus::{Degradation, Strength};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_cell = |i: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(20u32);
    match args.first().map(String::as_str) {
        Some("report") => report(per_cell(1)),
        Some("write") => {
            let dir = args.get(1).expect("usage: write DIR [PER_CELL]");
            write(std::path::Path::new(dir), per_cell(2));
        }
        _ => eprintln!("usage: qr_corpus report [PER_CELL] | write DIR [PER_CELL]"),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

fn p90(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        0.0
    } else {
        v[(v.len() * 9 / 10).min(v.len() - 1)]
    }
}

fn report(per_cell: u32) {
    let mut table = String::from(
        "| degradation | strength | read | median ms | p90 ms | passes used |\n|---|---|---|---|---|---|\n",
    );
    let mut all_times = Vec::new();
    let mut totals = [(0u32, 0u32); 3];
    for d in Degradation::ALL {
        for s in Strength::ALL {
            let mut ok = 0;
            let mut times = Vec::new();
            let mut passes = std::collections::BTreeMap::<usize, u32>::new();
            for i in 0..per_cell {
                let case = corpus::case(d, s, i);
                let start = Instant::now();
                let found = tessera_qr::decode_luma_traced(&case.image);
                let ms = start.elapsed().as_secs_f64() * 1e3;
                times.push(ms);
                all_times.push(ms);
                if let Some((pass, texts)) = found {
                    *passes.entry(pass).or_default() += 1;
                    if case.matches(&texts) {
                        ok += 1;
                    } else {
                        eprintln!("{} {} {i}: wrong set {:?}", d.name(), s.name(), texts.len());
                    }
                } else if std::env::var_os("QR_CORPUS_VERBOSE").is_some() {
                    eprintln!("{} {} {i}: not found", d.name(), s.name());
                }
            }
            totals[s as usize].0 += ok;
            totals[s as usize].1 += per_cell;
            let passes: Vec<String> = passes.iter().map(|(p, n)| format!("{p}:{n}")).collect();
            let _ = writeln!(
                table,
                "| {} | {} | {ok}/{per_cell} ({:.0} %) | {:.1} | {:.1} | {} |",
                d.name(),
                s.name(),
                100.0 * f64::from(ok) / f64::from(per_cell),
                median(&mut times),
                p90(&mut times),
                passes.join(" ")
            );
        }
    }
    print!("{table}");
    for s in Strength::ALL {
        let (ok, n) = totals[s as usize];
        println!(
            "{}: {ok}/{n} ({:.1} %)",
            s.name(),
            100.0 * f64::from(ok) / f64::from(n)
        );
    }
    println!("all frames: median {:.1} ms", median(&mut all_times));
}

fn write(dir: &std::path::Path, per_cell: u32) {
    std::fs::create_dir_all(dir).expect("create corpus directory");
    let mut manifest = String::new();
    for d in Degradation::ALL {
        for s in Strength::ALL {
            for i in 0..per_cell {
                let case = corpus::case(d, s, i);
                let name = format!("{}_{}_{i:03}.png", d.name(), s.name());
                case.image.save(dir.join(&name)).expect("write png");
                let _ = writeln!(
                    manifest,
                    "{name}\t{}\t{}\t{}",
                    d.name(),
                    s.name(),
                    case.expected.join("|")
                );
            }
        }
    }
    std::fs::write(dir.join("manifest.tsv"), manifest).expect("write manifest");
}
