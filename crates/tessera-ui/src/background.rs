//! Slow work off the UI thread, for both apps: one named thread per task, which sends its one
//! result back and asks egui for a repaint. A task that panics, or a thread that cannot be
//! started, gives an error message instead of taking the app down or leaving it waiting.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// A task running on its own thread.
#[derive(Debug)]
pub struct Background<T> {
    rx: Receiver<Result<T, Failure>>,
}

/// Why a task gave no result. Its text reads after the task's name: "the decoder panicked:
/// ...".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The task panicked, with this message.
    Panicked(String),
    /// Its thread could not be started.
    NoThread(String),
    /// Its thread ended without sending an answer.
    NoAnswer,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Panicked(m) => write!(f, "panicked: {m}"),
            Failure::NoThread(e) => write!(f, "could not start: {e}"),
            Failure::NoAnswer => f.write_str("stopped without an answer"),
        }
    }
}

impl<T: Send + 'static> Background<T> {
    /// Runs `work` on a new thread called `name`; `ctx` is asked to repaint when it is done.
    pub fn spawn(
        name: &str,
        ctx: &egui::Context,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Background<T> {
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        let thread_tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                // A bug on hostile input must not take the app down: catch it and report it.
                let out = std::panic::catch_unwind(AssertUnwindSafe(work))
                    .map_err(|panic| Failure::Panicked(panic_message(panic.as_ref())));
                let _ = thread_tx.send(out);
                ctx.request_repaint();
            });
        if let Err(e) = spawned {
            let _ = tx.send(Err(Failure::NoThread(e.to_string())));
        }
        Background { rx }
    }

    /// The result once there is one: a [`Failure`] when the task panicked or its thread
    /// could not start or ended without an answer.
    pub fn poll(&self) -> Option<Result<T, Failure>> {
        match self.rx.try_recv() {
            Ok(out) => Some(out),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(Failure::NoAnswer)),
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait<T: Send + 'static>(b: &Background<T>) -> Result<T, Failure> {
        let start = Instant::now();
        loop {
            if let Some(out) = b.poll() {
                return out;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no answer");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_result_comes_back_once_done() {
        let ctx = egui::Context::default();
        let b = Background::spawn("test", &ctx, || 6 * 7);
        assert_eq!(wait(&b), Ok(42));
    }

    #[test]
    fn a_panic_is_an_error_with_its_message() {
        let ctx = egui::Context::default();
        let b: Background<()> = Background::spawn("test", &ctx, || panic!("bad input {}", 7));
        let err = wait(&b).unwrap_err();
        assert_eq!(err, Failure::Panicked("bad input 7".into()));
        assert_eq!(
            format!("the decoder {err}"),
            "the decoder panicked: bad input 7"
        );
    }
}
