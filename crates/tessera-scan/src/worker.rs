//! QR decoding off the UI thread: one short-lived thread per image.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use tessera_qr::DecodeError;

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
    rx: Receiver<Decoded>,
}

impl Job {
    /// Starts decoding `path` and asks `ctx` for a repaint when done. The file is read with
    /// [`tessera_qr::decode_file`], which refuses oversized files and images before decoding.
    pub fn spawn(path: PathBuf, ctx: &egui::Context) -> Job {
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        let p = path.clone();
        let spawned = std::thread::Builder::new()
            .name("tessera-scan-decode".into())
            .spawn(move || {
                // A decoder bug on hostile input must not take the app down: catch it here and
                // show it as an error.
                let out = std::panic::catch_unwind(|| tessera_qr::decode_file(&p));
                let decoded = match out {
                    Ok(Ok(texts)) if !texts.is_empty() => Decoded::Texts(texts),
                    Ok(Ok(_)) => Decoded::Crashed("the decoder returned no text".into()),
                    Ok(Err(e)) => Decoded::Failed(e),
                    Err(panic) => Decoded::Crashed(panic_message(&panic)),
                };
                let _ = tx.send(decoded);
                ctx.request_repaint();
            });
        if let Err(e) = spawned {
            let (tx, rx2) = mpsc::channel();
            let _ = tx.send(Decoded::Crashed(format!(
                "cannot start a decoder thread: {e}"
            )));
            return Job { path, rx: rx2 };
        }
        Job { path, rx }
    }

    /// The outcome, once there is one.
    pub fn poll(&self) -> Option<Decoded> {
        match self.rx.try_recv() {
            Ok(d) => Some(d),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Decoded::Crashed(
                "the decoder stopped without an answer".into(),
            )),
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let msg = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("the decoder panicked: {msg}")
}
