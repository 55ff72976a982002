//! The demo's state, and what each control of the page does.
//!
//! One connection at a time. Its [`Client`] lives in a receive task that logs what
//! arrives; the page keeps a sender handle for sending and closing. When `recv()` ends
//! before the page closed, the peer (or the network) ended the connection first, and the
//! page asks `shutdown()` how: it resolves at once with what happened.
//!
//! With [`Behaviour::Reconnect`] the page connects a [`Reconnecting`] client instead. A
//! second task follows its events, logs each one and keeps the status pill current; its
//! `recv()` ends only when the client stops, and the page closes it the same way.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use futures_core::Stream;

use omnisocket::reconnect::{Events, Reconnecting};
use omnisocket::{Client, CloseCode, CloseFrame, Config, Message, Shutdown};
use wasm_bindgen::prelude::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    Document, Event, EventTarget, HtmlButtonElement, HtmlElement, HtmlInputElement,
    HtmlSelectElement,
};

use crate::behaviour::Behaviour;
use crate::dom::{self, Listener};
use crate::handle::Handle;
use crate::outcome::outcome_parts;
use crate::reconnecting::{self, Tone};

/// The largest timeout or delay the page accepts, in milliseconds.
const MAX_MS: u32 = 30_000;
/// How long `connect` may take before the page reports an error.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

thread_local! {
    /// The running demo, kept for as long as the page lives.
    static PAGE: RefCell<Option<Page>> = const { RefCell::new(None) };
}

struct Page {
    _app: Rc<App>,
    _listeners: Vec<Listener>,
}

/// Finds the page's elements, wires up its controls and marks `<body data-ready>`.
pub(crate) fn start() -> Result<(), JsValue> {
    let document = dom::document()?;
    let ui = Ui::find(&document)?;
    let app = Rc::new(App {
        document,
        ui,
        started: dom::now_ms(),
        conn: RefCell::new(None),
        connecting: Cell::new(false),
        next_id: Cell::new(1),
        shown: Cell::new(None),
    });
    app.fill_modes()?;
    let listeners = listen(&app)?;
    app.update_mode();
    app.render();
    if let Some(body) = app.document.body() {
        body.set_attribute("data-ready", "true")?;
    }
    PAGE.with(|page| {
        *page.borrow_mut() = Some(Page {
            _app: app,
            _listeners: listeners,
        });
    });
    Ok(())
}

/// The page's elements, by id.
struct Ui {
    mode: HtmlSelectElement,
    param_row: HtmlElement,
    param: HtmlInputElement,
    hint: HtmlElement,
    url: HtmlElement,
    connect: HtmlButtonElement,
    status: HtmlElement,
    send_form: HtmlElement,
    message: HtmlInputElement,
    send: HtmlButtonElement,
    timeout: HtmlInputElement,
    shutdown: HtmlButtonElement,
    close_form: HtmlElement,
    close_code: HtmlInputElement,
    close_reason: HtmlInputElement,
    close: HtmlButtonElement,
    outcome: HtmlElement,
    outcome_detail: HtmlElement,
    error: HtmlElement,
    log: HtmlElement,
    clear: HtmlButtonElement,
}

impl Ui {
    fn find(d: &Document) -> Result<Self, JsValue> {
        Ok(Self {
            mode: dom::by_id(d, "mode")?,
            param_row: dom::by_id(d, "param-row")?,
            param: dom::by_id(d, "param-ms")?,
            hint: dom::by_id(d, "mode-hint")?,
            url: dom::by_id(d, "url")?,
            connect: dom::by_id(d, "connect")?,
            status: dom::by_id(d, "status")?,
            send_form: dom::by_id(d, "send-form")?,
            message: dom::by_id(d, "message")?,
            send: dom::by_id(d, "send")?,
            timeout: dom::by_id(d, "timeout")?,
            shutdown: dom::by_id(d, "shutdown")?,
            close_form: dom::by_id(d, "close-form")?,
            close_code: dom::by_id(d, "close-code")?,
            close_reason: dom::by_id(d, "close-reason")?,
            close: dom::by_id(d, "close")?,
            outcome: dom::by_id(d, "outcome")?,
            outcome_detail: dom::by_id(d, "outcome-detail")?,
            error: dom::by_id(d, "error")?,
            log: dom::by_id(d, "log")?,
            clear: dom::by_id(d, "clear")?,
        })
    }
}

