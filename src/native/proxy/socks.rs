//! A SOCKS5 proxy's tunnel, by tokio-socks, with username and password (RFC 1929) when
//! the proxy URL has them.

use std::net::{IpAddr, SocketAddr};

use tokio::net::TcpStream;
use tokio_socks::TargetAddr;
use tokio_socks::tcp::Socks5Stream;

use super::{Credentials, Refusal, Server};

/// Asks the proxy on `stream` for a tunnel to `server`. With `remote_dns` the proxy
/// resolves the server's name; otherwise it is resolved here and the proxy gets an address.
pub(super) async fn connect(
    stream: TcpStream,
    server: &Server,
    remote_dns: bool,
    credentials: Option<&Credentials>,
) -> Result<TcpStream, Refusal> {
    let target = match server.host.parse::<IpAddr>() {
        Ok(address) => TargetAddr::Ip(SocketAddr::new(address, server.port)),
        Err(_) if remote_dns => TargetAddr::Domain(server.host.as_str().into(), server.port),
        Err(_) => TargetAddr::Ip(resolve(server).await?),
    };
    let authority = server.authority();
    let tunnel = match credentials {
        Some(Credentials { user, password }) => {
            Socks5Stream::connect_with_password_and_socket(stream, target, user, password).await
        }
        None => Socks5Stream::connect_with_socket(stream, target).await,
    };
    tunnel
        .map(Socks5Stream::into_inner)
        .map_err(|error| Refusal {
            problem: describe(&error, &authority, credentials.is_some()),
            status: None,
            source: Some(Box::new(error)),
        })
}

/// The server's first address, for a proxy that is handed addresses (`socks5://`).
async fn resolve(server: &Server) -> Result<SocketAddr, Refusal> {
    let not_resolved = || {
        Refusal::new(format!(
            "the server's name `{}` could not be resolved here (with `socks5h://` the proxy \
             resolves it)",
            server.host
        ))
    };
    let mut addresses = tokio::net::lookup_host((server.host.as_str(), server.port))
        .await
        .map_err(|error| Refusal {
            source: Some(Box::new(error)),
            ..not_resolved()
        })?;
    addresses.next().ok_or_else(not_resolved)
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
            super::super::describe_io(io)
        ),
        other => format!("its SOCKS5 answer is not valid ({other})"),
    }
}
