//! The degraded-frame corpus behind `docs/qr.md`.
//!
//! ```text
//! cargo run --release -p tessera-qr --example qr_corpus -- report [PER_CELL]
//! cargo run --release -p tessera-qr --example qr_corpus -- write DIR [PER_CELL]
//! cargo run --release -p tessera-qr --example qr_corpus -- encode
//! cargo run --release -p tessera-qr --example qr_corpus -- only DEGRADATION STRENGTH N
//! cargo run --release -p tessera-qr --example qr_corpus -- probe DEGRADATION STRENGTH N
//! cargo run --release -p tessera-qr --example qr_corpus -- save DEGRADATION STRENGTH I FILE
//! cargo run --release -p tessera-qr --example qr_corpus -- stream [PER_CELL] [BUDGET]
//! cargo run --release -p tessera-qr --example qr_corpus -- frames DIR
//! cargo run --release -p tessera-qr --example qr_corpus -- time DIR [REPEATS]
//! cargo run --release -p tessera-qr --example qr_corpus -- big
//! cargo run --release -p tessera-qr --example qr_corpus -- passes [big|1080] [SCENE] [SEED]
//! cargo run --release -p tessera-qr --example qr_corpus -- screen PORTRAIT [PER_CELL] [DIR]
//! ```
//! `passes` times each pipeline pass alone on a codeless scene (printed text by default),
//! 6000 × 4000 or 1920 × 1080. `screen` draws a check-in-with-photo code for two phone
//! screens, photographs them with the corpus degradations and decodes them (see
//! `scripts/qr_screen_reference.py`).
//! `big` times `decode_image` on 24-megapixel codeless photos (noise, plain white, texture,
//! printed text) and on one with a code.
//! `stream` feeds each corpus frame to the streaming `Scanner` after six codeless frames
//! and reports the frames to first read. `frames` writes the speed benchmark's frames
//! (codeless scenes and frames with a code) as PNG with a `frames.tsv`; `time` decodes
//! those PNGs with `decode_image` and prints per-thread CPU medians, for
//! `scripts/qr_speed_reference.py`, which times zxing-cpp on the same files.
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
        Some("gate") => gate(per_cell(1)),
        Some("big") => big(),
        Some("stream") => stream(per_cell(1), args.get(2).and_then(|s| s.parse().ok())),
        Some("frames") => frames(std::path::Path::new(
            args.get(1).expect("usage: frames DIR"),
        )),
        Some("time") => time(
            std::path::Path::new(args.get(1).expect("usage: time DIR [REPEATS]")),
            args.get(2).and_then(|s| s.parse().ok()).unwrap_or(15),
        ),
        Some("gateone") => {
            let d = Degradation::ALL
                .into_iter()
                .find(|d| d.name() == args[1])
                .unwrap();
            let s = Strength::ALL
                .into_iter()
                .find(|s| s.name() == args[2])
                .unwrap();
            for i in args[3..].iter().map(|a| a.parse::<u32>().unwrap()) {
                let case = corpus::case(d, s, i);
                println!(
                    "{} {} {i} {:?}",
                    args[1],
                    args[2],
                    tessera_qr::decode_luma_gate_probe(&case.image)
                );
            }
        }
        Some("passes") => passes(&args[1..]),
        Some("screen") => screen(&args[1..]),
        Some("stages") => stages(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(9)),
        Some("gatescenes") => {
            for scene in corpus::Scene::ALL {
                for (w, h) in [(1920, 1080), (1280, 720)] {
                    for seed in 0..6 {
                        let img = corpus::codeless(scene, w, h, seed);
                        println!(
                            "{} {w} {seed} {:?}",
                            scene.name(),
                            tessera_qr::decode_luma_gate_probe(&img)
                        );
                    }
                }
            }
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

/// Finder-pattern candidates per cheap layer (see `decode_luma_gate_probe`) for the frames
/// that pass 0 does not read, and for codeless frames: data for the first-pass gate.
fn gate(per_cell: u32) {
    for d in Degradation::ALL {
        for s in Strength::ALL {
            for i in 0..per_cell {
                let case = corpus::case(d, s, i);
                let traced = tessera_qr::decode_luma_traced(&case.image);
                let pass = match &traced {
                    Some((p, t)) if case.matches(t) => *p as i32,
                    _ => -1,
                };
                let probe = tessera_qr::decode_luma_gate_probe(&case.image);
                if pass != 0 || probe[0] < 3 || per_cell < 5 {
                    println!("{} {} {i} pass {pass} gate {probe:?}", d.name(), s.name());
                }
            }
        }
    }
    for scene in corpus::Scene::ALL {
        for (w, h) in [(1920, 1080), (1280, 720)] {
            for seed in 0..4 {
                let img = corpus::codeless(scene, w, h, seed);
                let start = cpu_ns();
                let found = tessera_qr::decode_luma_traced(&img);
                let ms = (cpu_ns() - start) as f64 / 1e6;
                let start = cpu_ns();
                let probe = tessera_qr::decode_luma_gate_probe(&img);
                let probe_ms = (cpu_ns() - start) as f64 / 1e6;
                println!("  probe {probe_ms:.1} ms");
                println!(
                    "codeless {} {w}x{h} {seed} found {:?} {ms:.1} ms gate {probe:?}",
                    scene.name(),
                    found.map(|f| f.0)
                );
            }
        }
    }
}

/// CPU ms per stage of the codeless path (median of `repeats`; in brackets what the stage
/// found) on the speed benchmark's codeless frames and four corpus frames that only late
/// passes read, and the whole one-shot decode: where a codeless frame's time goes.
/// The QR text of a real check-in-with-photo presentation (the `checkin-photo` preset:
/// names, birth date, ID number and the QR portrait `portrait`) from the test fixture.
fn checkin_photo_text(portrait: &[u8]) -> String {
    use tessera_core::testing::{DAY, Fixture, TEST_NOW, sample_person};
    use tessera_core::{AttrId, AttrValue, IssueParams, PresentRequest, Preset, StatusRef};
    let mut f = Fixture::new(15);
    let mut attributes = sample_person(TEST_NOW - DAY);
    attributes.set(AttrId::Portrait, AttrValue::Bytes(portrait.to_vec()));
    let params = IssueParams {
        holder: f.holder.verifying_key(),
        not_before: TEST_NOW - DAY,
        expires: TEST_NOW + 365 * DAY,
        status: StatusRef {
            list: 12,
            index: 1_234_567,
        },
        attributes,
    };
    let cred = tessera_core::issue(&f.issuer, &params, &mut f.rng).expect("issue");
    let preset = Preset::CheckInPhoto;
    let bytes = tessera_core::present(
        &cred,
        &f.holder,
        &PresentRequest {
            disclose: preset.items(),
            purpose: preset.purpose(),
            counter_code: None,
            time: TEST_NOW,
        },
        &mut f.rng,
    )
    .expect("present");
    tessera_core::text::encode(&bytes)
}

/// `screen PORTRAIT [PER_CELL] [OUT_DIR]`: a check-in-with-photo code drawn for two phone
/// screens (1080 × 2400 at 420 dpi, 720 × 1600 at 270 dpi; the code takes the width less
/// 16 dp each side, whole-pixel modules from `to_screen_image`), each screen photographed
/// PER_CELL times per degradation (mild and medium, not multi) by the corpus generator,
/// and decoded. With OUT_DIR, writes the frames and `screen.tsv` for
/// `scripts/qr_screen_reference.py` (zxing-cpp on the same frames).
fn screen(args: &[String]) {
    let portrait = std::fs::read(
        args.first()
            .expect("usage: screen PORTRAIT.webp [PER_CELL] [OUT_DIR]"),
    )
    .expect("read the portrait");
    let per_cell: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    let out = args.get(2).map(std::path::PathBuf::from);
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).expect("create the output directory");
    }
    let text = checkin_photo_text(&portrait);
    let symbol = tessera_qr::encode(&text, &tessera_qr::EncodeOptions::default()).expect("encode");
    println!(
        "checkin-photo: portrait {} B, QR text {} chars, version {} ECC {:?}, {} modules",
        portrait.len(),
        text.len(),
        symbol.version(),
        symbol.ecc(),
        symbol.width()
    );
    let mut tsv = String::new();
    for (name, w, h, dpi) in [
        ("1080x2400", 1080u32, 2400u32, 420.0),
        ("720x1600", 720, 1600, 270.0),
    ] {
        let margin = (16.0 * dpi / 160.0_f64).round() as u32;
        let code = symbol.to_screen_image(w - 2 * margin, h);
        let module_px = symbol.screen_module_px(w - 2 * margin, h);
        let side = code.width();
        // The wallet's screen: white, a status bar, a line of title above the code and the
        // disclosed items below it as dark text bars.
        let mut screen = image::GrayImage::from_pixel(w, h, image::Luma([255]));
        let (left, top) = ((w - side) / 2, h / 5);
        let mut bar = |x: u32, y: u32, bw: u32, bh: u32, v: u8| {
            for yy in y..(y + bh).min(h) {
                for xx in x..(x + bw).min(w) {
                    screen.put_pixel(xx, yy, image::Luma([v]));
                }
            }
        };
        bar(0, 0, w, h / 40, 30);
        bar(margin, top - h / 20, w / 2, h / 60, 40);
        for k in 0..4 {
            bar(
                margin,
                top + side + h / 30 + k * h / 25,
                w / 3 + k * w / 10,
                h / 70,
                60,
            );
        }
        image::imageops::overlay(&mut screen, &code, i64::from(left), i64::from(top));
        println!(
            "\n{name} at {dpi} dpi: {module_px} px a module, code {side} px wide ({margin} px margins)"
        );
        println!("| degradation | mild | medium |\n|---|---|---|");
        let mut totals = [0u32; 2];
        let mut times = Vec::new();
        for d in Degradation::ALL {
            if d == Degradation::Multi {
                continue;
            }
            let mut row = format!("| {} |", d.name());
            for (k, s) in [Strength::Mild, Strength::Medium].into_iter().enumerate() {
                let mut ok = 0;
                for i in 0..per_cell {
                    let case = corpus::photograph_screen(
                        &screen,
                        (left, top, side),
                        symbol.width() + 8,
                        &text,
                        d,
                        s,
                        i,
                    );
                    let start = cpu_ns();
                    let found = tessera_qr::decode_luma_traced(&case.image);
                    times.push((cpu_ns() - start) as f64 / 1e6);
                    let read = found.is_some_and(|(_, t)| case.matches(&t));
                    ok += u32::from(read);
                    if let Some(dir) = &out {
                        let file = format!("screen_{name}_{}_{}_{i}.png", d.name(), s.name());
                        case.image.save(dir.join(&file)).expect("write png");
                        let _ = writeln!(
                            tsv,
                            "{file}\t{name}\t{}\t{}\t{read}\t{text}",
                            d.name(),
                            s.name()
                        );
                    }
                }
                totals[k] += ok;
                let _ = write!(row, " {ok}/{per_cell} |");
            }
            println!("{row}");
        }
        let n = 9 * per_cell;
        println!(
            "| all | {}/{n} ({:.1} %) | {}/{n} ({:.1} %) |",
            totals[0],
            100.0 * f64::from(totals[0]) / f64::from(n),
            totals[1],
            100.0 * f64::from(totals[1]) / f64::from(n)
        );
        println!("median CPU per frame {:.1} ms", median(&mut times));
    }
    if let Some(dir) = &out {
        std::fs::write(dir.join("screen.tsv"), tsv).expect("write screen.tsv");
    }
}