/// Which connection a log entry belongs to (0: the page itself), and when it started.
#[derive(Clone, Copy)]
struct Tag {
    id: u32,
    started: f64,
    behaviour: Option<Behaviour>,
}

/// The current connection.
struct Conn {
    tag: Tag,
    handle: Handle,
    /// A shutdown or close is under way (or the connection ended by itself).
    closing: bool,
    /// A reconnecting client is between connections (waiting, or attempting).
    down: bool,
    /// Messages the page sent while `down`: they go out once a connection opens.
    queued: usize,
    /// The client, once its receive task is done, kept until the outcome is known:
    /// dropping it earlier would start a second, default-timeout close.
    parked: Option<Client>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Connecting,
    Open,
    Reconnecting,
    Closing,
}

/// The kinds of log entries (their CSS class and label).
#[derive(Clone, Copy)]
enum Kind {
    Connect,
    Info,
    Sent,
    Received,
    Close,
    Outcome,
    Error,
    /// The reconnecting client waits before an attempt, or makes one.
    Retry,
    /// The reconnecting client has a connection open.
    Up,
    /// The reconnecting client lost its connection, or an attempt failed.
    Down,
    /// The reconnecting client stopped (or lost something on the way).
    Stop,
}

impl From<Tone> for Kind {
    fn from(tone: Tone) -> Self {
        match tone {
            Tone::Retry => Self::Retry,
            Tone::Up => Self::Up,
            Tone::Down => Self::Down,
            Tone::Stop => Self::Stop,
        }
    }
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Info => "info",
            Self::Sent => "sent",
            Self::Received => "received",
            Self::Close => "close",
            Self::Outcome => "outcome",
            Self::Error => "error",
            Self::Retry => "retry",
            Self::Up => "up",
            Self::Down => "down",
            Self::Stop => "stop",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Info => "info",
            Self::Sent => "sent →",
            Self::Received => "← recv",
            Self::Close => "close →",
            Self::Outcome => "outcome",
            Self::Error => "error",
            Self::Retry => "retry",
            Self::Up => "up ↑",
            Self::Down => "down ↓",
            Self::Stop => "stop",
        }
    }
}

struct App {
    document: Document,
    ui: Ui,
    /// When the page started, for entries that belong to no connection.
    started: f64,
    conn: RefCell<Option<Conn>>,
    connecting: Cell<bool>,
    next_id: Cell<u32>,
    /// The behaviour the settings were last shown for, to know when N still holds its
    /// default.
    shown: Cell<Option<Behaviour>>,
}

fn listen(app: &Rc<App>) -> Result<Vec<Listener>, JsValue> {
    let ui = &app.ui;
    Ok(vec![
        on(app, &ui.mode, "change", |app, _| app.change_mode())?,
        on(app, &ui.param, "input", |app, _| app.update_mode())?,
        on(app, &ui.timeout, "input", |app, _| app.update_mode())?,
        on(app, &ui.connect, "click", |app, _| {
            spawn_local(app.connect())
        })?,
        on(app, &ui.send_form, "submit", |app, event| {
            event.prevent_default();
            spawn_local(app.send());
        })?,
        on(app, &ui.shutdown, "click", |app, _| {
            spawn_local(app.close(None));
        })?,
        on(app, &ui.close_form, "submit", |app, event| {
            event.prevent_default();
            spawn_local(app.close_with_code());
        })?,
        on(app, &ui.clear, "click", |app, _| {
            app.ui.log.set_inner_html("")
        })?,
    ])
}

