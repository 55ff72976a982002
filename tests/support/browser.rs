//! The browser side of the suite's support: the test server is a separate process whose
//! port is compiled in, reports come through `fetch`, timers from gloo-timers.

use std::time::Duration;

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

    /// An HTTP GET to the server with `fetch`, the same request made natively.
    pub(super) async fn get_body(&self, path: &str) -> String {
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
