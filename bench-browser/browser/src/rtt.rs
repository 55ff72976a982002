//! Sequential round trips per second: send a 32-byte text message, wait for its echo,
//! repeat.
//!
//! Each run opens a connection, makes one untimed round trip (the connection is open and
//! every code path has run once), times `n` round trips with `performance.now()`, then
//! closes. Opening and closing are not timed. The clients take turns: every round runs
//! each client once, starting with a different one each round, and a first round is
//! thrown away as a warm-up (JIT, the server's first connections).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};
use omnisocket::{Client, Config, Message};

use crate::{js, now_ms, report, say};

/// The message: 32 bytes of text.
pub const PAYLOAD: &str = "0123456789abcdef0123456789abcdef";

/// The clients compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// `omnisocket::Client` (the browser's `WebClient`): `send(..).await`, `recv().await`.
    Omnisocket,
    /// gloo-net 0.7's `websocket::futures::WebSocket`, through `SinkExt::send` and
    /// `StreamExt::next`.
    GlooNet,
    /// web-sys by hand: Rust closures as `onmessage`/`onclose`, no futures in the loop;
    /// each echo is copied into a Rust `String`, as an application would.
    WebSys,
    /// web-sys by hand with the loop in an async task: `onmessage` queues the echo and
    /// wakes the task, which checks it and sends the next message. The same as `WebSys`
    /// but for the hop from the handler to a task, which every futures-based client has.
    WebSysTask,
    /// A plain JavaScript loop (`onmessage` sends the next message): no wasm at all.
    RawJs,
}

impl Variant {
    /// All, in the order of the table.
    pub const ALL: [Variant; 5] = [
        Variant::Omnisocket,
        Variant::GlooNet,
        Variant::WebSysTask,
        Variant::WebSys,
        Variant::RawJs,
    ];

    /// The name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Omnisocket => "omnisocket (WebClient)",
            Variant::GlooNet => "gloo-net 0.7",
            Variant::WebSys => "web-sys by hand",
            Variant::WebSysTask => "web-sys by hand, awaited in a task",
            Variant::RawJs => "raw JS WebSocket",
        }
    }

    /// Runs `n` timed round trips against `url`; returns their milliseconds.
    ///
    /// # Errors
    /// The connection failed or an echo was wrong.
    pub async fn run(self, url: &str, n: u32) -> Result<f64, String> {
        match self {
            Variant::Omnisocket => omnisocket_rtt(url, n).await,
            Variant::GlooNet => gloo_rtt(url, n).await,
            Variant::WebSys => websys_rtt(url, n).await,
            Variant::WebSysTask => websys_task_rtt(url, n).await,
            Variant::RawJs => {
                let elapsed = JsFuture::from(js::raw_rtt(url, n, PAYLOAD))
                    .await
                    .map_err(|e| js_text(&e))?;
                elapsed
                    .as_f64()
                    .ok_or_else(|| "rawRtt resolved with no number".to_owned())
            }
        }
    }
}