/// CPU ms of each pipeline pass alone (its layer prepared from scratch) on a 6000 × 4000
/// scene (`passes big text`) or a codeless 1080p scene (`passes 1080 text`).
fn passes(args: &[String]) {
    let (w, h) = match args.first().map(String::as_str) {
        Some("big") => (6000, 4000),
        _ => (1920, 1080),
    };
    let scene = corpus::Scene::ALL
        .into_iter()
        .find(|s| Some(s.name()) == args.get(1).map(String::as_str))
        .unwrap_or(corpus::Scene::Text);
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let img = corpus::codeless(scene, w, h, seed);
    let mut total = 0.0;
    for index in 0.. {
        let start = cpu_ns();
        if tessera_qr::decode_luma_one_pass(&img, index).is_none() {
            break;
        }
        let ms = (cpu_ns() - start) as f64 / 1e6;
        total += ms;
        println!("pass {index}: {ms:.1} ms");
    }
    let start = cpu_ns();
    let passes = tessera_qr::decode_luma_passes(&img);
    let ms = (cpu_ns() - start) as f64 / 1e6;
    println!("sum of passes alone {total:.0} ms; one-shot {ms:.0} ms, {passes} passes");
}

fn stages(repeats: u32) {
    const STAGES: [&str; 10] = [
        "half",
        "pass0",
        "hybridbin_half",
        "hybrid_matrix_half",
        "gate_half",
        "gate_quarter",
        "gate_full",
        "gatebin_full",
        "gate_quarter_normal",
        "gate_full_inverted",
    ];
    println!("frame | {} | decode", STAGES.join(" | "));
    let mut frames = corpus::bench_frames();
    for (d, s, i) in [
        (Degradation::Inverted, Strength::Hard, 16),
        (Degradation::Inverted, Strength::Hard, 15),
        (Degradation::Inverted, Strength::Hard, 19),
        (Degradation::Blur, Strength::Hard, 3),
    ] {
        let case = corpus::case(d, s, i);
        let name = format!("{}_{}_{i}", d.name(), s.name());
        frames.push((name, case.image, Vec::new()));
    }
    for (name, img, expected) in frames {
        if !expected.is_empty() {
            continue;
        }
        let half = tessera_qr::decode_luma_stage_half(&img);
        let mut row = vec![name];
        for stage in STAGES {
            let mut times = Vec::new();
            let mut n = 0;
            for _ in 0..repeats {
                let start = cpu_ns();
                n = tessera_qr::decode_luma_stage(&img, &half, stage);
                times.push((cpu_ns() - start) as f64 / 1e6);
            }
            row.push(format!("{:.2} ({n})", median(&mut times)));
        }
        let mut times = Vec::new();
        for _ in 0..repeats {
            let start = cpu_ns();
            let _ = tessera_qr::decode_luma_traced(&img);
            times.push((cpu_ns() - start) as f64 / 1e6);
        }
        row.push(format!("{:.2}", median(&mut times)));
        println!("{}", row.join(" | "));
    }
}

