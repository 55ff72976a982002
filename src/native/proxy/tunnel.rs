//! What the tunnel handshakes (`http`, `socks`) are given and give back: the server to
//! reach, the proxy's credentials, and a proxy's refusal.

/// A user and password from the proxy URL, percent-decoded.
pub(super) struct Credentials {
    pub(super) user: String,
    pub(super) password: String,
}

/// Never shows the password.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The server a connection goes to: its host (a name, or an IP address without brackets)
/// and port.
#[derive(Debug)]
pub(in crate::native) struct Server {
    pub(in crate::native) host: String,
    pub(in crate::native) port: u16,
    pub(in crate::native) secure: bool,
}

impl Server {
    /// `host:port`, with an IPv6 address in brackets, as `CONNECT` and errors name it.
    pub(super) fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Why a proxy did not open the tunnel, as `http` and `socks` report it.
#[derive(Debug)]
pub(super) struct Refusal {
    pub(super) problem: String,
    /// The HTTP status an HTTP proxy answered.
    pub(super) status: Option<u16>,
    pub(super) source: Option<crate::BoxError>,
}

impl Refusal {
    pub(super) fn new(problem: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            status: None,
            source: None,
        }
    }
}
