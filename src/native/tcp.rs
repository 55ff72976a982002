//! TCP connections, to the server or to a proxy, and what their errors say.

use std::io;

use tokio::net::TcpStream;

/// A TCP connection to `host:port` (each of its addresses in turn), Nagle's algorithm
/// off: to the server, or to a proxy.
pub(super) async fn open_tcp(host: &str, port: u16) -> io::Result<TcpStream> {
    let stream = TcpStream::connect((host, port)).await?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// What went wrong with a TCP connection, in words a user can act on.
pub(super) fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => {
            "connection refused (is a server listening on that port?)".into()
        }
        io::ErrorKind::TimedOut => "the TCP connection timed out".into(),
        _ if error.to_string().contains("lookup") || error.to_string().contains("resolve") => {
            "the host name could not be resolved".into()
        }
        _ => error.to_string(),
    }
}
