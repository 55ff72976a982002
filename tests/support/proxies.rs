//! Real proxies for the proxy tests, each a process of its own on a free loopback port,
//! stopped when dropped: tinyproxy (HTTP CONNECT), Dante (SOCKS5) and pproxy (SOCKS5
//! with a password). `scripts/setup.sh` installs them.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// One proxy process.
pub struct ProxyProcess {
    name: &'static str,
    child: Child,
    port: u16,
    log: PathBuf,
}

/// What the HTTP proxy accepts.
#[derive(Default)]
pub struct HttpRules<'a> {
    /// `BasicAuth user password`.
    pub credentials: Option<(&'a str, &'a str)>,
    /// `ConnectPort`: tunnels to this port only (others are refused with 403).
    pub only_port: Option<u16>,
}

impl ProxyProcess {
    /// tinyproxy, an HTTP proxy that opens tunnels with `CONNECT`.
    pub async fn tinyproxy(rules: HttpRules<'_>) -> ProxyProcess {
        let (dir, port) = (scratch_dir("tinyproxy"), free_port());
        let log = dir.join("tinyproxy.log");
        let mut config = format!(
            "Listen 127.0.0.1\nPort {port}\nTimeout 30\nMaxClients 100\nLogLevel Info\n\
             LogFile \"{}\"\n",
            log.display()
        );
        if let Some((user, password)) = rules.credentials {
            config += &format!("BasicAuth {user} {password}\n");
        }
        if let Some(only) = rules.only_port {
            config += &format!("ConnectPort {only}\n");
        }
        let config_path = dir.join("tinyproxy.conf");
        std::fs::write(&config_path, config).expect("write tinyproxy.conf");
        let mut command = Command::new("tinyproxy");
        command.arg("-d").arg("-c").arg(&config_path);
        Self::start("tinyproxy", command, port, log).await
    }

    /// Dante, a SOCKS5 proxy without credentials, that refuses tunnels to `blocked_port`
    /// ("not allowed by ruleset").
    pub async fn dante(blocked_port: u16) -> ProxyProcess {
        let (dir, port) = (scratch_dir("dante"), free_port());
        let log = dir.join("dante.log");
        // As root, Dante must be told whom to run as.
        // SAFETY: geteuid has no preconditions.
        let users = if unsafe { libc::geteuid() } == 0 {
            "user.privileged: root\nuser.unprivileged: nobody\n"
        } else {
            ""
        };
        let config = format!(
            "logoutput: {log}\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\n\
             clientmethod: none\nsocksmethod: none\n{users}\
             client pass {{\n from: 127.0.0.0/8 to: 0.0.0.0/0\n}}\n\
             socks block {{\n from: 0.0.0.0/0 to: 127.0.0.1/32 port = {blocked_port}\n log: connect error\n}}\n\
             socks pass {{\n from: 127.0.0.0/8 to: 0.0.0.0/0\n protocol: tcp\n log: connect error\n}}\n",
            log = log.display()
        );
        let config_path = dir.join("danted.conf");
        std::fs::write(&config_path, config).expect("write danted.conf");
        let mut command = Command::new("/usr/sbin/danted");
        command.arg("-f").arg(&config_path).arg("-N").arg("1");
        Self::start("danted", command, port, log).await
    }

    /// pproxy as a SOCKS5 proxy that asks for `user` and `password`.
    pub async fn pproxy_socks5(user: &str, password: &str) -> ProxyProcess {
        let (dir, port) = (scratch_dir("pproxy"), free_port());
        let log = dir.join("pproxy.log");
        let mut command = Command::new("pproxy");
        command
            .arg("-l")
            .arg(format!("socks5://127.0.0.1:{port}#{user}:{password}"))
            // Every connection logs in: by default pproxy lets an address that logged in
            // once go unchecked for 30 days.
            .args(["--auth", "0"])
            .arg("-v");
        Self::start("pproxy", command, port, log).await
    }

    async fn start(name: &'static str, mut command: Command, port: u16, log: PathBuf) -> Self {
        let output = std::fs::File::create(log.with_extension("out")).expect("create output file");
        let errors = output.try_clone().expect("clone output file");
        let child = command
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {name} ({error}); scripts/setup.sh installs it")
            });
        let mut proxy = ProxyProcess {
            name,
            child,
            port,
            log,
        };
        proxy.wait_until_listening().await;
        proxy
    }

    async fn wait_until_listening(&mut self) {
        let started = Instant::now();
        loop {
            if self.answers().await {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.output());
            }
            if started.elapsed() > Duration::from_secs(20) {
                panic!(
                    "{} is not listening after 20 s:\n{}",
                    self.name,
                    self.output()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `true` once the proxy takes a connection and, for Dante, answers a SOCKS5 greeting:
    /// Dante listens before its negotiating processes run, and a connection accepted then
    /// may be reset (seen on a loaded machine).
    async fn answers(&self) -> bool {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        if self.name != "danted" {
            return true;
        }
        // Version 5, one method: none; Dante answers version 5 with the method it picks.
        let mut answer = [0; 2];
        stream.write_all(&[5, 1, 0]).await.is_ok()
            && tokio::time::timeout(Duration::from_secs(2), stream.read_exact(&mut answer))
                .await
                .is_ok_and(|read| read.is_ok())
            && answer[0] == 5
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `scheme://[credentials@]127.0.0.1:port`.
    pub fn url(&self, scheme: &str, credentials: Option<(&str, &str)>) -> String {
        match credentials {
            Some((user, password)) => {
                format!("{scheme}://{user}:{password}@127.0.0.1:{}", self.port)
            }
            None => format!("{scheme}://127.0.0.1:{}", self.port),
        }
    }

    /// What the proxy logged and printed so far.
    pub fn output(&self) -> String {
        let read = |path: PathBuf| std::fs::read_to_string(path).unwrap_or_default();
        read(self.log.clone()) + &read(self.log.with_extension("out"))
    }

    /// Whether the proxy logged a tunnel to `127.0.0.1:port` (or `localhost:port`), as
    /// each proxy writes it.
    pub fn tunnelled_to(&self, port: u16) -> bool {
        let output = self.output();
        [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("127.0.0.1.{port}"),
        ]
        .iter()
        .any(|target| output.contains(target.as_str()))
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = self.log.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A port nothing listens on at the moment (the proxy binds it right after).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local address").port()
}

fn scratch_dir(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "omnisocket-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}
