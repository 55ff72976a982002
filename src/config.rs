//! Connection settings, the same on both targets.

use std::time::Duration;

use crate::{Error, Message, Proxy};

/// Connection settings. Start from [`Config::default()`] and chain setters.
///
/// Every setting means the same on both targets. One the browser cannot honour (custom
/// headers, custom root certificates) makes [`connect`](crate::WsClient::connect) fail there
/// with [`Error::Unsupported`](crate::Error::Unsupported) instead of being ignored.
///
/// ```
/// use std::time::Duration;
/// use omnisocket::{Config, Message};
///
/// let config = Config::default()
///     .connect_timeout(Duration::from_secs(5))
///     .protocol("chat.v1")
///     .keepalive(Duration::from_secs(20), Duration::from_secs(10))
///     .heartbeat(Message::text("ping"))
///     .max_message_size(Some(1 << 20));
/// assert_eq!(config.protocols, ["chat.v1"]);
/// ```
///
/// # Extreme values
/// Every value of every field either works as documented or makes `connect` fail with
/// [`Error::InvalidConfig`](crate::Error::InvalidConfig) (a zero interval or timeout that
/// could never work), never a panic. Durations as long as `Duration::MAX` mean "never"
/// natively; in the browser timers are capped at 2^31 - 1 ms (about 24.8 days), the
/// longest delay `setTimeout` honours, so a longer timeout waits that long.
///
/// `Debug` shows header names but never their values, which may be credentials
/// (`Authorization`, cookies, tokens).
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// How long `connect` may take, including DNS, TCP, the proxy's tunnel, TLS and the
    /// upgrade.
    /// Default: 10 seconds. `None` waits as long as the platform does. `Some(Duration::ZERO)`
    /// is refused (`Error::InvalidConfig`): it could never connect.
    pub connect_timeout: Option<Duration>,

    /// How long dropping the client (or `Sink::poll_close`) waits for the peer's answer to
    /// its Close before giving up. Default: 5 seconds. Zero sends the Close without waiting
    /// for the answer.
    ///
    /// Natively it also bounds two waits of the connection task that no caller sees: for
    /// the server to end TCP after a completed handshake (RFC 6455 lets the server close
    /// first), and for `recv` to take what arrived before a protocol violation the peer
    /// committed. A dropped client's task may so live up to twice this long.
    pub close_timeout: Duration,

    /// Subprotocols offered in `Sec-WebSocket-Protocol`, in order of preference.
    /// Each must be a non-empty HTTP token, offered once (compared case-sensitively, as
    /// browsers do); otherwise `connect` fails with `Error::InvalidHeader`. Default: none. The one the server chose is [`protocol()`](crate::WsClient::protocol).
    pub protocols: Vec<String>,

    /// Extra HTTP headers for the upgrade request. Default: none. Their values never appear
    /// in `Debug` output or in errors.
    /// Natively only: in the browser, `connect` fails with `Error::Unsupported` when any is set.
    pub headers: Vec<(String, String)>,

    /// Extra trusted root certificates (PEM) for `wss://`, on top of the roots
    /// [`trust`](Self::trust) names. Default: none. Natively only: in the browser, the
    /// browser's trust store decides and `connect` fails with `Error::Unsupported` when any
    /// is set.
    pub root_certificates_pem: Vec<Vec<u8>>,

    /// Which certificate authorities `wss://` servers are checked against, besides
    /// [`root_certificates_pem`](Self::root_certificates_pem). Default:
    /// [`Trust::System`], the operating system's. In the browser only `Trust::System` is
    /// supported (the browser's trust store); another makes `connect` fail with
    /// `Error::Unsupported`.
    pub trust: Trust,

    /// How `connect` reaches the server: through the proxy the environment names (the
    /// default), directly, or through a given proxy. See [`Proxy`] for the URLs and the
    /// environment variables. Natively only: in the browser the browser's own proxy
    /// settings apply; [`Proxy::Url`] makes `connect` fail there with
    /// `Error::Unsupported`, the other two change nothing.
    pub proxy: Proxy,

    /// How often to check that the peer is alive. Default: `None` (no checks).
    ///
    /// Natively a Ping frame is sent every interval (or the [`heartbeat`](Self::heartbeat)
    /// message, when one is set). Browsers cannot send pings, so there a heartbeat message
    /// is required: `connect` fails with `Error::Unsupported` without one.
    /// `Some(Duration::ZERO)` is refused (`Error::InvalidConfig`): it would flood the peer.
    pub ping_interval: Option<Duration>,

    /// How long after a ping or heartbeat the peer has to send something (a pong or any
    /// other frame) before the connection is declared dead with
    /// [`Error::PongTimeout`](crate::Error::PongTimeout). Default: 10 seconds. Zero is
    /// refused (`Error::InvalidConfig`) when a ping interval is set: no peer could answer.
    pub pong_timeout: Duration,

    /// An application-level message sent every `ping_interval` instead of a Ping frame.
    /// Any message from the peer counts as proof of life. Default: `None`.
    pub heartbeat: Option<Message>,

    /// Close the connection with [`Error::IdleTimeout`](crate::Error::IdleTimeout) when
    /// nothing at all arrives for this long. Default: `None` (never).
    /// `Some(Duration::ZERO)` is refused (`Error::InvalidConfig`): no connection could live.
    pub idle_timeout: Option<Duration>,

    /// How many messages `send` may accept ahead of the network before it waits
    /// (backpressure, with [`buffered_amount_high_water`](Self::buffered_amount_high_water)).
    /// Default: 64. 0 is taken as 1; natively, values above tokio's limit
    /// (`usize::MAX >> 3`) are taken as that limit, which no queue reaches.
    ///
    /// Natively the length of the queue between `send` and the connection's task. In the
    /// browser, where `send` hands each message to the browser at once, the number of
    /// messages the browser holds unsent (worked out from `bufferedAmount`).
    pub send_queue: usize,

    /// How many bytes may wait to be transmitted before senders wait (backpressure).
    /// Default: 1 MiB.
    ///
    /// In the browser, `send` waits while the socket's `bufferedAmount` is above this. Natively
    /// it is the connection task's write buffer: once the socket takes no more, the task stops
    /// taking messages from the send queue while more than this waits to be written (at
    /// most `usize::MAX - 1`).
    pub buffered_amount_high_water: usize,

    /// How many received messages are held for `recv`. Default: 256. 0 is taken as 1.
    ///
    /// Natively the client stops reading from the network while the queue is full, during
    /// a shutdown too: memory stays bounded whatever the peer sends. A peer whose Close
    /// comes behind more than the queue holds is answered once `recv` takes what came
    /// first; if nobody does, the shutdown ends with [`Shutdown::TimedOut`](crate::Shutdown)
    /// (read from another task while shutting down to see it through). Nothing received is
    /// dropped while the client lives.
    ///
    /// The browser cannot pause a socket: a message that arrives while the queue is full
    /// fails the connection with [`Error::ReceiveQueueFull`](crate::Error::ReceiveQueueFull)
    /// (close code 4013), after the queued messages.
    pub receive_queue: usize,

    /// How many bytes of received messages are held for `recv`, whatever their number: the
    /// queue is full once it holds this many, with the same effect on each target as
    /// [`receive_queue`](Self::receive_queue). One message larger than this is always
    /// accepted when nothing is queued. It bounds the memory a connection holds for a slow
    /// reader, and keeps large messages from being read far ahead of `recv`, which costs
    /// more in allocation than it gains. Default: 256 KiB.
    pub receive_queue_bytes: usize,

    /// The largest message accepted from the peer, in bytes; a larger one ends the
    /// connection with [`Error::MessageTooLarge`](crate::Error::MessageTooLarge) and close
    /// code 1009 (4009 in the browser, which may not send 1009). Default: 64 MiB.
    /// `None` means no limit. `Some(0)` is refused (`Error::InvalidConfig`): it would refuse
    /// every message but empty ones. It applies to messages only: the peer's Close, Ping and
    /// Pong frames (at most 125 bytes) are always accepted.
    pub max_message_size: Option<usize>,

    /// The size of the native connection's read buffer, which the connection keeps for
    /// as long as it lives: most of what an idle connection costs. Default: 16 KiB. Values
    /// below 14 (the largest frame header) are taken as 14, above 16 MiB as 16 MiB.
    ///
    /// It does not limit message sizes, and costs large messages no speed: while data keeps
    /// coming, the socket is read up to 128 KiB at a time into a buffer of its own, freed
    /// as soon as the socket has nothing more. tungstenite's own default is a 128 KiB
    /// buffer, which every connection then keeps; BENCHMARKS.md compares memory and
    /// throughput. In the browser, which reads the socket itself, it has no effect.
    pub read_buffer: usize,
}

