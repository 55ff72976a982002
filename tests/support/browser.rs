//! The browser side of the suite's support: the test server is a separate process whose
//! port is compiled in, reports come through `fetch`, timers from gloo-timers.

use std::time::Duration;

use super::{Report, Until, parse_closed_port, parse_report, report_path};

/// `true` in the browser.
pub const IN_BROWSER: bool = true;

/// The port of the test server started by the test command.
const PORT: Option<&str> = option_env!("WSCLIENT_TEST_SERVER_PORT");

/// The shared test server.
pub struct Peer {
    port: u16,
}

impl Peer {
    pub async fn start() -> Peer {
        let port = PORT
            .and_then(|port| port.parse().ok())
            .expect("WSCLIENT_TEST_SERVER_PORT must name the test server's port at compile time");
        Peer { port }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://127.0.0.1:{}{path_and_query}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn report(&self, id: &str) -> Report {
        self.get(&report_path(id, None, 0)).await
    }

    pub async fn wait(&self, id: &str, until: Until, timeout: Duration) -> Report {
        self.get(&report_path(id, Some(until), timeout.as_millis() as u64))
            .await
    }

    /// A loopback port nothing listens on (the server's `/closed-port`).
    pub async fn closed_port(&self) -> u16 {
        parse_closed_port(&self.get_body("/closed-port").await)
    }

    async fn get(&self, path: &str) -> Report {
        parse_report(&self.get_body(path).await)
    }

    async fn get_body(&self, path: &str) -> String {
        use wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;

        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let window = web_sys::window().expect("a window");
        let response = JsFuture::from(window.fetch_with_str(&url))
            .await
            .unwrap_or_else(|e| panic!("fetch {url} failed: {e:?}"));
        let response: web_sys::Response = response.dyn_into().expect("a Response");
        let text = JsFuture::from(response.text().expect("a body"))
            .await
            .unwrap_or_else(|e| panic!("reading {url} failed: {e:?}"));
        text.as_string().unwrap_or_default()
    }
}

pub async fn sleep(duration: Duration) {
    gloo_timers::future::sleep(duration).await;
}

/// Measures elapsed time with `performance.now()`.
pub struct Stopwatch(f64);

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

impl Stopwatch {
    pub fn start() -> Self {
        Stopwatch(now_ms())
    }

    pub fn elapsed(&self) -> Duration {
        Duration::from_secs_f64(((now_ms() - self.0) / 1000.0).max(0.0))
    }
}

pub(super) fn random_suffix() -> u32 {
    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
}
