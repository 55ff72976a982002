//! Opening a connection: the settings the browser cannot honour, the `WebSocket`
//! constructor, the wait for `open` and the connect timeout.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use wasm_bindgen::JsValue;
use web_sys::WebSocket;

use super::conn::Conn;
use super::convert::JsError;
use super::timer::{Sleep, delay_ms};
use super::turn::Place;
use crate::backend::Opened;
use crate::{Config, Error};

/// What `Error::Connect` says when the browser fails the connection before `open`.
const FAILED_BEFORE_OPEN: &str = "the browser reported a failure before the connection opened \
     (refused, unreachable, or the upgrade was rejected; browsers do not say which)";

/// Opens a connection and waits for `open`.
pub(super) async fn open(
    url: &str,
    config: &Config,
    span: &tracing::Span,
) -> Result<Opened<Rc<Conn>>, Error> {
    check_supported(config)?;
    let conn = Conn::new(new_websocket(url, &config.protocols)?, config, span);

    let mut timer = config
        .connect_timeout
        .map(|timeout| (timeout, Sleep::new(delay_ms(timeout))));
    let opened = poll_fn(|cx| {
        if let Poll::Ready(opened) = conn.poll_open(cx) {
            return Poll::Ready(Ok(opened));
        }
        if let Some((timeout, timer)) = &mut timer {
            if Pin::new(timer).poll(cx).is_ready() {
                return Poll::Ready(Err(*timeout));
            }
        }
        Poll::Pending
    })
    .await;
    drop(timer);

    match opened {
        Ok(true) => {
            let protocol = conn.start();
            Ok(Opened {
                conn,
                slot: Place::default(),
                protocol,
            })
        }
        Ok(false) => {
            conn.abandon();
            Err(Error::connect_failed(url, FAILED_BEFORE_OPEN))
        }
        Err(timeout) => {
            conn.abandon();
            Err(Error::connect_timeout(url, timeout))
        }
    }
}

/// Refuses the settings a page cannot apply, rather than ignoring them.
fn check_supported(config: &Config) -> Result<(), Error> {
    if !config.headers.is_empty() {
        return Err(Error::Unsupported(
            "custom HTTP headers (Config::header): the browser sends its own upgrade request",
        ));
    }
    if !config.root_certificates_pem.is_empty() {
        return Err(Error::Unsupported(
            "custom root certificates (Config::root_certificate_pem): the browser's trust store decides",
        ));
    }
    if matches!(config.proxy, crate::Proxy::Url(_)) {
        return Err(Error::Unsupported(
            "a proxy (Config::proxy): the browser connects through its own proxy settings",
        ));
    }
    if config.trust != crate::Trust::System {
        return Err(Error::Unsupported(
            "a trust setting other than Trust::System (Config::trust): the browser's trust \
             store decides",
        ));
    }
    if config.keepalive.is_some() && config.heartbeat.is_none() {
        return Err(Error::Unsupported(
            "keepalive without a heartbeat: browsers cannot send pings; set Config::heartbeat \
             to a message the peer answers",
        ));
    }
    Ok(())
}

/// Calls the `WebSocket` constructor, which parses the URL and starts connecting.
fn new_websocket(url: &str, protocols: &[String]) -> Result<WebSocket, Error> {
    let created = if protocols.is_empty() {
        WebSocket::new(url)
    } else {
        let offered: js_sys::Array = protocols.iter().map(|p| JsValue::from_str(p)).collect();
        WebSocket::new_with_str_sequence(url, &offered)
    };
    created.map_err(|thrown| {
        let thrown = JsError::from_js(&thrown);
        // Not the browser's message: it quotes the URL whole, password and all.
        if thrown.name() == Some("SyntaxError") && !protocols.is_empty() && parses_as_url(url) {
            // The subprotocols were checked as RFC 6455 has them (case matters, as in
            // browsers); Node's WebSocket also refuses names that differ only in case.
            Error::invalid_header(
                "Sec-WebSocket-Protocol",
                "the JavaScript engine refused the offered subprotocols (Node's WebSocket \
                 refuses names that differ only in case)",
            )
        } else if thrown.name() == Some("SyntaxError") {
            Error::invalid_url(url, "the browser's URL parser rejected it")
        } else {
            Error::connect_failed(url, "the browser refused to open the connection")
                .with_source(thrown)
        }
    })
}

/// Whether the engine's own URL parser (the one its `WebSocket` uses) takes `url`.
fn parses_as_url(url: &str) -> bool {
    web_sys::Url::new(url).is_ok()
}
