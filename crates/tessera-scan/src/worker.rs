//! QR decoding off the UI thread: one short-lived thread per image ([`Background`]).

use std::path::PathBuf;

use tessera_qr::DecodeError;
use tessera_ui::Background;

/// The outcome of decoding one image.
#[derive(Debug)]
pub enum Decoded {
    /// The QR texts found (at least one).
    Texts(Vec<String>),
    /// Why the image gave none.
    Failed(DecodeError),
    /// The decoder panicked or its thread ended without an answer.
    Crashed(String),
}

/// A decode running on its own thread.
#[derive(Debug)]
pub struct Job {
    /// The image being decoded.
    pub path: PathBuf,
    task: Background<Result<Vec<String>, DecodeError>>,
}

impl Job {
    /// Starts decoding `path` and asks `ctx` for a repaint when done. The file is read with
    /// [`tessera_qr::decode_file`], which refuses oversized files and images before decoding.
    pub fn spawn(path: PathBuf, ctx: &egui::Context) -> Job {
        let p = path.clone();
        let task = Background::spawn("tessera-scan-decode", ctx, move || {
            tessera_qr::decode_file(&p)
        });
        Job { path, task }
    }

    /// The outcome, once there is one.
    pub fn poll(&self) -> Option<Decoded> {
        Some(match self.task.poll()? {
            Ok(Ok(texts)) if !texts.is_empty() => Decoded::Texts(texts),
            Ok(Ok(_)) => Decoded::Crashed("the decoder returned no text".into()),
            Ok(Err(e)) => Decoded::Failed(e),
            Err(failure) => Decoded::Crashed(format!("the decoder {failure}")),
        })
    }
}
