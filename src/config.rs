//! Connection settings, the same on both targets.

use std::time::Duration;

use crate::{Error, Message, Proxy};

/// Connection settings. Start from [`Config::default()`] and chain setters; each setter
/// says what its setting does and its default, and a `get_` method (or a plural one, for
/// lists) reads it back.
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
/// assert!(config.protocols().eq(["chat.v1"]));
/// assert_eq!(config.get_max_message_size(), Some(1 << 20));
/// ```
///
/// # Extreme values
/// Every value of every setting either works as documented or makes `connect` fail with
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
    // Read directly inside the crate; every value here is one its setter (or `Default`)
    // accepted, so readers need no checks of their own (`check` refuses the rest at connect).
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) close_timeout: Duration,
    pub(crate) protocols: Vec<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) root_certificates_pem: Vec<Vec<u8>>,
    pub(crate) trust: Trust,
    pub(crate) proxy: Proxy,
    pub(crate) keepalive: Option<Keepalive>,
    pub(crate) heartbeat: Option<Message>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) send_queue: usize,
    pub(crate) buffered_amount_high_water: usize,
    pub(crate) receive_queue: usize,
    pub(crate) receive_queue_bytes: usize,
    pub(crate) max_message_size: Option<usize>,
    pub(crate) read_buffer: usize,
}

/// The liveness check [`Config::keepalive`] sets: one setting, its two values together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Keepalive {
    /// How often a ping (or the heartbeat message) goes out.
    pub(crate) interval: Duration,
    /// How long the peer has to send anything after one.
    pub(crate) timeout: Duration,
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
    /// Only the roots given to [`Config::root_certificate_pem`]: for a private certificate
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
            keepalive: None,
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

/// The largest send queue: tokio refuses (panics on) a channel longer than this.
const MAX_SEND_QUEUE: usize = usize::MAX >> 3;

/// The largest write buffer: tungstenite requires the limit of its write buffer (unbounded
/// here) to exceed the buffer's size.
const MAX_HIGH_WATER: usize = usize::MAX - 1;

/// The largest read buffer: tungstenite allocates it at connect and zeroes it at the first
/// read, and reads are never larger than a socket's receive buffer anyway.
pub(crate) const MAX_READ_BUFFER: usize = 16 << 20;

