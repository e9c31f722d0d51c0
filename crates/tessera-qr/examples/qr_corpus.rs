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
        Some("probe") => probe(&args[1..]),
        Some("cells") => cells(per_cell(1)),
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

/// `probe DEGRADATION STRENGTH N`: for each frame the default pipeline misses, which single
/// passes would read it.
fn probe(args: &[String]) {
    let d = Degradation::ALL
        .into_iter()
        .find(|d| d.name() == args[0])
        .expect("degradation");
    let s = Strength::ALL
        .into_iter()
        .find(|s| s.name() == args[1])
        .expect("strength");
    let n: u32 = args[2].parse().expect("count");
    let mut wins = std::collections::BTreeMap::<String, (u32, f64)>::new();
    for i in 0..n {
        let case = corpus::case(d, s, i);
        for factor in [1, 2, 3] {
            for stretch in [false, true] {
                for bin in ["hybrid", "global"] {
                    let start = Instant::now();
                    let found = tessera_qr::decode_luma_probe(&case.image, factor, stretch, bin);
                    let ms = start.elapsed().as_secs_f64() * 1e3;
                    let key = format!("x{factor} stretch={stretch} {bin}");
                    let e = wins.entry(key).or_default();
                    e.1 += ms;
                    if case.matches(&found) {
                        e.0 += 1;
                    }
                }
            }
        }
    }
    for (k, (ok, ms)) in wins {
        println!("{k:40} {ok}/{n} {:.1} ms avg", ms / f64::from(n));
    }
}

/// Debug aid: decode each cell crop of a multi case.
#[allow(dead_code)]
fn cells(i: u32) {
    let case = corpus::case(Degradation::Multi, Strength::Hard, i);
    for (x, y) in [(0, 0), (960, 0), (0, 540), (960, 540)] {
        let crop = image::imageops::crop_imm(&case.image, x, y, 960, 540).to_image();
        for f in [1, 2] {
            let found = tessera_qr::decode_luma_probe(&crop, f, false, "hybrid");
            let lens: Vec<usize> = found.iter().map(String::len).collect();
            println!("cell {x},{y} x{f}: {lens:?}");
        }
    }
    let exp: Vec<usize> = case.expected.iter().map(String::len).collect();
    println!("expected {exp:?}");
}