/// Frames to first read with the streaming scanner: six codeless frames (one per scene,
/// 1080p), then the corpus frame pushed again and again (a steady hand) until it reads or
/// 16 frames pass. Prints the median and maximum per strength and the per-frame CPU cost.
fn stream(per_cell: u32, budget: Option<u32>) {
    let mut options = tessera_qr::ScanOptions::default();
    if let Some(b) = budget {
        options.budget = b;
    }
    const LIMIT: u32 = 16;
    let codeless: Vec<_> = corpus::Scene::ALL
        .into_iter()
        .enumerate()
        .map(|(k, s)| corpus::codeless(s, 1920, 1080, 100 + k as u64))
        .collect();
    println!(
        "| degradation | strength | read | median frames to first read | max | median CPU ms per frame |"
    );
    println!("|---|---|---|---|---|---|");
    let mut per_strength: Vec<Vec<f64>> = vec![Vec::new(); 3];
    let mut all_costs = Vec::new();
    for d in Degradation::ALL {
        for s in Strength::ALL {
            let (mut frames, mut costs, mut ok) = (Vec::new(), Vec::new(), 0);
            for i in 0..per_cell {
                let case = corpus::case(d, s, i);
                let mut scanner = tessera_qr::Scanner::new(options);
                for img in &codeless {
                    let _ = scanner.push_image(img);
                }
                for n in 1..=LIMIT {
                    let start = cpu_ns();
                    let found = scanner.push_image(&case.image).ok().flatten();
                    costs.push((cpu_ns() - start) as f64 / 1e6);
                    if let Some(found) = found {
                        if case.matches(&found) {
                            ok += 1;
                            frames.push(f64::from(n));
                        }
                        break;
                    }
                }
            }
            per_strength[s as usize].extend(frames.iter().copied());
            all_costs.extend(costs.iter().copied());
            let max = frames.iter().copied().fold(0.0, f64::max);
            println!(
                "| {} | {} | {ok}/{per_cell} | {} | {max} | {:.1} |",
                d.name(),
                s.name(),
                median(&mut frames),
                median(&mut costs)
            );
        }
    }
    for s in Strength::ALL {
        let v = &mut per_strength[s as usize];
        let max = v.iter().copied().fold(0.0, f64::max);
        println!(
            "{}: {} read, median {} frames to first read, max {max}",
            s.name(),
            v.len(),
            median(v)
        );
    }
    println!(
        "budget {}: median CPU per frame with a code in view {:.1} ms, p90 {:.1} ms",
        options.budget,
        median(&mut all_costs.clone()),
        p90(&mut all_costs)
    );
}

