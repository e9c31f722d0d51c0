//! The degraded-frame corpus behind `docs/qr.md`.
//!
//! ```text
//! cargo run --release -p tessera-qr --example qr_corpus -- report [PER_CELL]
//! cargo run --release -p tessera-qr --example qr_corpus -- write DIR [PER_CELL]
//! cargo run --release -p tessera-qr --example qr_corpus -- encode
//! cargo run --release -p tessera-qr --example qr_corpus -- only DEGRADATION STRENGTH N
//! cargo run --release -p tessera-qr --example qr_corpus -- probe DEGRADATION STRENGTH N
//! cargo run --release -p tessera-qr --example qr_corpus -- save DEGRADATION STRENGTH I FILE
//! ```
//! `report` decodes every frame with this crate's pipeline and prints a Markdown table
//! (success rate, median and p90 per-thread CPU time per degradation × strength, and which
//! pipeline pass read each frame). `write` saves the frames as PNG with a `manifest.tsv`
//! (file, degradation, strength, expected texts joined by `|`) for
//! `scripts/qr_reference.py`, which runs zxing-cpp on the same frames. `encode` times
//! encode + render per payload size against `qrcode`'s own path. `only`, `probe`, `save`
//! and `cells` are tuning aids (one cell through the pipeline; single passes; one frame as
//! PNG; the multi-code cells one by one).

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
        Some("encode") => encode_timing(),
        Some("only") => only(&args[1..]),
        Some("save") => save(&args[1..]),
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
        "| degradation | strength | read | median CPU ms | p90 CPU ms | passes used |\n|---|---|---|---|---|---|\n",
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
                let start = cpu_ns();
                let found = tessera_qr::decode_luma_traced(&case.image);
                let ms = (cpu_ns() - start) as f64 / 1e6;
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
        for factor in [0, 1, 2, 3, 11, 12] {
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
        let up = image::DynamicImage::ImageLuma8(crop.clone())
            .resize_exact(1920, 1080, image::imageops::FilterType::Triangle)
            .into_luma8();
        for (name, img, bin) in [
            ("x1 hybrid", &crop, "hybrid"),
            ("x1 global", &crop, "global"),
            ("up2 hybrid", &up, "hybrid"),
            ("up2 global", &up, "global"),
        ] {
            let found = tessera_qr::decode_luma_probe(img, 1, false, bin);
            let lens: Vec<usize> = found.iter().map(String::len).collect();
            println!("cell {x},{y} {name}: {lens:?}");
        }
    }
    let exp: Vec<usize> = case.expected.iter().map(String::len).collect();
    println!("expected {exp:?}");
}

/// CPU time of this thread in nanoseconds, so that figures taken on a loaded machine are
/// not inflated by waiting for a core.
pub fn cpu_ns() -> u64 {
    cpu_time::ThreadTime::now().as_duration().as_nanos() as u64
}

/// `encode`: median CPU time of encode + render (4 px modules) per payload size, ours and
/// `qrcode` 0.14's own mask selection at the same version and level.
fn encode_timing() {
    println!(
        "| payload | symbol | encode + render (median CPU ms) | encode only | qrcode 0.14 with_bits |"
    );
    println!("|---|---|---|---|---|");
    for len in corpus::PAYLOAD_LENGTHS {
        let text = corpus::payload(&mut corpus::Rng::new(len as u64), len);
        let opts = tessera_qr::EncodeOptions::default();
        let symbol = tessera_qr::encode(&text, &opts).unwrap();
        let level = match symbol.ecc() {
            tessera_qr::Ecc::L => qrcode::EcLevel::L,
            tessera_qr::Ecc::M => qrcode::EcLevel::M,
            tessera_qr::Ecc::Q => qrcode::EcLevel::Q,
            tessera_qr::Ecc::H => qrcode::EcLevel::H,
        };
        let version = qrcode::Version::Normal(i16::from(symbol.version()));
        let measure = |f: &mut dyn FnMut()| {
            let mut v: Vec<f64> = (0..60)
                .map(|_| {
                    let t = cpu_ns();
                    f();
                    (cpu_ns() - t) as f64 / 1e6
                })
                .collect();
            median(&mut v)
        };
        let full = measure(&mut || {
            std::hint::black_box(tessera_qr::encode(&text, &opts).unwrap().to_image(4));
        });
        let enc = measure(&mut || {
            std::hint::black_box(tessera_qr::encode(&text, &opts).unwrap());
        });
        let base = measure(&mut || {
            let mut bits = qrcode::bits::Bits::new(version);
            bits.push_alphanumeric_data(text.as_bytes()).unwrap();
            bits.push_terminator(level).unwrap();
            std::hint::black_box(qrcode::QrCode::with_bits(bits, level).unwrap());
        });
        println!(
            "| {len} chars | v{} {:?} | {full:.2} | {enc:.2} | {base:.2} |",
            symbol.version(),
            symbol.ecc()
        );
    }
}

/// `only DEGRADATION STRENGTH N`: the default pipeline on one cell, with the pass used.
fn only(args: &[String]) {
    let d = Degradation::ALL
        .into_iter()
        .find(|d| d.name() == args[0])
        .expect("degradation");
    let s = Strength::ALL
        .into_iter()
        .find(|s| s.name() == args[1])
        .expect("strength");
    let n: u32 = args[2].parse().expect("count");
    let mut ok = 0;
    for i in 0..n {
        let case = corpus::case(d, s, i);
        let t = cpu_ns();
        let found = tessera_qr::decode_luma_traced(&case.image);
        let ms = (cpu_ns() - t) as f64 / 1e6;
        let good = found.as_ref().is_some_and(|f| case.matches(&f.1));
        ok += u32::from(good);
        println!("#{i}: {good} pass {:?} {ms:.1} ms", found.map(|f| f.0));
    }
    println!("{ok}/{n}");
}

/// `save DEGRADATION STRENGTH I FILE`: one frame as PNG.
#[allow(dead_code)]
fn save(args: &[String]) {
    let d = Degradation::ALL
        .into_iter()
        .find(|d| d.name() == args[0])
        .expect("degradation");
    let s = Strength::ALL
        .into_iter()
        .find(|s| s.name() == args[1])
        .expect("strength");
    let case = corpus::case(d, s, args[2].parse().expect("index"));
    case.image.save(&args[3]).expect("save");
}