fn on(
    app: &Rc<App>,
    target: &EventTarget,
    kind: &'static str,
    handler: impl Fn(Rc<App>, Event) + 'static,
) -> Result<Listener, JsValue> {
    let app = Rc::clone(app);
    Listener::new(target, kind, move |event| handler(Rc::clone(&app), event))
}

impl App {
    // ----- the controls -----

    async fn connect(self: Rc<Self>) {
        if self.phase() != Phase::Idle {
            return;
        }
        self.clear_error();
        let settings = self.behaviour().and_then(|b| {
            let ms = read_ms(&self.ui.param, "N")?;
            Ok((b, ms, ws_base()?))
        });
        let (behaviour, ms, base) = match settings {
            Ok(settings) => settings,
            Err(e) => return self.fail(self.page_tag(), &e),
        };
        let tag = Tag {
            id: self.next_id.get(),
            started: dom::now_ms(),
            behaviour: Some(behaviour),
        };
        let url = format!("{base}{}", behaviour.path(ms, &scenario(tag.id)));
        self.next_id.set(tag.id.saturating_add(1));
        self.connecting.set(true);
        self.render();
        if behaviour.reconnects() {
            return Rc::clone(&self).connect_reconnecting(tag, &url).await;
        }
        self.log(tag, Kind::Connect, &format!("Client::connect(\"{url}\")"));

        let config = Config::default().connect_timeout(CONNECT_TIMEOUT);
        let result = Client::connect(&url, config).await;
        self.connecting.set(false);
        match result {
            Ok(client) => {
                self.opened(tag, Rc::new(client.sender()));
                spawn_local(Rc::clone(&self).receive(tag, client));
            }
            Err(e) => self.fail(tag, &format!("connect failed: {e}")),
        }
        self.render();
    }

    /// Connect for [`Behaviour::Reconnect`]: a [`Reconnecting`] client, its receive task
    /// and the task that follows its events.
    async fn connect_reconnecting(self: Rc<Self>, tag: Tag, url: &str) {
        let text = format!("Reconnecting::connect(\"{url}\")");
        self.log(tag, Kind::Connect, &text);
        let opened = Rc::new(Cell::new(false));
        let policy = reconnecting::policy(Rc::clone(&opened));
        let config = Config::default().connect_timeout(CONNECT_TIMEOUT);
        let result = Reconnecting::connect(url, config, policy).await;
        self.connecting.set(false);
        match result {
            Ok(ws) => {
                // From now on a failed attempt is retried.
                opened.set(true);
                // Subscribed before this task yields, and so before the client's own task
                // runs: every event after the first Open is seen.
                let events = ws.events();
                self.opened(tag, Rc::new(ws.sender()));
                spawn_local(Rc::clone(&self).follow(tag, events));
                spawn_local(Rc::clone(&self).receive_reconnecting(tag, ws));
            }
            Err(e) => self.fail(tag, &format!("connect failed: {e}")),
        }
        self.render();
    }

    /// The connection is open: the page keeps `handle` for sending and closing.
    fn opened(&self, tag: Tag, handle: Handle) {
        let took = dom::now_ms() - tag.started;
        self.log(tag, Kind::Info, &format!("open after {took:.0} ms"));
        let mode = tag.behaviour.map_or("?", Behaviour::key);
        self.show_outcome(
            "pending",
            "pending",
            &format!("connection #{} · {mode} · open", tag.id),
        );
        *self.conn.borrow_mut() = Some(Conn {
            tag,
            handle,
            closing: false,
            down: false,
            queued: 0,
            parked: None,
        });
    }

    async fn send(self: Rc<Self>) {
        self.clear_error();
        let current = self
            .conn
            .borrow()
            .as_ref()
            .map(|c| (c.tag, c.handle.clone(), c.down && !c.closing));
        let Some((tag, handle, down)) = current else {
            return self.fail(self.page_tag(), "not connected: connect first");
        };
        let text = self.ui.message.value();
        match handle.send(Message::text(text.as_str())).await {
            Ok(()) if down => {
                if let Some(c) = self.conn.borrow_mut().as_mut() {
                    if c.tag.id == tag.id {
                        c.queued += 1;
                    }
                }
                let text = format!("{} (queued: goes out on the next connection)", quote(&text));
                self.log(tag, Kind::Sent, &text);
            }
            Ok(()) => self.log(tag, Kind::Sent, &quote(&text)),
            Err(e) => self.fail(tag, &format!("send() refused: {e}")),
        }
    }