/// Writes the speed benchmark's frames as PNG plus `frames.tsv` (file, expected texts
/// joined by `|`).
fn frames(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("create the output directory");
    let mut tsv = String::new();
    for (name, img, expected) in corpus::bench_frames() {
        let file = format!("{name}.png");
        img.save(dir.join(&file)).expect("write png");
        let _ = writeln!(tsv, "{file}\t{}", expected.join("|"));
    }
    std::fs::write(dir.join("frames.tsv"), tsv).expect("write frames.tsv");
}

/// Decodes each PNG listed in `DIR/frames.tsv` `repeats` times with `decode_image` and
/// prints `file<TAB>median CPU ms<TAB>read<TAB>scanner ms` (read: the expected texts were
/// found, or none for a codeless frame; scanner ms: mean CPU per frame of a `Scanner` fed
/// the frame `repeats` × 4 times as a raw buffer).
fn time(dir: &std::path::Path, repeats: u32) {
    let list = std::fs::read_to_string(dir.join("frames.tsv")).expect("read frames.tsv");
    for line in list.lines() {
        let (file, expected) = line.split_once('\t').expect("file<TAB>texts");
        let img = image::open(dir.join(file)).expect("read png");
        let img = image::DynamicImage::ImageLuma8(img.to_luma8());
        let mut times = Vec::new();
        let mut found = Vec::new();
        for _ in 0..repeats {
            let start = cpu_ns();
            found = tessera_qr::decode_image(&img).unwrap_or_default();
            times.push((cpu_ns() - start) as f64 / 1e6);
        }
        let expected: Vec<&str> = expected.split('|').filter(|t| !t.is_empty()).collect();
        let read =
            found.len() == expected.len() && expected.iter().all(|e| found.iter().any(|f| f == e));
        // The streaming scanner on the same frame held in view, raw buffer in as from a
        // camera: mean CPU per frame over whole cycles of its full-resolution probe.
        let luma = img.to_luma8();
        let mut scanner = tessera_qr::Scanner::default();
        let frames = repeats.max(1) * tessera_qr::FULL_PROBE_EVERY;
        let start = cpu_ns();
        for _ in 0..frames {
            let _ = scanner.push_frame(luma.as_raw(), luma.width(), luma.height());
        }
        let scanner_ms = (cpu_ns() - start) as f64 / 1e6 / f64::from(frames);
        println!("{file}\t{:.2}\t{read}\t{scanner_ms:.2}", median(&mut times));
    }
}