/// Which certificate authorities `wss://` servers are checked against. See
/// [`Config::trust`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trust {
    /// The operating system's trust store and verifier, as the platform's own programs
    /// use them, including the roots an organisation installs there (a TLS-inspecting
    /// gateway's, say). On Windows and macOS the system verifier decides; on Linux and the
    /// BSDs the system's certificate files are read (`SSL_CERT_FILE` and `SSL_CERT_DIR`
    /// take their place when set), once per process. When the system has no certificates
    /// at all, `wss://` connections fail and say so; [`Trust::WebPki`] then works.
    #[default]
    System,
    /// The Mozilla root program's certificates, built into the crate (`webpki-roots`): the
    /// same everywhere, whatever the machine trusts.
    WebPki,
    /// Only the roots of [`Config::root_certificates_pem`]: for a private certificate
    /// authority, with nothing else trusted.
    Given,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(10)),
            close_timeout: Duration::from_secs(5),
            protocols: Vec::new(),
            headers: Vec::new(),
            root_certificates_pem: Vec::new(),
            trust: Trust::System,
            proxy: Proxy::FromEnvironment,
            ping_interval: None,
            pong_timeout: Duration::from_secs(10),
            heartbeat: None,
            idle_timeout: None,
            send_queue: 64,
            buffered_amount_high_water: 1 << 20,
            receive_queue: 256,
            receive_queue_bytes: 256 * 1024,
            max_message_size: Some(64 << 20),
            read_buffer: 16 * 1024,
        }
    }
}

