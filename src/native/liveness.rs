//! The heartbeat (a ping, or the configured heartbeat message, every interval, with an
//! answer deadline) and the idle timeout.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::convert::into_ws;
use super::timer::after;
use crate::{Config, Error, Message};

pub(super) enum LivenessEvent {
    /// The peer is presumed dead.
    Dead(Error),
}

/// The liveness checks of one connection; inert when the config asks for none.
pub(super) struct Liveness {
    /// When the peer last sent anything. Only kept up to date when a check is enabled.
    last_seen: Instant,
    heartbeat: Option<Heartbeat>,
    idle: Option<Idle>,
}

struct Heartbeat {
    interval: Duration,
    timeout: Duration,
    heartbeat: Option<Message>,
    timer: Pin<Box<Sleep>>,
    /// When the last ping went out.
    sent_at: Option<Instant>,
    /// A ping is due to be written.
    due: bool,
}

struct Idle {
    timeout: Duration,
    timer: Pin<Box<Sleep>>,
}

impl Liveness {
    pub(super) fn new(config: &Config) -> Self {
        let now = Instant::now();
        Self {
            last_seen: now,
            heartbeat: config.keepalive.map(|keepalive| Heartbeat {
                interval: keepalive.interval,
                timeout: keepalive.timeout,
                heartbeat: config.heartbeat.clone(),
                timer: Box::pin(tokio::time::sleep_until(after(now, keepalive.interval))),
                sent_at: None,
                due: false,
            }),
            idle: config.idle_timeout.map(|timeout| Idle {
                timeout,
                timer: Box::pin(tokio::time::sleep_until(after(now, timeout))),
            }),
        }
    }

    /// Whether any check runs (when none does, nothing here needs feeding).
    pub(super) fn enabled(&self) -> bool {
        self.heartbeat.is_some() || self.idle.is_some()
    }

    /// Anything arrived from the peer: it is alive.
    pub(super) fn saw_traffic(&mut self) {
        if self.enabled() {
            self.last_seen = Instant::now();
        }
    }

    /// The ping (or heartbeat) to write now, if one is due.
    pub(super) fn take_due_ping(&mut self) -> Option<WsMessage> {
        let ping = self.heartbeat.as_mut().filter(|ping| ping.due)?;
        ping.due = false;
        Some(match &ping.heartbeat {
            Some(message) => into_ws(message.clone()),
            None => WsMessage::Ping(Default::default()),
        })
    }

    /// Runs the timers; `Ready` when the peer is presumed dead.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<LivenessEvent> {
        if let Some(idle) = &mut self.idle {
            while idle.timer.as_mut().poll(cx).is_ready() {
                let deadline = after(self.last_seen, idle.timeout);
                if deadline <= Instant::now() {
                    return Poll::Ready(LivenessEvent::Dead(Error::IdleTimeout(idle.timeout)));
                }
                idle.timer.as_mut().reset(deadline);
            }
        }
        if let Some(ping) = &mut self.heartbeat {
            while ping.timer.as_mut().poll(cx).is_ready() {
                let now = Instant::now();
                let next = match ping.sent_at {
                    // Unanswered: only the pong deadline matters until something arrives.
                    Some(sent) if self.last_seen < sent => {
                        if now >= after(sent, ping.timeout) {
                            return Poll::Ready(LivenessEvent::Dead(Error::PongTimeout(
                                ping.timeout,
                            )));
                        }
                        after(sent, ping.timeout)
                    }
                    Some(sent) if now < after(sent, ping.interval) => after(sent, ping.interval),
                    _ => {
                        ping.due = true;
                        ping.sent_at = Some(now);
                        after(now, ping.interval.min(ping.timeout))
                    }
                };
                ping.timer.as_mut().reset(next);
            }
        }
        Poll::Pending
    }
}