/// One-shot decode of 6000 × 4000 frames: per-thread CPU ms, median of 3.
fn big() {
    let (w, h) = (6000, 4000);
    let mut rng = corpus::Rng::new(24);
    let mut frames = vec![
        (
            "noise",
            image::GrayImage::from_fn(w, h, |_, _| image::Luma([rng.next_u64() as u8])),
        ),
        (
            "white",
            image::GrayImage::from_pixel(w, h, image::Luma([255])),
        ),
        ("texture", corpus::codeless(corpus::Scene::Texture, w, h, 0)),
        ("text", corpus::codeless(corpus::Scene::Text, w, h, 0)),
    ];
    let case = corpus::case(Degradation::Rotation, Strength::Mild, 0);
    let mut with_code = image::GrayImage::from_pixel(w, h, image::Luma([128]));
    image::imageops::overlay(&mut with_code, &case.image, 2000, 1500);
    frames.push(("1080p code inside", with_code));
    for (name, frame) in frames {
        let img = image::DynamicImage::ImageLuma8(frame);
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..if std::env::var_os("QR_BIG_ONCE").is_some() {
            1
        } else {
            3
        } {
            let start = cpu_ns();
            found = tessera_qr::decode_image(&img).map(|t| t.len()).unwrap_or(0);
            times.push((cpu_ns() - start) as f64 / 1e6);
        }
        println!(
            "24 Mpx {name}: {:.0} ms, {found} codes, gate probe {:?}",
            median(&mut times),
            tessera_qr::decode_luma_gate_probe(&img.to_luma8())
        );
    }
}