    async fn close_with_code(self: Rc<Self>) {
        self.clear_error();
        let raw = self.ui.close_code.value();
        let code = match raw.trim().parse::<u16>() {
            Ok(code) => code,
            Err(_) => return self.fail(self.page_tag(), &format!("{raw:?} is not a close code")),
        };
        // Accepts 1000-4999: what a peer may report. Whether this page may *send* the code
        // is for close() to decide.
        let code = match CloseCode::try_from(code) {
            Ok(code) => code,
            Err(e) => return self.fail(self.page_tag(), &e.to_string()),
        };
        let frame = CloseFrame::new(code, self.ui.close_reason.value());
        self.close(Some(frame)).await;
    }

    /// `shutdown(timeout)` (no frame) or `close(frame, timeout)`.
    async fn close(self: Rc<Self>, frame: Option<CloseFrame>) {
        self.clear_error();
        let timeout_ms = match read_ms(&self.ui.timeout, "the timeout") {
            Ok(ms) => ms,
            Err(e) => return self.fail(self.page_tag(), &e),
        };
        let current = {
            let mut conn = self.conn.borrow_mut();
            match conn.as_mut() {
                Some(c) if !c.closing => {
                    c.closing = true;
                    Ok((c.tag, c.handle.clone(), c.down))
                }
                Some(_) => Err("already closing: wait for the outcome"),
                None => Err("not connected: connect first"),
            }
        };
        let (tag, handle, down) = match current {
            Ok(current) => current,
            Err(e) => return self.fail(self.page_tag(), e),
        };
        self.render();
        let timeout = Duration::from_millis(timeout_ms.into());
        let began = dom::now_ms();
        // A reconnecting client between connections has no Close to send: it just stops.
        let between = if down { " between connections" } else { "" };
        let outcome = match frame {
            None => {
                let sent = if down {
                    "no Close to send"
                } else {
                    "Close 1000 sent"
                };
                let text = format!("shutdown({timeout_ms} ms){between}: {sent}");
                self.log(tag, Kind::Close, &text);
                Ok(handle.shutdown(timeout).await)
            }
            Some(frame) => {
                let text = format!("close({frame}, {timeout_ms} ms){between}");
                self.log(tag, Kind::Close, &text);
                handle.close(frame, timeout).await
            }
        };
        match outcome {
            Ok(outcome) => self.finish(tag, &outcome, dom::now_ms() - began, timeout_ms),
            Err(e) => {
                if let Some(c) = self.conn.borrow_mut().as_mut() {
                    if c.tag.id == tag.id {
                        c.closing = false;
                    }
                }
                let text = format!("close() refused: {e}. Nothing was sent; still open.");
                self.fail(tag, &text);
                self.render();
            }
        }
    }

    // ----- the connection -----

    /// Logs what arrives until `recv()` ends.
    async fn receive(self: Rc<Self>, tag: Tag, mut client: Client) {
        while let Some(item) = client.recv().await {
            match item {
                Ok(message) => self.log(tag, Kind::Received, &describe(&message)),
                Err(e) => self.log(tag, Kind::Error, &format!("recv() failed: {e}")),
            }
        }
        self.log(
            tag,
            Kind::Info,
            "recv() returned None: nothing more will arrive",
        );
        let ended_first = {
            let mut conn = self.conn.borrow_mut();
            match conn.as_mut() {
                Some(c) if c.tag.id == tag.id && c.closing => {
                    // The page's own shutdown is under way; its outcome releases the client.
                    c.parked = Some(client);
                    return;
                }
                Some(c) if c.tag.id == tag.id => {
                    c.closing = true;
                    Some(c.handle.clone())
                }
                // Already finished: the outcome is known, so dropping the client is a no-op.
                _ => None,
            }
        };
        let Some(handle) = ended_first else {
            return;
        };
        // The peer or the network ended the connection first: shutdown() says how, at once.
        self.ended_by_itself(tag, &handle, "the connection ended by itself")
            .await;
        drop(client);
    }

