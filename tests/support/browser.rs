//! The JavaScript side of the suite's support: the test server is a separate process whose
//! port is compiled in, reports come through `fetch`, timers from gloo-timers.
//!
//! Nothing here needs a `window`: the same test binaries run in a page, in a dedicated,
//! shared or service worker, and under Node (the runner picks the scope, see README.md).

use std::time::Duration;

use wasm_bindgen::prelude::*;

/// `true` in the browser (and in the other JavaScript hosts: workers, Node).
pub const IN_BROWSER: bool = true;

/// The port of the test server started by the test command.
const PORT: Option<&str> = option_env!("OMNISOCKET_TEST_SERVER_PORT");

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, which pages, every kind of worker and Node all have.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str) -> js_sys::Promise;

    /// The global `performance.now()`.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The shared test server.
pub struct Peer {
    port: u16,
}

impl Peer {
    pub async fn start() -> Peer {
        let port = PORT
            .and_then(|port| port.parse().ok())
            .expect("OMNISOCKET_TEST_SERVER_PORT must name the test server's port at compile time");
        Peer { port }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://127.0.0.1:{}{path_and_query}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where the test command says this run happens (`chromium:page`, `node`, ...), as it
    /// told the test server; empty when the server was started by hand.
    pub async fn expected_host(&self) -> String {
        self.get_body("/host").await
    }

    /// An HTTP GET to the server with `fetch`, the same request made natively.
    pub(super) async fn get_body(&self, path: &str) -> String {
        use wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;

        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let response = JsFuture::from(global_fetch(&url))
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

impl Stopwatch {
    pub fn start() -> Self {
        Stopwatch(performance_now())
    }

    pub fn elapsed(&self) -> Duration {
        Duration::from_secs_f64(((performance_now() - self.0) / 1000.0).max(0.0))
    }
}

pub(super) fn random_suffix() -> u32 {
    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
}

/// Where this run happens, named as the test command names it.
pub fn host() -> String {
    let engine = match engine() {
        Engine::Chromium => "chromium",
        Engine::Firefox => "firefox",
        Engine::Node => return "node".to_owned(),
    };
    let scope = match scope() {
        Scope::Page => "page",
        Scope::DedicatedWorker => "dedicated-worker",
        Scope::SharedWorker => "shared-worker",
        Scope::ServiceWorker => "service-worker",
        Scope::Node => "node",
    };
    format!("{engine}:{scope}")
}

/// The JavaScript engine the tests run on, read from the user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Chromium's V8 (a page or a worker).
    Chromium,
    /// Firefox's SpiderMonkey (a page or a worker).
    Firefox,
    /// Node.js, with its own `WebSocket` (undici).
    Node,
}

/// Where in the engine the tests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Page,
    DedicatedWorker,
    SharedWorker,
    ServiceWorker,
    /// Node's global scope: no DOM, no worker.
    Node,
}

fn global_has(name: &str) -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(false)
}

/// The engine the tests run on.
pub fn engine() -> Engine {
    let navigator =
        js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    let agent = js_sys::Reflect::get(&navigator, &"userAgent".into())
        .ok()
        .and_then(|agent| agent.as_string())
        .unwrap_or_default();
    if agent.contains("Firefox/") {
        Engine::Firefox
    } else if scope() == Scope::Node {
        Engine::Node
    } else {
        Engine::Chromium
    }
}

/// Whether the tests run under Node, whose `WebSocket` differs from browsers' in places.
pub fn engine_is_node() -> bool {
    engine() == Engine::Node
}

/// Whether the tests run in Firefox (a page or a worker).
pub fn engine_is_firefox() -> bool {
    engine() == Engine::Firefox
}

/// The kind of global scope the tests run in: each kind of worker has a constructor of
/// its own name in its global scope, a page has a `document`, Node neither.
pub fn scope() -> Scope {
    if global_has("ServiceWorkerGlobalScope") {
        Scope::ServiceWorker
    } else if global_has("SharedWorkerGlobalScope") {
        Scope::SharedWorker
    } else if global_has("DedicatedWorkerGlobalScope") {
        Scope::DedicatedWorker
    } else if global_has("document") {
        Scope::Page
    } else {
        Scope::Node
    }
}
