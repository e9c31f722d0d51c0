//! The presentation screen's state and the QR code: made, renewed every [`RENEW_SECS`], put
//! away after [`PRESENT_TIMEOUT_SECS`] without input; and the auto-lock timer.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, Preset, Purpose};
use tessera_core::presentation::normalize_counter_code;

use super::actions::Action;
use super::qr::QrView;
use super::state::{Message, Phase};
use super::{PRESENT_TIMEOUT_SECS, RENEW_SECS, WalletApp, unix_now};
use crate::wallet::Presentation;

/// The QR code on screen and how it was made.
pub struct Showing {
    pub(super) presentation: Presentation,
    pub(super) qr: QrView,
    pub(super) counter_code: Option<String>,
    /// When this code was made (egui time, seconds).
    pub(super) made_at: f64,
    /// The side of the drawn code in points (0 before the first frame).
    pub(super) side: f32,
}

/// What the citizen chose to show: a preset, or items one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// A preset (its items and the purpose it signs).
    Preset(Preset),
    /// Items chosen one by one ([`Purpose::Custom`]).
    Custom,
}

impl Choice {
    /// Every choice in the order the picker lists them: the presets, then "choose items".
    pub fn all() -> impl Iterator<Item = Choice> {
        Preset::ALL
            .into_iter()
            .map(Choice::Preset)
            .chain([Choice::Custom])
    }

    /// The purpose the holder signs.
    pub fn purpose(self) -> Purpose {
        match self {
            Choice::Preset(p) => p.purpose(),
            Choice::Custom => Purpose::Custom,
        }
    }
}

/// The presentation screen.
pub(super) struct PresentState {
    pub(super) card: usize,
    pub(super) choice: Choice,
    pub(super) custom: BTreeSet<AttrId>,
    pub(super) showing: Option<Showing>,
}

impl PresentState {
    pub(super) fn items(&self) -> Vec<AttrId> {
        match self.choice {
            Choice::Custom => self.custom.iter().copied().collect(),
            Choice::Preset(p) => p.items().to_vec(),
        }
    }

    pub(super) fn purpose(&self) -> Purpose {
        self.choice.purpose()
    }
}

impl WalletApp {
    /// Makes (or renews) the presentation and its QR code.
    pub(super) fn make_qr(&mut self, first: bool) {
        let t = self.t();
        let now_t = self.now;
        let code_typed = self.forms.counter_code.trim().to_owned();
        let Phase::Open(s) = &mut self.phase else {
            return;
        };
        let (Some(w), Some(ps)) = (&s.wallet, &mut s.present) else {
            return;
        };
        let Some(card) = s.cards.get(ps.card) else {
            return;
        };
        let items = ps.items();
        if items.is_empty() {
            self.message = Some(Message {
                text: t.nothing_chosen.into(),
                error: true,
            });
            return;
        }
        let code = if first {
            if code_typed.is_empty() {
                None
            } else {
                match normalize_counter_code(&code_typed) {
                    Some(c) => Some(c),
                    None => {
                        self.message = Some(Message {
                            text: t.bad_counter_code.into(),
                            error: true,
                        });
                        return;
                    }
                }
            }
        } else {
            ps.showing.as_ref().and_then(|s| s.counter_code.clone())
        };
        let mut rng = UnwrapErr(getrandom::SysRng);
        let start = Instant::now();
        let made = if first {
            w.present(
                Some(&card.id),
                &items,
                ps.purpose(),
                code.as_deref(),
                unix_now(),
                &mut rng,
            )
        } else {
            w.present_again(
                Some(&card.id),
                &items,
                ps.purpose(),
                code.as_deref(),
                unix_now(),
                &mut rng,
            )
        };
        let present_time = start.elapsed();
        if first && made.is_ok() {
            // A new showing took a credential of the batch: the card's count follows.
            let batch = w.batch_state(&card.id).ok();
            if let Some(c) = s.cards.get_mut(ps.card) {
                c.batch = batch;
            }
        }
        match made {
            Ok(p) => match QrView::new(&p.text) {
                Ok(qr) => {
                    self.timings.present = present_time;
                    self.timings.encode = qr.encode_time;
                    ps.showing = Some(Showing {
                        presentation: p,
                        qr,
                        counter_code: code,
                        made_at: now_t,
                        side: 0.0,
                    });
                    self.message = None;
                }
                Err(e) => {
                    self.message = Some(Message {
                        text: format!("{} {e}", t.error_prefix),
                        error: true,
                    })
                }
            },
            Err(e) => {
                let m = self.describe(&e);
                self.error(m);
            }
        }
    }

    /// Timers: QR renewal, the presentation timeout, auto-lock.
    pub(super) fn timers(&mut self, ctx: &egui::Context) {
        let now = self.now;
        let idle = now - self.last_input;
        let mut renew = false;
        let mut hide = false;
        let mut lock = false;
        if let Phase::Open(s) = &self.phase {
            if let Some(showing) = s.present.as_ref().and_then(|p| p.showing.as_ref()) {
                // The screen stays on and the code renews itself while shown.
                ctx.request_repaint_after(Duration::from_millis(100));
                if now - showing.made_at >= RENEW_SECS {
                    renew = true;
                }
                if idle >= PRESENT_TIMEOUT_SECS {
                    hide = true;
                }
            } else if s.auto_lock > 0 && self.job.is_none() {
                if idle >= s.auto_lock as f64 {
                    lock = true;
                } else {
                    ctx.request_repaint_after(Duration::from_secs_f64(
                        (s.auto_lock as f64 - idle).max(0.5),
                    ));
                }
            }
        }
        if hide {
            self.apply(ctx, Action::HideQr);
            // Restart the idle clock so auto-lock counts from here.
            self.last_input = now;
        } else if renew {
            self.make_qr(false);
        }
        if lock {
            self.lock(ctx);
        }
    }
}