    /// Logs what arrives on any of a [`Reconnecting`] client's connections until `recv()`
    /// ends, which it does only once the client has stopped.
    async fn receive_reconnecting(self: Rc<Self>, tag: Tag, mut ws: Reconnecting<Client>) {
        while let Some(message) = ws.recv().await {
            self.log(tag, Kind::Received, &describe(&message));
        }
        self.log(
            tag,
            Kind::Info,
            "recv() returned None: the client has stopped",
        );
        let gave_up = {
            let mut conn = self.conn.borrow_mut();
            match conn.as_mut() {
                Some(c) if c.tag.id == tag.id && !c.closing => {
                    c.closing = true;
                    Some(c.handle.clone())
                }
                // The page's own shutdown, whose outcome the page shows; a stopped client
                // can be dropped at any time.
                _ => None,
            }
        };
        if let Some(handle) = gave_up {
            // The policy gave up: shutdown() returns at once with the last outcome.
            self.ended_by_itself(tag, &handle, "the client gave up")
                .await;
        }
    }

    /// The connection (or the client) ended before the page closed it: `shutdown()` tells
    /// how, at once, and the page shows it as the outcome.
    async fn ended_by_itself(&self, tag: Tag, handle: &Handle, what: &str) {
        self.render();
        let timeout_ms = read_ms(&self.ui.timeout, "the timeout").unwrap_or(2_000);
        let text = format!("shutdown({timeout_ms} ms) after {what}");
        self.log(tag, Kind::Close, &text);
        let began = dom::now_ms();
        let outcome = handle
            .shutdown(Duration::from_millis(timeout_ms.into()))
            .await;
        self.finish(tag, &outcome, dom::now_ms() - began, timeout_ms);
    }

    /// Logs each event of a [`Reconnecting`] client as it happens, and shows in the status
    /// whether a connection is open, until the client's last event.
    async fn follow(self: Rc<Self>, tag: Tag, mut events: Events) {
        while let Some(event) = poll_fn(|cx| Pin::new(&mut events).poll_next(cx)).await {
            let mut line = reconnecting::describe(&event);
            let change = line.open.and_then(|open| self.track(tag, open));
            if let Some(queued @ 1..) = change {
                line.text += &match queued {
                    1 => ": 1 queued message goes out now".to_owned(),
                    n => format!(": {n} queued messages go out now"),
                };
            }
            self.log(tag, line.tone.into(), &line.text);
            if let (Some(open), Some(_)) = (line.open, change) {
                let state = if open { "open" } else { "reconnecting" };
                let detail = format!("connection #{} · reconnect · {state}", tag.id);
                self.show_outcome("pending", "pending", &detail);
                self.render();
            }
        }
        self.log(tag, Kind::Info, "events() ended: nothing more will happen");
    }

    /// Notes whether the reconnecting client of `tag` has a connection `open`, unless the
    /// page is closing it or done with it (`None` then). Returns how many messages the page
    /// queued while it had none, once one opens (they go out now), and 0 otherwise.
    fn track(&self, tag: Tag, open: bool) -> Option<usize> {
        let mut conn = self.conn.borrow_mut();
        let c = conn.as_mut().filter(|c| c.tag.id == tag.id && !c.closing)?;
        c.down = !open;
        Some(if open {
            std::mem::take(&mut c.queued)
        } else {
            0
        })
    }