impl Config {
    /// Sets [`connect_timeout`](Self::connect_timeout).
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// Sets [`close_timeout`](Self::close_timeout).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Offers one more subprotocol (see [`protocols`](Self::protocols)).
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocols.push(protocol.into());
        self
    }

    /// Adds an HTTP header to the upgrade request (see [`headers`](Self::headers)).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Trusts one more root certificate, in PEM (see
    /// [`root_certificates_pem`](Self::root_certificates_pem)).
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Sets [`trust`](Self::trust).
    pub fn trust(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    /// Connects through this proxy, whatever the environment says: `http://host:port`
    /// (HTTP `CONNECT`), `socks5://host:port` (the client resolves the server's name) or
    /// `socks5h://host:port` (the proxy resolves it), each with optional `user:password@`
    /// (see [`Proxy`]). A URL that is not one of these makes `connect` fail with
    /// [`Error::InvalidProxy`](crate::Error::InvalidProxy). Natively only (see
    /// [`proxy`](Self::proxy)).
    ///
    /// ```
    /// use omnisocket::{Config, Proxy};
    ///
    /// let config = Config::default().proxy("socks5h://alice:s3cret@proxy.corp:1080");
    /// assert!(matches!(config.proxy, Proxy::Url(_)));
    /// // Debug never shows the password.
    /// assert!(!format!("{config:?}").contains("s3cret"));
    /// ```
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Proxy::Url(url.into());
        self
    }

    /// Connects directly, whatever the environment says (see [`proxy`](Self::proxy)).
    pub fn no_proxy(mut self) -> Self {
        self.proxy = Proxy::Direct;
        self
    }

    /// Sets [`read_buffer`](Self::read_buffer).
    pub fn read_buffer(mut self, bytes: usize) -> Self {
        self.read_buffer = bytes;
        self
    }

    /// Checks liveness every `interval`, declaring the peer dead when nothing arrives within
    /// `timeout` of a ping (see [`ping_interval`](Self::ping_interval)).
    pub fn keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.ping_interval = Some(interval);
        self.pong_timeout = timeout;
        self
    }

    /// Sends this message as the heartbeat instead of a Ping frame (see
    /// [`heartbeat`](Self::heartbeat)).
    pub fn heartbeat(mut self, message: impl Into<Message>) -> Self {
        self.heartbeat = Some(message.into());
        self
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    pub fn idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.idle_timeout = timeout.into();
        self
    }

    /// Sets [`send_queue`](Self::send_queue); 0 is taken as 1.
    pub fn send_queue(mut self, messages: usize) -> Self {
        self.send_queue = messages.max(1);
        self
    }

    /// Sets [`buffered_amount_high_water`](Self::buffered_amount_high_water).
    pub fn buffered_amount_high_water(mut self, bytes: usize) -> Self {
        self.buffered_amount_high_water = bytes;
        self
    }

    /// Sets [`receive_queue`](Self::receive_queue); 0 is taken as 1.
    pub fn receive_queue(mut self, messages: usize) -> Self {
        self.receive_queue = messages.max(1);
        self
    }

    /// Sets [`receive_queue_bytes`](Self::receive_queue_bytes).
    pub fn receive_queue_bytes(mut self, bytes: usize) -> Self {
        self.receive_queue_bytes = bytes;
        self
    }

    /// Sets [`max_message_size`](Self::max_message_size).
    pub fn max_message_size(mut self, bytes: impl Into<Option<usize>>) -> Self {
        self.max_message_size = bytes.into();
        self
    }
}