/// The setters.
impl Config {
    /// How long `connect` may take, including DNS, TCP, the proxy's tunnel, TLS and the
    /// upgrade.
    ///
    /// Default: 10 seconds. `None` waits as long as the platform does. `Some(Duration::ZERO)`
    /// is refused (`Error::InvalidConfig`): it could never connect.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// How long dropping the client (or `Sink::poll_close`) waits for the peer's answer to
    /// its Close before giving up. Zero sends the Close without waiting for the answer.
    ///
    /// Default: 5 seconds.
    ///
    /// Natively it also bounds two waits of the connection task that no caller sees: for
    /// the server to end TCP after a completed handshake (RFC 6455 lets the server close
    /// first), and for `recv` to take what arrived before a protocol violation the peer
    /// committed. A dropped client's task may so live up to twice this long.
    #[must_use]
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Offers one more subprotocol in `Sec-WebSocket-Protocol`; the first offered is the
    /// one preferred. The one the server chose is [`protocol()`](crate::WsClient::protocol).
    ///
    /// Default: none. Each must be a non-empty HTTP token, offered once (compared
    /// case-sensitively, as browsers do); otherwise `connect` fails with
    /// `Error::InvalidHeader`.
    #[must_use]
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocols.push(protocol.into());
        self
    }

    /// Adds an HTTP header to the upgrade request. Its value never appears in `Debug`
    /// output or in errors.
    ///
    /// Default: none. Natively only: in the browser, `connect` fails with
    /// `Error::Unsupported` when any is set.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Trusts one more root certificate (PEM) for `wss://`, on top of the roots
    /// [`trust`](Self::trust) names.
    ///
    /// Default: none. Natively only: in the browser, the browser's trust store decides and
    /// `connect` fails with `Error::Unsupported` when any is set.
    #[must_use]
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Which certificate authorities `wss://` servers are checked against, besides the
    /// roots given to [`root_certificate_pem`](Self::root_certificate_pem).
    ///
    /// Default: [`Trust::System`], the operating system's. In the browser only
    /// `Trust::System` is supported (the browser's trust store); another makes `connect`
    /// fail with `Error::Unsupported`.
    #[must_use]
    pub fn trust(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    /// Connects through this proxy, whatever the environment says: `http://host:port`
    /// (HTTP `CONNECT`), `socks5://host:port` (the client resolves the server's name) or
    /// `socks5h://host:port` (the proxy resolves it), each with optional `user:password@`
    /// (see [`Proxy`]). A URL that is not one of these makes `connect` fail with
    /// [`Error::InvalidProxy`](crate::Error::InvalidProxy).
    ///
    /// Default: [`Proxy::FromEnvironment`], the proxy the environment names, if any.
    /// Natively only: in the browser the browser's own proxy settings apply, and a proxy
    /// set here makes `connect` fail with `Error::Unsupported`.
    ///
    /// ```
    /// use omnisocket::{Config, Proxy};
    ///
    /// let config = Config::default().proxy("socks5h://alice:s3cret@proxy.corp:1080");
    /// assert!(matches!(config.get_proxy(), Proxy::Url(_)));
    /// // Debug never shows the password.
    /// assert!(!format!("{config:?}").contains("s3cret"));
    /// ```
    #[must_use]
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Proxy::Url(url.into());
        self
    }

    /// Connects directly, whatever the environment says (see [`proxy`](Self::proxy)).
    /// In the browser it changes nothing.
    #[must_use]
    pub fn no_proxy(mut self) -> Self {
        self.proxy = Proxy::Direct;
        self
    }

    /// Checks that the peer is alive: something is sent every `interval`, and the peer
    /// is declared dead with [`Error::PongTimeout`](crate::Error::PongTimeout) when
    /// nothing at all (a pong or any other frame) arrives within `timeout` of it.
    ///
    /// Default: off. A zero `interval` is refused (`Error::InvalidConfig`): it would flood
    /// the peer; so is a zero `timeout`: no peer could answer.
    ///
    /// Natively a Ping frame is sent (or the [`heartbeat`](Self::heartbeat) message, when
    /// one is set). Browsers cannot send pings, so there a heartbeat message is required:
    /// `connect` fails with `Error::Unsupported` without one.
    #[must_use]
    pub fn keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.keepalive = Some(Keepalive { interval, timeout });
        self
    }

    /// Sends this application-level message at each [`keepalive`](Self::keepalive)
    /// interval instead of a Ping frame. Any message from the peer counts as proof of life.
    ///
    /// Default: none. Without `keepalive` it is never sent.
    #[must_use]
    pub fn heartbeat(mut self, message: impl Into<Message>) -> Self {
        self.heartbeat = Some(message.into());
        self
    }

    /// Closes the connection with [`Error::IdleTimeout`](crate::Error::IdleTimeout) when
    /// nothing at all arrives for this long.
    ///
    /// Default: `None` (never). `Some(Duration::ZERO)` is refused (`Error::InvalidConfig`):
    /// no connection could live.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.idle_timeout = timeout.into();
        self
    }

    /// How many messages `send` may accept ahead of the network before it waits
    /// (backpressure, with [`buffered_amount_high_water`](Self::buffered_amount_high_water)).
    ///
    /// Default: 64. 0 is taken as 1, and values above `usize::MAX >> 3` (tokio's limit for
    /// a queue, which no queue reaches) as that limit.
    ///
    /// Natively the length of the queue between `send` and the connection's task. In the
    /// browser, where `send` hands each message to the browser at once, the number of
    /// messages the browser holds unsent (worked out from `bufferedAmount`).
    #[must_use]
    pub fn send_queue(mut self, messages: usize) -> Self {
        self.send_queue = messages.clamp(1, MAX_SEND_QUEUE);
        self
    }

    /// How many bytes may wait to be transmitted before senders wait (backpressure).
    ///
    /// Default: 1 MiB. Values above `usize::MAX - 1` are taken as that.
    ///
    /// In the browser, `send` waits while the socket's `bufferedAmount` is above this.
    /// Natively it is the connection task's write buffer: once the socket takes no more,
    /// the task stops taking messages from the send queue while more than this waits to be
    /// written.
    #[must_use]
    pub fn buffered_amount_high_water(mut self, bytes: usize) -> Self {
        self.buffered_amount_high_water = bytes.min(MAX_HIGH_WATER);
        self
    }

    /// How many received messages are held for `recv`.
    ///
    /// Default: 256. 0 is taken as 1.
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
    #[must_use]
    pub fn receive_queue(mut self, messages: usize) -> Self {
        self.receive_queue = messages.max(1);
        self
    }

    /// How many bytes of received messages are held for `recv`, whatever their number: the
    /// queue is full once it holds this many, with the same effect on each target as
    /// [`receive_queue`](Self::receive_queue). One message larger than this is always
    /// accepted when nothing is queued. It bounds the memory a connection holds for a slow
    /// reader, and keeps large messages from being read far ahead of `recv`, which costs
    /// more in allocation than it gains.
    ///
    /// Default: 256 KiB.
    #[must_use]
    pub fn receive_queue_bytes(mut self, bytes: usize) -> Self {
        self.receive_queue_bytes = bytes;
        self
    }

    /// The largest message accepted from the peer, in bytes; a larger one ends the
    /// connection with [`Error::MessageTooLarge`](crate::Error::MessageTooLarge) and close
    /// code 1009 (4009 in the browser, which may not send 1009). It applies to messages
    /// only: the peer's Close, Ping and Pong frames (at most 125 bytes) are always accepted.
    ///
    /// Default: 64 MiB. `None` means no limit. `Some(0)` is refused (`Error::InvalidConfig`):
    /// it would refuse every message but empty ones.
    #[must_use]
    pub fn max_message_size(mut self, bytes: impl Into<Option<usize>>) -> Self {
        self.max_message_size = bytes.into();
        self
    }

    /// The size of the native connection's read buffer, which the connection keeps for
    /// as long as it lives: most of what an idle connection costs.
    ///
    /// Default: 16 KiB. Values below 14 (the largest frame header) are taken as 14, above
    /// 16 MiB as 16 MiB.
    ///
    /// It does not limit message sizes, and costs large messages no speed: while data keeps
    /// coming, the socket is read up to 128 KiB at a time into a buffer of its own, freed
    /// as soon as the socket has nothing more. tungstenite's own default is a 128 KiB
    /// buffer, which every connection then keeps; BENCHMARKS.md compares memory and
    /// throughput. In the browser, which reads the socket itself, it has no effect.
    #[must_use]
    pub fn read_buffer(mut self, bytes: usize) -> Self {
        self.read_buffer = bytes.min(MAX_READ_BUFFER);
        self
    }
}