    /// Shows the outcome and forgets the connection.
    fn finish(&self, tag: Tag, outcome: &Shutdown, elapsed_ms: f64, timeout_ms: u32) {
        let (text, class) = outcome_parts(outcome);
        self.log(
            tag,
            Kind::Outcome,
            &format!("{text} after {elapsed_ms:.0} ms"),
        );
        let mode = tag.behaviour.map_or("?", Behaviour::key);
        let detail = format!(
            "connection #{} · {mode} · after {elapsed_ms:.0} ms (timeout {timeout_ms} ms)",
            tag.id
        );
        self.show_outcome(&text, class, &detail);
        let done = {
            let mut conn = self.conn.borrow_mut();
            if conn.as_ref().is_some_and(|c| c.tag.id == tag.id) {
                conn.take()
            } else {
                None
            }
        };
        drop(done);
        self.render();
    }

    // ----- the page -----

    fn fill_modes(&self) -> Result<(), JsValue> {
        self.ui.mode.set_inner_html("");
        for behaviour in Behaviour::ALL {
            let option = self.document.create_element("option")?;
            option.set_attribute("value", behaviour.key())?;
            option.set_text_content(Some(behaviour.label()));
            self.ui.mode.append_child(&option)?;
        }
        Ok(())
    }

    fn behaviour(&self) -> Result<Behaviour, String> {
        let key = self.ui.mode.value();
        Behaviour::from_key(&key).ok_or_else(|| format!("unknown server behaviour {key:?}"))
    }

    /// A new behaviour was chosen: N takes the new behaviour's default unless it was changed
    /// from the old one's.
    fn change_mode(&self) {
        if let (Some(old), Ok(new)) = (self.shown.get(), self.behaviour()) {
            let untouched = read_ms(&self.ui.param, "N").is_ok_and(|ms| ms == old.default_ms());
            if untouched {
                self.ui.param.set_value(&new.default_ms().to_string());
            }
        }
        self.update_mode();
    }

    /// Updates the hint, the URL preview and the N field after a change of settings.
    fn update_mode(&self) {
        let behaviour = match self.behaviour() {
            Ok(b) => b,
            Err(e) => return self.ui.hint.set_text_content(Some(&e)),
        };
        self.shown.set(Some(behaviour));
        self.ui.param_row.set_hidden(!behaviour.uses_ms());
        let numbers = read_ms(&self.ui.param, "N")
            .and_then(|ms| Ok((ms, read_ms(&self.ui.timeout, "the timeout")?)));
        match numbers {
            Ok((ms, timeout_ms)) => {
                let hint = behaviour.expectation(ms, timeout_ms);
                self.ui.hint.set_text_content(Some(&hint));
                let base = ws_base().unwrap_or_else(|_| "ws://HOST".to_owned());
                let path = behaviour.path(ms, &scenario(self.next_id.get()));
                let url = format!("{base}{path}");
                self.ui.url.set_text_content(Some(&url));
            }
            Err(e) => self.ui.hint.set_text_content(Some(&e)),
        }
    }

    fn phase(&self) -> Phase {
        if self.connecting.get() {
            return Phase::Connecting;
        }
        match self.conn.borrow().as_ref() {
            None => Phase::Idle,
            Some(c) if c.closing => Phase::Closing,
            Some(c) if c.down => Phase::Reconnecting,
            Some(_) => Phase::Open,
        }
    }

    /// Enables the controls that make sense now and shows the connection's state.
    fn render(&self) {
        let phase = self.phase();
        let idle = phase == Phase::Idle;
        let connected = matches!(phase, Phase::Open | Phase::Reconnecting | Phase::Closing);
        // A reconnecting client takes sends and stops between its connections too.
        let open = matches!(phase, Phase::Open | Phase::Reconnecting);
        self.ui.connect.set_disabled(!idle);
        self.ui.mode.set_disabled(!idle);
        self.ui.param.set_disabled(!idle);
        // Sending stays possible while closing, to show that it is refused then.
        self.ui.send.set_disabled(!connected);
        self.ui.shutdown.set_disabled(!open);
        self.ui.close.set_disabled(!open);
        let (state, text) = match phase {
            Phase::Idle => ("idle", "not connected"),
            Phase::Connecting => ("connecting", "connecting…"),
            Phase::Open => ("open", "open"),
            Phase::Reconnecting => ("reconnecting", "reconnecting…"),
            Phase::Closing => ("closing", "closing…"),
        };
        let _ = self.ui.status.set_attribute("data-state", state);
        self.ui.status.set_text_content(Some(text));
    }