impl Config {
    /// Refuses the values no connection could work with; both backends call it before
    /// connecting, so that both fail the same way. What a backend cannot honour is checked
    /// by that backend.
    pub(crate) fn check(&self) -> Result<(), Error> {
        // One message for all (each field's documentation says why), and a chain of `if`s
        // rather than one error per case: this runs in every browser build.
        let zero = |timeout: Option<Duration>| timeout.is_some_and(|t| t.is_zero());
        let setting = if zero(self.connect_timeout) {
            "connect_timeout"
        } else if zero(self.ping_interval) {
            "ping_interval"
        } else if self.ping_interval.is_some() && self.pong_timeout.is_zero() {
            "pong_timeout"
        } else if zero(self.idle_timeout) {
            "idle_timeout"
        } else if self.max_message_size == Some(0) {
            "max_message_size"
        } else {
            return check_protocols(&self.protocols);
        };
        Err(Error::InvalidConfig {
            setting,
            problem: "zero cannot work here (see its documentation)",
        })
    }
}

/// Subprotocols must be HTTP tokens, each offered once: the browser's `WebSocket` throws a
/// `SyntaxError` otherwise, which would read as a bad URL; both targets report the header
/// they go into instead.
fn check_protocols(protocols: &[String]) -> Result<(), Error> {
    let invalid = |protocol: &str, problem: &str| {
        Err(Error::InvalidHeader {
            name: "Sec-WebSocket-Protocol".into(),
            problem: format!("`{protocol}{problem}").into(),
        })
    };
    for (i, protocol) in protocols.iter().enumerate() {
        let is_token = !protocol.is_empty()
            && protocol
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
        if !is_token {
            return invalid(
                protocol,
                "` is not a valid subprotocol name (an HTTP token)",
            );
        }
        if protocols.get(..i).unwrap_or_default().contains(protocol) {
            return invalid(protocol, "` is offered twice, which browsers refuse");
        }
    }
    Ok(())
}

