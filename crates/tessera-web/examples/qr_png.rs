//! Writes a QR code of a text as a PNG, for the browser tests' fake camera (tests/web/):
//! `cargo run -p tessera-web --example qr_png -- TEXT OUT.png`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [text, out] = &args[..] else {
        eprintln!("usage: qr_png TEXT OUT.png");
        return ExitCode::from(2);
    };
    let symbol = match tessera_qr::encode(text, &tessera_qr::EncodeOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qr_png: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = symbol.to_image(6).save(out) {
        eprintln!("qr_png: {out}: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