/// Runs the benchmark and prints the table: `rounds` timed rounds after one warm-up
/// round, `n` round trips per run.
///
/// # Errors
/// A run failed.
pub async fn bench(url: &str, n: u32, rounds: usize) -> Result<(), String> {
    say(&format!(
        "round trips: {n} per run, {rounds} rounds + 1 warm-up, 32-byte text, {url}"
    ));
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); Variant::ALL.len()];
    for round in 0..=rounds {
        let mut line = format!(
            "round {round}{}:",
            if round == 0 { " (warm-up)" } else { "" }
        );
        for k in 0..Variant::ALL.len() {
            let i = (round + k) % Variant::ALL.len();
            let variant = Variant::ALL[i];
            let ms = variant
                .run(url, n)
                .await
                .map_err(|e| format!("{}: {e}", variant.name()))?;
            line.push_str(&format!(
                " {}={:.0}/s",
                variant.name(),
                f64::from(n) * 1000.0 / ms
            ));
            if round > 0 {
                times[i].push(ms);
            }
            // Lets the closed connection go before the next one starts.
            TimeoutFuture::new(50).await;
        }
        say(&line);
    }

    // Throughput relative to the raw JavaScript loop of the same round: the rounds are
    // close in time, so this cancels most of the drift of a shared machine.
    let raw = &times[Variant::ALL.len() - 1];
    report(
        "rtt|| client | round trips/s (median) | µs per round trip (median) \
         | slowest–fastest run (round trips/s) | vs raw JS (median of per-round ratios) |",
    );
    report("rtt||---|---:|---:|---:|---:|");
    for (variant, ms) in Variant::ALL.iter().zip(&times) {
        let med = median(ms);
        let per_s = |ms: f64| f64::from(n) * 1000.0 / ms;
        let slowest = ms.iter().copied().fold(f64::MIN, f64::max);
        let fastest = ms.iter().copied().fold(f64::MAX, f64::min);
        let ratios: Vec<f64> = raw.iter().zip(ms).map(|(raw, ms)| raw / ms).collect();
        report(&format!(
            "rtt|| {} | {:.0} | {:.1} | {:.0}–{:.0} | {:.2}× |",
            variant.name(),
            per_s(med),
            med * 1000.0 / f64::from(n),
            per_s(slowest),
            per_s(fastest),
            median(&ratios),
        ));
    }
    for (variant, ms) in Variant::ALL.iter().zip(&times) {
        let runs: Vec<String> = ms.iter().map(|ms| format!("{ms:.1}")).collect();
        report(&format!(
            "rtt-runs|{}|ms per {n}: {}",
            variant.name(),
            runs.join(" ")
        ));
    }
    Ok(())
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        len if len % 2 == 1 => sorted[len / 2],
        len => (sorted[len / 2 - 1] + sorted[len / 2]) / 2.0,
    }
}

fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// One echo, checked.
fn check(reply: Option<Message>) -> Result<(), String> {
    match reply {
        Some(message) if message.as_text().map(str::len) == Some(PAYLOAD.len()) => Ok(()),
        other => Err(format!("wrong echo: {other:?}")),
    }
}

async fn omnisocket_rtt(url: &str, n: u32) -> Result<f64, String> {
    let mut client = Client::connect(url, Config::default())
        .await
        .map_err(|e| e.to_string())?;
    let mut round_trip = async || -> Result<(), String> {
        client
            .send(Message::text(PAYLOAD))
            .await
            .map_err(|e| e.to_string())?;
        check(client.recv().await.transpose().map_err(|e| e.to_string())?)
    };
    round_trip().await?;
    let start = now_ms();
    for _ in 0..n {
        round_trip().await?;
    }
    let elapsed = now_ms() - start;
    let _ = client.shutdown(Duration::from_secs(2)).await;
    Ok(elapsed)
}

async fn gloo_rtt(url: &str, n: u32) -> Result<f64, String> {
    use gloo_net::websocket::Message as GlooMessage;
    use gloo_net::websocket::futures::WebSocket as GlooSocket;

    let mut ws = GlooSocket::open(url).map_err(|e| e.to_string())?;
    let mut round_trip = async || -> Result<(), String> {
        ws.send(GlooMessage::Text(PAYLOAD.to_owned()))
            .await
            .map_err(|e| e.to_string())?;
        match ws.next().await {
            Some(Ok(GlooMessage::Text(text))) if text.len() == PAYLOAD.len() => Ok(()),
            Some(Err(e)) => Err(e.to_string()),
            _ => Err("wrong echo".to_owned()),
        }
    };
    round_trip().await?;
    let start = now_ms();
    for _ in 0..n {
        round_trip().await?;
    }
    let elapsed = now_ms() - start;
    // gloo-net cannot wait for the closing handshake; `bench` pauses between runs.
    ws.close(Some(1000), None).map_err(|e| e.to_string())?;
    Ok(elapsed)
}

/// The loop state of [`websys_rtt`].
struct Loop {
    /// Round trips completed; -1 before the untimed first one.
    done: i64,
    start: f64,
    elapsed: Option<f64>,
    wrong: Option<String>,
    settle: Option<(Function, Function)>,
}