/// As derived, but header values (possibly credentials) are shown as `***`, and root
/// certificates by their number.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Headers<'a>(&'a [(String, String)]);
        impl std::fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(name, _)| (name, format_args!("***"))))
                    .finish()
            }
        }
        f.debug_struct("Config")
            .field("connect_timeout", &self.connect_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("protocols", &self.protocols)
            .field("headers", &Headers(&self.headers))
            .field("root_certificates_pem", &self.root_certificates_pem.len())
            .field("trust", &self.trust)
            .field("proxy", &self.proxy)
            .field("ping_interval", &self.ping_interval)
            .field("pong_timeout", &self.pong_timeout)
            .field("heartbeat", &self.heartbeat)
            .field("idle_timeout", &self.idle_timeout)
            .field("send_queue", &self.send_queue)
            .field(
                "buffered_amount_high_water",
                &self.buffered_amount_high_water,
            )
            .field("receive_queue", &self.receive_queue)
            .field("receive_queue_bytes", &self.receive_queue_bytes)
            .field("max_message_size", &self.max_message_size)
            .field("read_buffer", &self.read_buffer)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_header_values() {
        let config = Config::default()
            .header("Authorization", "Bearer s3cret-token")
            .header("Cookie", "session=c00kie")
            .header("X-Trace", "visible-or-not");
        let shown = format!("{config:?} {config:#?}");
        for value in ["s3cret-token", "c00kie", "visible-or-not"] {
            assert!(!shown.contains(value), "{shown}");
        }
        assert!(
            shown.contains("Authorization") && shown.contains("***"),
            "{shown}"
        );
    }

    fn refused(config: Config) -> &'static str {
        match config.check() {
            Err(Error::InvalidConfig { setting, .. }) => setting,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn values_that_cannot_work_are_refused() {
        let zero = Duration::ZERO;
        assert_eq!(
            refused(Config::default().connect_timeout(zero)),
            "connect_timeout"
        );
        assert_eq!(
            refused(Config::default().keepalive(zero, zero)),
            "ping_interval"
        );
        let second = Duration::from_secs(1);
        assert_eq!(
            refused(Config::default().keepalive(second, zero)),
            "pong_timeout"
        );
        assert_eq!(
            refused(Config::default().idle_timeout(zero)),
            "idle_timeout"
        );
        assert_eq!(
            refused(Config::default().max_message_size(0)),
            "max_message_size"
        );
        // Zero where it means something, and every maximum, pass.
        let max = Duration::MAX;
        let fine = Config::default()
            .connect_timeout(max)
            .close_timeout(zero)
            .keepalive(max, max)
            .idle_timeout(max)
            .send_queue(usize::MAX)
            .receive_queue(0)
            .receive_queue_bytes(0)
            .buffered_amount_high_water(usize::MAX)
            .max_message_size(usize::MAX);
        assert!(fine.check().is_ok());
        let no_pings = Config {
            pong_timeout: zero,
            ..Config::default()
        };
        assert!(no_pings.check().is_ok());
    }

    #[test]
    fn subprotocols_must_be_distinct_tokens() {
        let problem = |protocols: &[&str]| {
            let config = protocols
                .iter()
                .fold(Config::default(), |c, p| c.protocol(*p));
            match config.check() {
                Ok(()) => None,
                Err(Error::InvalidHeader { problem, .. }) => Some(problem),
                Err(other) => panic!("{other:?}"),
            }
        };
        assert!(problem(&["chat", "Chat", "a!#$%&'*+-.^_`|~z"]).is_none());
        for bad in [
            &["has space"][..],
            &[""],
            &["a,b"],
            &["chat/v1"],
            &["caf\u{e9}"],
        ] {
            assert!(
                problem(bad).unwrap().contains("not a valid subprotocol"),
                "{bad:?}"
            );
        }
        let twice = problem(&["chat", "other", "chat"]).unwrap();
        assert!(twice.contains("`chat` is offered twice"), "{twice}");
    }
}
