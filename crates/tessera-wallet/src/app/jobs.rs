//! Slow work off the UI thread: every Argon2id derivation (create, unlock, PIN change, backup,
//! restore). A job runs on its own thread, sends one [`Done`] back and asks for a repaint.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tessera_store::{KdfParams, Secret, StoreError};

use crate::wallet::{Wallet, WalletError};

/// How an unlock waits the delay after wrong PINs before it checks the PIN: the thread
/// sleeps ([`Sleeper::real`]); tests pass a recorder instead.
#[derive(Clone)]
pub struct Sleeper(Arc<dyn Fn(Duration) + Send + Sync>);

impl Sleeper {
    /// `std::thread::sleep`.
    pub fn real() -> Sleeper {
        Sleeper(Arc::new(std::thread::sleep))
    }

    /// Waits with `f` (tests record the waits).
    pub fn new(f: impl Fn(Duration) + Send + Sync + 'static) -> Sleeper {
        Sleeper(Arc::new(f))
    }

    fn wait(&self, d: Duration) {
        (self.0)(d);
    }
}

impl Default for Sleeper {
    fn default() -> Sleeper {
        Sleeper::real()
    }
}

impl std::fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleeper")
    }
}

/// Work to do off the UI thread.
pub enum Job {
    /// Create a new wallet.
    Create {
        /// Wallet directory.
        dir: PathBuf,
        /// The new PIN or passphrase.
        secret: Secret,
        /// Argon2id cost.
        params: KdfParams,
    },
    /// Unlock the wallet (waiting first after wrong PINs).
    Unlock {
        /// Wallet directory.
        dir: PathBuf,
        /// The PIN or passphrase typed.
        secret: Secret,
        /// How the delay after wrong PINs is waited.
        sleeper: Sleeper,
    },
    /// Change the PIN or passphrase of an open wallet.
    ChangeSecret {
        /// The wallet (given back in [`Done::SecretChanged`]).
        wallet: Box<Wallet>,
        /// The new secret.
        secret: Secret,
        /// Argon2id cost.
        params: KdfParams,
    },
    /// Write a backup file.
    Backup {
        /// The wallet (given back in [`Done::BackedUp`]).
        wallet: Box<Wallet>,
        /// Where.
        out: PathBuf,
        /// The backup passphrase.
        passphrase: Secret,
        /// Argon2id cost.
        params: KdfParams,
    },
    /// Restore a backup into the wallet directory, replacing the wallet there if any (the
    /// app has closed it before).
    Restore {
        /// The backup file.
        backup: PathBuf,
        /// Its passphrase.
        passphrase: Secret,
        /// Wallet directory.
        dir: PathBuf,
        /// The PIN or passphrase for the restored wallet.
        secret: Secret,
        /// Argon2id cost.
        params: KdfParams,
    },
}

/// What a job sends back.
pub enum Done {
    /// A wallet was created or unlocked.
    Opened {
        /// The wallet, or why not.
        result: Result<Wallet, WalletError>,
        /// Whether it was just created.
        created: bool,
    },
    /// The PIN change finished.
    SecretChanged(Box<Wallet>, Result<(), WalletError>),
    /// The backup finished.
    BackedUp(Box<Wallet>, Result<PathBuf, WalletError>),
    /// The restore finished.
    Restored(Result<(), WalletError>),
}

/// A job that is running.
pub struct Running {
    task: tessera_ui::Background<Done>,
}

impl Running {
    /// The result, if the job has finished.
    pub fn poll(&self) -> Option<Done> {
        Some(match self.task.poll()? {
            Ok(done) => done,
            // The thread panicked or stopped: report it as a failed job rather than spin
            // forever.
            Err(e) => Done::Restored(Err(WalletError::Store(StoreError::Corrupt {
                what: format!("internal error: the background task {e}"),
            }))),
        })
    }
}

/// Starts `job` on a new thread; `ctx` is asked to repaint when it is done.
pub fn spawn(job: Job, ctx: &egui::Context) -> Running {
    Running {
        task: tessera_ui::Background::spawn("tessera-wallet-job", ctx, move || run(job)),
    }
}

fn run(job: Job) -> Done {
    match job {
        Job::Create {
            dir,
            secret,
            params,
        } => Done::Opened {
            result: Wallet::create(&dir, &secret, params),
            created: true,
        },
        Job::Unlock {
            dir,
            secret,
            sleeper,
        } => Done::Opened {
            result: Wallet::unlock_with(&dir, &secret, &mut |d| sleeper.wait(d)),
            created: false,
        },
        Job::ChangeSecret {
            mut wallet,
            secret,
            params,
        } => {
            let r = wallet.change_secret(&secret, params);
            Done::SecretChanged(wallet, r)
        }
        Job::Backup {
            wallet,
            out,
            passphrase,
            params,
        } => {
            let r = wallet.backup(&out, &passphrase, params).map(|()| out);
            Done::BackedUp(wallet, r)
        }
        Job::Restore {
            backup,
            passphrase,
            dir,
            secret,
            params,
        } => Done::Restored(Wallet::restore(&backup, &passphrase, &dir, &secret, params)),
    }
}