async fn websys_rtt(url: &str, n: u32) -> Result<f64, String> {
    let ws = WebSocket::new(url).map_err(|e| js_text(&e))?;
    let state = Rc::new(RefCell::new(Loop {
        done: -1,
        start: 0.0,
        elapsed: None,
        wrong: None,
        settle: None,
    }));
    let finished = Promise::new(&mut |resolve, reject| {
        state.borrow_mut().settle = Some((resolve, reject));
    });
    let on_open = {
        let ws = ws.clone();
        Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let _ = ws.send_with_str(PAYLOAD);
        })
    };
    let on_message = {
        let (ws, state) = (ws.clone(), Rc::clone(&state));
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let text = event.data().as_string();
            let mut state = state.borrow_mut();
            if text.as_deref().map(str::len) != Some(PAYLOAD.len()) {
                state.wrong = Some(format!("wrong echo: {text:?}"));
                let _ = ws.close();
                return;
            }
            state.done += 1;
            if state.done == 0 {
                state.start = now_ms();
            }
            if state.done == i64::from(n) {
                state.elapsed = Some(now_ms() - state.start);
                let _ = ws.close_with_code(1000);
                return;
            }
            drop(state);
            let _ = ws.send_with_str(PAYLOAD);
        })
    };
    let on_close = {
        let state = Rc::clone(&state);
        Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
            let mut state = state.borrow_mut();
            let Some((resolve, reject)) = state.settle.take() else {
                return;
            };
            let _ = match (state.elapsed, &state.wrong) {
                (Some(ms), None) => resolve.call1(&JsValue::NULL, &ms.into()),
                (_, wrong) => {
                    let why = wrong.clone().unwrap_or_else(|| "closed early".to_owned());
                    reject.call1(&JsValue::NULL, &why.into())
                }
            };
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let result = JsFuture::from(finished).await;
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    let elapsed = result.map_err(|e| js_text(&e))?;
    elapsed.as_f64().ok_or_else(|| "no elapsed time".to_owned())
}

/// What the handlers of [`websys_task_rtt`] share with its task.
#[derive(Default)]
struct TaskInbox {
    open: bool,
    closed: bool,
    messages: std::collections::VecDeque<Option<String>>,
    waker: Option<std::task::Waker>,
}

type SharedInbox = Rc<RefCell<TaskInbox>>;

/// A socket handler that updates the inbox with `update`, then wakes the task.
fn inbox_handler<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    inbox: &SharedInbox,
    update: impl Fn(&mut TaskInbox, E) + 'static,
) -> Closure<dyn FnMut(E)> {
    let inbox = Rc::clone(inbox);
    Closure::new(move |event: E| {
        let mut inbox = inbox.borrow_mut();
        update(&mut inbox, event);
        if let Some(waker) = inbox.waker.take() {
            waker.wake();
        }
    })
}

/// Waits until `ready` gives an answer from the inbox.
async fn inbox_wait<T>(inbox: &SharedInbox, ready: impl Fn(&mut TaskInbox) -> Option<T>) -> T {
    std::future::poll_fn(|cx| {
        let mut inbox = inbox.borrow_mut();
        match ready(&mut inbox) {
            Some(answer) => std::task::Poll::Ready(answer),
            None => {
                inbox.waker = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    })
    .await
}

async fn websys_task_rtt(url: &str, n: u32) -> Result<f64, String> {
    let ws = WebSocket::new(url).map_err(|e| js_text(&e))?;
    let inbox = SharedInbox::default();
    let on_open = inbox_handler(&inbox, |inbox, _: Event| inbox.open = true);
    let on_message = inbox_handler(&inbox, |inbox, event: MessageEvent| {
        inbox.messages.push_back(event.data().as_string());
    });
    let on_close = inbox_handler(&inbox, |inbox, _: CloseEvent| inbox.closed = true);
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));

    let result = async {
        let opened = inbox_wait(&inbox, |inbox| {
            (inbox.open || inbox.closed).then_some(inbox.open)
        });
        if !opened.await {
            return Err("closed before open".to_owned());
        }
        let round_trip = async || -> Result<(), String> {
            ws.send_with_str(PAYLOAD).map_err(|e| js_text(&e))?;
            let echo = inbox_wait(&inbox, |inbox| match inbox.messages.pop_front() {
                Some(message) => Some(Ok(message)),
                None if inbox.closed => Some(Err("closed early".to_owned())),
                None => None,
            })
            .await?;
            match echo {
                Some(text) if text.len() == PAYLOAD.len() => Ok(()),
                other => Err(format!("wrong echo: {other:?}")),
            }
        };
        round_trip().await?;
        let start = now_ms();
        for _ in 0..n {
            round_trip().await?;
        }
        Ok(now_ms() - start)
    }
    .await;
    let _ = ws.close_with_code(1000);
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    result
}
