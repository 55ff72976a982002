//! The heartbeat (an application message every interval, with an answer deadline) and the
//! idle timeout.
//!
//! Browsers cannot send pings, so liveness is judged from traffic: any message from the
//! peer is proof of life. The timers are owned here, so they stop when this is dropped or
//! [`stop`](Liveness::stop)ped; their callbacks hold only a `Weak` to the connection.

use std::rc::Weak;
use std::time::Duration;

use gloo_timers::callback::{Interval, Timeout};

use super::conn::Conn;
use super::timer::{delay_ms, now_ms};
use crate::{Config, Error, Message};

/// What a liveness timer reports to the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// The heartbeat interval elapsed.
    Tick,
    /// The answer deadline of the last heartbeat passed.
    AnswerDeadline,
    /// The idle timer fired.
    Idle,
}

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
            heartbeat: config.ping_interval.zip(config.heartbeat.clone()).map(
                |(interval, message)| Heartbeat {
                    interval,
                    answer_timeout: config.pong_timeout,
                    message,
                    ticker: None,
                    answer_deadline: None,
                    awaiting: false,
                },
            ),
            idle: config.idle_timeout.map(|timeout| Idle {
                timeout,
                last_seen: 0.0,
                timer: None,
            }),
        }
    }

    /// Starts the timers, once the connection is open.
    pub(super) fn start(&mut self, conn: &Weak<Conn>) {
        if let Some(heartbeat) = &mut self.heartbeat {
            let conn = conn.clone();
            heartbeat.ticker = Some(Interval::new(delay_ms(heartbeat.interval), move || {
                notify(&conn, Check::Tick);
            }));
        }
        if let Some(idle) = &mut self.idle {
            idle.last_seen = now_ms();
            idle.timer = Some(schedule(conn, idle.timeout, Check::Idle));
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
    pub(super) fn tick(&mut self, conn: &Weak<Conn>) -> Option<Message> {
        let heartbeat = self
            .heartbeat
            .as_mut()
            .filter(|heartbeat| !heartbeat.awaiting)?;
        heartbeat.awaiting = true;
        heartbeat.answer_deadline = Some(schedule(
            conn,
            heartbeat.answer_timeout,
            Check::AnswerDeadline,
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
    pub(super) fn idle_check(&mut self, conn: &Weak<Conn>) -> Option<Error> {
        let idle = self.idle.as_mut()?;
        let timeout_ms = idle.timeout.as_secs_f64() * 1000.0;
        let remaining_ms = idle.last_seen + timeout_ms - now_ms();
        if remaining_ms <= 0.0 {
            idle.timer = None;
            return Some(Error::IdleTimeout(idle.timeout));
        }
        let remaining = Duration::try_from_secs_f64(remaining_ms / 1000.0).unwrap_or(idle.timeout);
        idle.timer = Some(schedule(conn, remaining, Check::Idle));
        None
    }
}

/// A one-shot timer reporting `check` to the connection after `after`.
fn schedule(conn: &Weak<Conn>, after: Duration, check: Check) -> Timeout {
    let conn = conn.clone();
    Timeout::new(delay_ms(after), move || notify(&conn, check))
}

fn notify(conn: &Weak<Conn>, check: Check) {
    if let Some(conn) = conn.upgrade() {
        conn.on_liveness(check);
    }
}