/// The getters: each returns the value in use, after what its setter takes one value as.
impl Config {
    /// The value of [`connect_timeout`](Self::connect_timeout).
    pub fn get_connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }

    /// The value of [`close_timeout`](Self::close_timeout).
    pub fn get_close_timeout(&self) -> Duration {
        self.close_timeout
    }

    /// The subprotocols offered (see [`protocol`](Self::protocol)), in order of preference.
    pub fn protocols(&self) -> impl ExactSizeIterator<Item = &str> {
        self.protocols.iter().map(String::as_str)
    }

    /// The extra headers (see [`header`](Self::header)) as name and value, in order.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The extra root certificates (see [`root_certificate_pem`](Self::root_certificate_pem)),
    /// in PEM, in order.
    pub fn root_certificates_pem(&self) -> impl ExactSizeIterator<Item = &[u8]> {
        self.root_certificates_pem.iter().map(Vec::as_slice)
    }

    /// The value of [`trust`](Self::trust).
    pub fn get_trust(&self) -> Trust {
        self.trust
    }

    /// How connections reach the server (see [`proxy`](Self::proxy) and
    /// [`no_proxy`](Self::no_proxy)).
    pub fn get_proxy(&self) -> &Proxy {
        &self.proxy
    }

    /// The interval and the timeout of [`keepalive`](Self::keepalive), in that order, or
    /// `None` when it is off.
    pub fn get_keepalive(&self) -> Option<(Duration, Duration)> {
        self.keepalive
            .map(|Keepalive { interval, timeout }| (interval, timeout))
    }

    /// The value of [`heartbeat`](Self::heartbeat).
    pub fn get_heartbeat(&self) -> Option<&Message> {
        self.heartbeat.as_ref()
    }

    /// The value of [`idle_timeout`](Self::idle_timeout).
    pub fn get_idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    /// The value of [`send_queue`](Self::send_queue).
    pub fn get_send_queue(&self) -> usize {
        self.send_queue
    }

    /// The value of [`buffered_amount_high_water`](Self::buffered_amount_high_water).
    pub fn get_buffered_amount_high_water(&self) -> usize {
        self.buffered_amount_high_water
    }

    /// The value of [`receive_queue`](Self::receive_queue).
    pub fn get_receive_queue(&self) -> usize {
        self.receive_queue
    }

    /// The value of [`receive_queue_bytes`](Self::receive_queue_bytes).
    pub fn get_receive_queue_bytes(&self) -> usize {
        self.receive_queue_bytes
    }

    /// The value of [`max_message_size`](Self::max_message_size).
    pub fn get_max_message_size(&self) -> Option<usize> {
        self.max_message_size
    }

    /// The value of [`read_buffer`](Self::read_buffer): at most 16 MiB (values below 14
    /// are taken as 14 when the connection is made).
    pub fn get_read_buffer(&self) -> usize {
        self.read_buffer
    }
}

