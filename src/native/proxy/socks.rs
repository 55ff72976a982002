//! A SOCKS5 proxy's tunnel, by tokio-socks, with username and password (RFC 1929) when
//! the proxy URL has them.

use std::net::{IpAddr, SocketAddr};

use tokio::net::TcpStream;
use tokio_socks::TargetAddr;
use tokio_socks::tcp::Socks5Stream;

use super::tunnel::{Credentials, Refusal, Server};

/// What to ask the proxy for: the server's name (`socks5h://`, `remote_dns`), or its
/// addresses, resolved here (`socks5://`), to try in turn.
pub(super) async fn targets(
    server: &Server,
    remote_dns: bool,
) -> Result<Vec<TargetAddr<'static>>, Refusal> {
    if let Ok(address) = server.host.parse::<IpAddr>() {
        return Ok(vec![TargetAddr::Ip(SocketAddr::new(address, server.port))]);
    }
    if remote_dns {
        return Ok(vec![TargetAddr::Domain(
            server.host.clone().into(),
            server.port,
        )]);
    }
    let not_resolved = || {
        Refusal::new(format!(
            "the server's name `{}` could not be resolved here (with `socks5h://` the proxy \
             resolves it)",
            server.host
        ))
    };
    let addresses: Vec<_> = tokio::net::lookup_host((server.host.as_str(), server.port))
        .await
        .map_err(|error| Refusal {
            source: Some(Box::new(error)),
            ..not_resolved()
        })?
        .map(TargetAddr::Ip)
        .collect();
    if addresses.is_empty() {
        return Err(not_resolved());
    }
    Ok(addresses)
}

/// Asks the proxy on `stream` for a tunnel to `target` (for `server`).
pub(super) async fn connect(
    stream: TcpStream,
    target: TargetAddr<'static>,
    server: &Server,
    credentials: Option<&Credentials>,
) -> Result<TcpStream, Refusal> {
    let tunnel = match credentials {
        Some(Credentials { user, password }) => {
            Socks5Stream::connect_with_password_and_socket(stream, target, user, password).await
        }
        None => Socks5Stream::connect_with_socket(stream, target).await,
    };
    tunnel
        .map(Socks5Stream::into_inner)
        .map_err(|error| Refusal {
            problem: describe(&error, &server.authority(), credentials.is_some()),
            status: None,
            source: Some(Box::new(error)),
        })
}

/// What went wrong, in words: the proxy's reply for a refusal, or the step that failed.
fn describe(error: &tokio_socks::Error, authority: &str, sent_credentials: bool) -> String {
    use tokio_socks::Error as E;
    let reply = |meaning: &str| format!("it refused the tunnel to {authority}: {meaning}");
    match error {
        E::GeneralSocksServerFailure => reply("general SOCKS server failure (reply 1)"),
        E::ConnectionNotAllowedByRuleset => reply("connection not allowed by ruleset (reply 2)"),
        E::NetworkUnreachable => reply("network unreachable (reply 3)"),
        E::HostUnreachable => reply("host unreachable (reply 4)"),
        E::ConnectionRefused => reply("connection refused (reply 5)"),
        E::TtlExpired => reply("TTL expired (reply 6)"),
        E::CommandNotSupported => reply("command not supported (reply 7)"),
        E::AddressTypeNotSupported => reply("address type not supported (reply 8)"),
        E::UnknownError => reply("an unknown reply code"),
        E::NoAcceptableAuthMethods if sent_credentials => {
            "it accepts none of the offered ways to log in (username and password)".into()
        }
        E::NoAcceptableAuthMethods | E::AuthorizationRequired => {
            "it asks for credentials; give them in the proxy URL \
             (`socks5://user:password@host:port`)"
                .into()
        }
        E::PasswordAuthFailure(code) => {
            format!("it refused the credentials (status {code})")
        }
        E::InvalidAuthValues(problem) => {
            format!("the credentials cannot be sent over SOCKS5: {problem}")
        }
        E::InvalidTargetAddress(problem) => {
            format!("the server's address cannot be sent over SOCKS5: {problem}")
        }
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof && sent_credentials => {
            "it closed the connection during the SOCKS5 handshake (wrong credentials?)".into()
        }
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "it closed the connection during the SOCKS5 handshake (does it want credentials?)"
                .into()
        }
        E::Io(io) => format!(
            "the SOCKS5 handshake failed: {}",
            super::super::tcp::describe_io(io)
        ),
        other => format!("its SOCKS5 answer is not valid ({other})"),
    }
}