    /// Fills the outcome box; `class` is its `data-outcome` (the colour).
    fn show_outcome(&self, text: &str, class: &str, detail: &str) {
        self.ui.outcome.set_text_content(Some(text));
        // Setting an attribute on an element of this page does not fail.
        let _ = self.ui.outcome.set_attribute("data-outcome", class);
        self.ui.outcome_detail.set_text_content(Some(detail));
    }

    fn page_tag(&self) -> Tag {
        Tag {
            id: 0,
            started: self.started,
            behaviour: None,
        }
    }

    /// Shows `text` as the current error and logs it.
    fn fail(&self, tag: Tag, text: &str) {
        self.ui.error.set_text_content(Some(text));
        self.ui.error.set_hidden(false);
        self.log(tag, Kind::Error, text);
    }

    fn clear_error(&self) {
        self.ui.error.set_hidden(true);
        self.ui.error.set_text_content(None);
    }

    fn log(&self, tag: Tag, kind: Kind, text: &str) {
        if let Err(e) = self.append_entry(tag, kind, text) {
            web_sys::console::error_2(&JsValue::from_str("could not write the log:"), &e);
        }
    }

    fn append_entry(&self, tag: Tag, kind: Kind, text: &str) -> Result<(), JsValue> {
        let entry = self.document.create_element("li")?;
        entry.set_class_name(&format!("entry {}", kind.class()));
        entry.set_attribute("data-kind", kind.class())?;
        entry.set_attribute("data-conn", &tag.id.to_string())?;
        let time = format!("+{:.0} ms", dom::now_ms() - tag.started);
        let conn = if tag.id == 0 {
            String::new()
        } else {
            format!("#{}", tag.id)
        };
        for (class, content) in [
            ("conn", conn.as_str()),
            ("time", time.as_str()),
            ("kind", kind.label()),
            ("text", text),
        ] {
            let span = self.document.create_element("span")?;
            span.set_class_name(class);
            span.set_text_content(Some(content));
            entry.append_child(&span)?;
        }
        self.ui.log.append_child(&entry)?;
        self.ui.log.set_scroll_top(self.ui.log.scroll_height());
        Ok(())
    }
}

/// The `/flaky` scenario of connection `id`: new for every Connect, and for every load of
/// the page, since the server keeps each scenario's state while it runs.
fn scenario(id: u32) -> String {
    format!("demo-{id}-{:.0}", js_sys::Date::now())
}

/// `ws://` + this page's host (`wss://` on an https page).
fn ws_base() -> Result<String, String> {
    let location = web_sys::window().map(|w| w.location()).ok_or("no window")?;
    let protocol = location.protocol().unwrap_or_default();
    let host = location.host().unwrap_or_default();
    if host.is_empty() {
        return Err(
            "open this page through its server (bash scripts/demo.sh), not as a file".into(),
        );
    }
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    Ok(format!("{scheme}://{host}"))
}

/// A whole number of milliseconds from 0 to [`MAX_MS`] typed into `input`.
fn read_ms(input: &HtmlInputElement, what: &str) -> Result<u32, String> {
    let raw = input.value();
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|ms| *ms <= MAX_MS)
        .ok_or_else(|| {
            format!("{what} must be a whole number of milliseconds from 0 to {MAX_MS}, not {raw:?}")
        })
}

fn describe(message: &Message) -> String {
    match message.as_text() {
        Some(text) => quote(text),
        None => format!("{} bytes of binary", message.len()),
    }
}

/// `text` in quotes, cut to 200 characters.
fn quote(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], text.len()),
        None => format!("{text:?}"),
    }
}