impl Config {
    /// Refuses the values no connection could work with; both backends call it before
    /// connecting, so that both fail the same way. What a backend cannot honour is checked
    /// by that backend.
    pub(crate) fn check(&self) -> Result<(), Error> {
        // One message for all but keepalive (each setter's documentation says why), and a
        // chain of `if`s rather than one error per case: this runs in every browser build.
        let zero = |timeout: Option<Duration>| timeout.is_some_and(|t| t.is_zero());
        let keepalive = self
            .keepalive
            .map(|k| (k.interval.is_zero(), k.timeout.is_zero()));
        let (setting, problem) = if zero(self.connect_timeout) {
            ("Config::connect_timeout", ZERO)
        } else if let Some((true, _)) = keepalive {
            (
                "Config::keepalive",
                "a zero interval cannot work (see its documentation)",
            )
        } else if let Some((_, true)) = keepalive {
            (
                "Config::keepalive",
                "a zero timeout cannot work (see its documentation)",
            )
        } else if zero(self.idle_timeout) {
            ("Config::idle_timeout", ZERO)
        } else if self.max_message_size == Some(0) {
            ("Config::max_message_size", ZERO)
        } else {
            return check_protocols(&self.protocols);
        };
        Err(Error::InvalidConfig { setting, problem })
    }
}

/// What `Error::InvalidConfig` says of a zero that cannot work.
const ZERO: &str = "zero cannot work here (see its documentation)";

/// Subprotocols must be HTTP tokens, each offered once: the browser's `WebSocket` throws a
/// `SyntaxError` otherwise, which would read as a bad URL; both targets report the header
/// they go into instead.
fn check_protocols(protocols: &[String]) -> Result<(), Error> {
    let invalid = |protocol: &str, problem: &str| {
        Err(Error::invalid_header(
            "Sec-WebSocket-Protocol",
            format!("`{protocol}{problem}"),
        ))
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
            .field("keepalive", &self.keepalive)
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
        // The getter is where values are read, deliberately.
        assert!(config.headers().any(|(_, value)| value == "session=c00kie"));
    }

    fn refused(config: Config) -> (&'static str, &'static str) {
        match config.check() {
            Err(Error::InvalidConfig {
                setting, problem, ..
            }) => (setting, problem),
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn values_that_cannot_work_are_refused() {
        let zero = Duration::ZERO;
        let second = Duration::from_secs(1);
        assert_eq!(
            refused(Config::default().connect_timeout(zero)).0,
            "Config::connect_timeout"
        );
        let (setting, problem) = refused(Config::default().keepalive(zero, second));
        assert_eq!(setting, "Config::keepalive");
        assert!(problem.contains("interval"), "{problem}");
        let (setting, problem) = refused(Config::default().keepalive(second, zero));
        assert_eq!(setting, "Config::keepalive");
        assert!(problem.contains("timeout"), "{problem}");
        assert_eq!(
            refused(Config::default().keepalive(zero, zero)).1,
            refused(Config::default().keepalive(zero, second)).1,
            "the interval is named first"
        );
        assert_eq!(
            refused(Config::default().idle_timeout(zero)).0,
            "Config::idle_timeout"
        );
        assert_eq!(
            refused(Config::default().max_message_size(0)).0,
            "Config::max_message_size"
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
        // Without keepalive there is no timeout to check: a heartbeat alone passes.
        let no_pings = Config::default().heartbeat(Message::text("ping"));
        assert_eq!(no_pings.get_keepalive(), None);
        assert!(no_pings.check().is_ok());
    }

    #[test]
    fn setters_take_values_out_of_range_as_documented() {
        let config = Config::default()
            .send_queue(0)
            .receive_queue(0)
            .read_buffer(usize::MAX)
            .buffered_amount_high_water(usize::MAX);
        assert_eq!(config.get_send_queue(), 1);
        assert_eq!(config.get_receive_queue(), 1);
        assert_eq!(config.get_read_buffer(), 16 << 20);
        assert_eq!(config.get_buffered_amount_high_water(), usize::MAX - 1);
        let config = config.send_queue(usize::MAX);
        assert_eq!(config.get_send_queue(), usize::MAX >> 3);
        let second = Duration::from_secs(1);
        let config = config.keepalive(second, second * 2);
        assert_eq!(config.get_keepalive(), Some((second, second * 2)));
    }

    #[test]
    fn subprotocols_must_be_distinct_tokens() {
        let problem = |protocols: &[&str]| {
            let config = protocols
                .iter()
                .fold(Config::default(), |c, p| c.protocol(*p));
            match config.check() {
                Ok(()) => None,
                Err(error @ Error::InvalidHeader(_)) => {
                    assert_eq!(error.header_name(), Some("Sec-WebSocket-Protocol"));
                    error.problem().map(str::to_owned)
                }
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
