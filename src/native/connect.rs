//! Opening a connection: the upgrade request, TLS, the timeout and the errors.

use std::sync::Arc;

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::handshake::client::{Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue, header};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;
use tracing::Instrument;

use super::conn::Conn;
use super::driver::{Driver, Socket};
use super::inbox::Inbox;
use super::liveness::Liveness;
use super::proxy::Server;
use super::read_ahead::ReadAhead;
use super::tcp::{describe_io, open_tcp};
use crate::backend::Opened;
use crate::{Config, Error};

/// Connects, performs the upgrade and starts the connection's task.
pub(super) async fn open(
    url: &str,
    config: &Config,
    span: &tracing::Span,
) -> Result<Opened<Arc<Conn>>, Error> {
    let (socket, protocol) = upgrade(url, config, span).await?;
    let inbox = Inbox::new(config.receive_queue, config.receive_queue_bytes);
    let conn = Arc::new(Conn::new(inbox, span.clone()));
    // `Config::send_queue` keeps within what tokio accepts (1 to `usize::MAX >> 3`).
    let (queue, outgoing) = mpsc::channel(config.send_queue);
    let driver = Driver::new(
        socket,
        Arc::clone(&conn),
        outgoing,
        Liveness::new(config),
        config.close_timeout,
    );
    tokio::spawn(driver.instrument(span.clone()));
    Ok(Opened {
        conn,
        slot: PollSender::new(queue),
        protocol,
    })
}

/// Connects and performs the upgrade. Returns the socket and the subprotocol chosen.
async fn upgrade(
    url: &str,
    config: &Config,
    span: &tracing::Span,
) -> Result<(Socket, Option<String>), Error> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(Error::Environment(
            "the native backend of omnisocket must run inside a tokio runtime",
        ));
    }
    let request = build_request(url, config)?;
    let server = server_of(&request);
    let connector = super::tls::connector(url, server.secure, config)?;
    let proxy = super::proxy::choose(config, &server)?;
    if let Some(proxy) = &proxy {
        proxy.log_use(span);
    }
    let handshake = async {
        let tcp = match &proxy {
            None => connect_directly(url, &server).await?,
            Some(proxy) => proxy.open_tunnel(&server).await?,
        };
        tokio_tungstenite::client_async_tls_with_config(
            request,
            ReadAhead::new(tcp),
            Some(websocket_config(config)),
            connector,
        )
        .await
        .map_err(|error| connect_error(url, error))
    };
    let (socket, response) = match config.connect_timeout {
        Some(timeout) => tokio::time::timeout(timeout, handshake)
            .await
            .map_err(|_| Error::connect_timeout(url, timeout))?,
        None => handshake.await,
    }?;
    Ok((socket, chosen_protocol(&response)))
}

/// A TCP connection to the server.
async fn connect_directly(url: &str, server: &Server) -> Result<TcpStream, Error> {
    open_tcp(&server.host, server.port)
        .await
        .map_err(|error| Error::connect_failed(url, describe_io(&error)).with_source(error))
}

/// The server of an upgrade request (whose URL tungstenite has parsed): its host (an IPv6
/// address without brackets), its port, and whether it is reached with TLS.
fn server_of(request: &Request) -> Server {
    let uri = request.uri();
    let secure = uri
        .scheme_str()
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("wss"));
    let host = uri.host().unwrap_or_default();
    Server {
        host: host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host)
            .to_owned(),
        port: uri.port_u16().unwrap_or(if secure { 443 } else { 80 }),
        secure,
    }
}

/// tungstenite's settings: the message size limit, the read buffer
/// (`Config::read_buffer`), and the write buffer as the high-water mark of what waits to
/// be transmitted (`Config::buffered_amount_high_water`).
fn websocket_config(config: &Config) -> WebSocketConfig {
    // The setters keep both buffers within what tungstenite accepts.
    WebSocketConfig::default()
        .max_message_size(config.max_message_size)
        // A frame may be as large as a message, and never smaller than the largest control
        // frame: the peer's Close (with its code and reason) must always get through.
        .max_frame_size(config.max_message_size.map(|max| max.max(125)))
        .write_buffer_size(config.buffered_amount_high_water)
        .read_buffer_size(config.read_buffer)
}

/// The upgrade request; the subprotocols have passed `Config::check`.
fn build_request(url: &str, config: &Config) -> Result<Request, Error> {
    let mut request = super::host::wire_url(url)?
        .as_ref()
        .into_client_request()
        .map_err(|error| Error::invalid_url(url, error.to_string()).with_source(error))?;
    let headers = request.headers_mut();
    for (name, value) in &config.headers {
        let invalid = |problem: &str| Error::invalid_header(name, problem);
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid("not a valid HTTP header name"))?;
        let header_value = HeaderValue::from_str(value)
            .map_err(|_| invalid("the value has characters HTTP headers cannot carry"))?;
        headers.append(header_name, header_value);
    }
    if !config.protocols.is_empty() {
        let value = HeaderValue::from_str(&config.protocols.join(", ")).map_err(|_| {
            Error::invalid_header("Sec-WebSocket-Protocol", "not a valid header value")
        })?;
        headers.insert(header::SEC_WEBSOCKET_PROTOCOL, value);
    }
    Ok(request)
}

fn chosen_protocol(response: &Response) -> Option<String> {
    response
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

fn connect_error(url: &str, error: WsError) -> Error {
    let connect =
        |problem: String, error: WsError| Error::connect_failed(url, problem).with_source(error);
    match error {
        WsError::Http(response) => {
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .and_then(|body| String::from_utf8(body).ok())
                .filter(|body| !body.is_empty());
            Error::upgrade_refused(url, status, body)
        }
        WsError::Io(io) => connect(describe_io(&io), WsError::Io(io)),
        WsError::Url(problem) => Error::invalid_url(url, problem.to_string()).with_source(problem),
        WsError::Tls(_) => connect("the TLS handshake failed".into(), error),
        WsError::Protocol(_) => connect(
            "the server's answer to the upgrade was invalid".into(),
            error,
        ),
        other => connect("the WebSocket handshake failed".into(), other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_buffer_is_capped() {
        let config = Config::default().read_buffer(usize::MAX);
        assert_eq!(
            websocket_config(&config).read_buffer_size,
            crate::config::MAX_READ_BUFFER
        );
        let config = Config::default().read_buffer(0);
        assert_eq!(websocket_config(&config).read_buffer_size, 0);
    }

    #[test]
    fn the_high_water_mark_is_the_write_buffer() {
        let config = Config::default().buffered_amount_high_water(4096);
        assert_eq!(websocket_config(&config).write_buffer_size, 4096);
        let config = Config::default().buffered_amount_high_water(usize::MAX);
        let ws = websocket_config(&config);
        assert!(
            ws.max_write_buffer_size > ws.write_buffer_size,
            "tungstenite would panic"
        );
    }
}
