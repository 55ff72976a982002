//! The heartbeat (an application message every interval, with an answer deadline) and the
//! idle timeout.
//!
//! Browsers cannot send pings, so liveness is judged from traffic: any message from the
//! peer is proof of life. The timers are owned here, so they stop when this is dropped;
//! their callbacks report to the connection (`events`), which they hold only weakly.

use std::time::Duration;

use gloo_timers::callback::{Interval, Timeout};

use super::events::{Event, WeakListener, report};
use super::timer::{delay_ms, now_ms};
use crate::{Config, Error, Message};

/// The liveness checks of one connection; inert when the config asks for none.
#[derive(Debug, Default)]
pub(super) struct Liveness {
    heartbeat: Option<Heartbeat>,
    idle: Option<Idle>,
}

#[derive(Debug)]
struct Heartbeat {
    interval: Duration,
    answer_timeout: Duration,
    message: Message,
    ticker: Option<Interval>,
    answer_deadline: Option<Timeout>,
    /// A heartbeat went out and nothing has arrived since.
    awaiting: bool,
}

#[derive(Debug)]
struct Idle {
    timeout: Duration,
    /// When the peer last sent anything (`now_ms()`).
    last_seen: f64,
    timer: Option<Timeout>,
}

impl Liveness {
    /// The checks `config` asks for; nothing runs until [`start`](Self::start).
    /// `connect` has already refused a ping interval without a heartbeat message.
    pub(super) fn new(config: &Config) -> Self {
        Self {
            // A `match` rather than `Option::zip`, whose generic code is bigger in wasm.
            heartbeat: match (config.keepalive, &config.heartbeat) {
                (Some(keepalive), Some(message)) => Some(Heartbeat {
                    interval: keepalive.interval,
                    answer_timeout: keepalive.timeout,
                    message: message.clone(),
                    ticker: None,
                    answer_deadline: None,
                    awaiting: false,
                }),
                _ => None,
            },
            idle: config.idle_timeout.map(|timeout| Idle {
                timeout,
                last_seen: 0.0,
                timer: None,
            }),
        }
    }

    /// Starts the timers, once the connection is open.
    pub(super) fn start(&mut self, listener: &WeakListener) {
        if let Some(heartbeat) = &mut self.heartbeat {
            let listener = listener.clone();
            heartbeat.ticker = Some(Interval::new(delay_ms(heartbeat.interval), move || {
                report(&listener, Event::HeartbeatDue);
            }));
        }
        if let Some(idle) = &mut self.idle {
            idle.last_seen = now_ms();
            idle.timer = Some(schedule(listener, idle.timeout, Event::IdleCheck));
        }
    }

    /// Something arrived from the peer: it is alive.
    pub(super) fn saw_traffic(&mut self) {
        if let Some(heartbeat) = &mut self.heartbeat {
            if heartbeat.awaiting {
                heartbeat.awaiting = false;
                heartbeat.answer_deadline = None;
            }
        }
        if let Some(idle) = &mut self.idle {
            idle.last_seen = now_ms();
        }
    }

    /// The heartbeat interval elapsed: the message to send now, unless the last one is
    /// still unanswered (then only its deadline matters).
    pub(super) fn tick(&mut self, listener: &WeakListener) -> Option<Message> {
        let heartbeat = self
            .heartbeat
            .as_mut()
            .filter(|heartbeat| !heartbeat.awaiting)?;
        heartbeat.awaiting = true;
        heartbeat.answer_deadline = Some(schedule(
            listener,
            heartbeat.answer_timeout,
            Event::HeartbeatUnanswered,
        ));
        Some(heartbeat.message.clone())
    }

    /// The answer deadline passed: the error that ends the connection, if the heartbeat
    /// is still unanswered.
    pub(super) fn answer_deadline_passed(&mut self) -> Option<Error> {
        let heartbeat = self
            .heartbeat
            .as_mut()
            .filter(|heartbeat| heartbeat.awaiting)?;
        heartbeat.answer_deadline = None;
        Some(Error::PongTimeout(heartbeat.answer_timeout))
    }

    /// The idle timer fired: the error that ends the connection if nothing arrived for the
    /// whole timeout; otherwise the timer is set again for the rest of it.
    pub(super) fn idle_check(&mut self, listener: &WeakListener) -> Option<Error> {
        let idle = self.idle.as_mut()?;
        let timeout_ms = idle.timeout.as_secs_f64() * 1000.0;
        let remaining_ms = idle.last_seen + timeout_ms - now_ms();
        if remaining_ms <= 0.0 {
            idle.timer = None;
            return Some(Error::IdleTimeout(idle.timeout));
        }
        let remaining = Duration::try_from_secs_f64(remaining_ms / 1000.0).unwrap_or(idle.timeout);
        idle.timer = Some(schedule(listener, remaining, Event::IdleCheck));
        None
    }
}

/// A one-shot timer reporting `event` to the connection after `after`.
fn schedule(listener: &WeakListener, after: Duration, event: Event) -> Timeout {
    let listener = listener.clone();
    Timeout::new(delay_ms(after), move || report(&listener, event))
}
