//! The fault modes (chosen by path and query) and the per-connection WebSocket loop.
//!
//! One task per connection owns the `TcpStream`. It alternates between processing the
//! complete frames already buffered (answers go to a write buffer that is flushed
//! before the next read) and waiting for either more bytes or the next scheduled
//! action (a delayed Close, an after-close message, a drop, a timeout).

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep, sleep_until};

use crate::frames::{
    self, Frame, MAX_MESSAGE_SIZE, OpCode, close_payload, is_valid_close_code, parse_close_payload,
    write_frame,
};
use crate::handshake::Query;
use crate::report::{
    ConnectionGuard, FIRST_MESSAGES_KEPT, FlakyRules, KEPT_TEXT_MAX, Reporter, SequenceTracker,
    ServerEnd,
};

/// How long the server waits for the client's Close after sending its own.
const CLOSE_ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the server keeps reading (and counting) after it has closed its side.
const LINGER: Duration = Duration::from_secs(2);
/// How long `/half-open` keeps a silent connection.
const HALF_OPEN_LIMIT: Duration = Duration::from_secs(60);
/// How long `/stall` keeps a connection whose upgrade it never answers, unless `ms` says.
const STALL_LIMIT: Duration = Duration::from_secs(60);
/// How long `/never-close` keeps a connection after the client's Close, unless `ms` says
/// (a safety net in the long-running binary).
const NEVER_CLOSE_LIMIT: Duration = Duration::from_secs(600);
/// Flush the write buffer once it holds this much (large pushes).
const WRITE_CHUNK: usize = 256 * 1024;

/// When a server-side action fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// This long after the handshake.
    After(Duration),
    /// Once this many messages have been received.
    Messages(u64),
}

/// What the server does on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    Echo,
    /// Never answers the client's Close; hangs up this long after it arrives.
    NeverClose {
        hang_up_after: Duration,
    },
    CloseDelay {
        delay: Duration,
    },
    CloseAfterMessages {
        n: u32,
        gap: Duration,
    },
    CloseFirst {
        code: Option<u16>,
        reason: String,
        trigger: Trigger,
    },
    Drop {
        trigger: Trigger,
        reset: bool,
    },
    HalfOpen,
    Push {
        count: u32,
        size: usize,
        binary: bool,
        /// After the messages, a frame with a reserved opcode: a protocol violation.
        violate: bool,
    },
    Sink,
    SlowRead {
        delay: Duration,
    },
    FloodAfterClose {
        bytes: u64,
        size: usize,
    },
}

/// What a request path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// Upgrade and run this mode.
    WebSocket(Mode),
    /// `/flaky`: refuse or upgrade depending on the state of its id.
    Flaky(Flaky),
    /// Refuse the upgrade with this HTTP status.
    Refuse(u16),
    /// Never answer the upgrade request (`/stall`); hang up after this long.
    Stall(Duration),
}

/// The parameters of a `/flaky` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flaky {
    /// The scenario's `id=` (required).
    pub(crate) id: String,
    pub(crate) rules: FlakyRules,
    /// How the server ends one of the first `drops` connections: [`Mode::Drop`] (no
    /// Close frame) or, with `close_code=`, [`Mode::CloseFirst`].
    pub(crate) server_ended: Mode,
}

impl Flaky {
    fn parse(q: &Query) -> Result<Self, String> {
        let id = q
            .get("id")
            .filter(|id| !id.is_empty())
            .ok_or("/flaky needs an id= parameter (its state is kept per id)")?;
        let trigger = trigger(q)?;
        let server_ended = match q.num::<u16>("close_code")? {
            Some(code) => Mode::CloseFirst {
                code: Some(code),
                reason: q.get("reason").unwrap_or_default().to_owned(),
                trigger,
            },
            None => Mode::Drop {
                trigger,
                reset: false,
            },
        };
        Ok(Self {
            id: id.to_owned(),
            rules: FlakyRules {
                refuse_first: q.num("refuse_first")?.unwrap_or(0),
                drops: q.num("drops")?.unwrap_or(0),
                refuse_for: millis(q, "refuse_ms")?.unwrap_or(Duration::ZERO),
            },
            server_ended,
        })
    }
}

fn millis(q: &Query, name: &str) -> Result<Option<Duration>, String> {
    Ok(q.num::<u64>(name)?.map(Duration::from_millis))
}

fn trigger(q: &Query) -> Result<Trigger, String> {
    Ok(match q.num::<u64>("after_messages")? {
        Some(m) => Trigger::Messages(m),
        None => Trigger::After(millis(q, "after_ms")?.unwrap_or(Duration::ZERO)),
    })
}

/// Maps a path and query to a route; `Ok(None)` for an unknown path, `Err` for a bad
/// parameter (answered with 400 so a typo in a test shows up at once).
pub(crate) fn route(path: &str, q: &Query) -> Result<Option<Route>, String> {
    // `/refuse/<anything>`: a path of its own for each refusal, as Firefox delays
    // connections to a path that failed recently.
    let path = if path.starts_with("/refuse/") {
        "/refuse"
    } else {
        path
    };
    let mode = match path {
        "/echo" => Mode::Echo,
        "/never-close" => Mode::NeverClose {
            hang_up_after: millis(q, "ms")?.unwrap_or(NEVER_CLOSE_LIMIT),
        },
        "/close-delay" => Mode::CloseDelay {
            delay: millis(q, "ms")?.unwrap_or(Duration::ZERO),
        },
        "/close-after-messages" => Mode::CloseAfterMessages {
            n: q.num("n")?.unwrap_or(1),
            gap: millis(q, "gap_ms")?.unwrap_or(Duration::ZERO),
        },
        "/close-first" => Mode::CloseFirst {
            code: q.num("code")?,
            reason: q.get("reason").unwrap_or_default().to_owned(),
            trigger: trigger(q)?,
        },
        "/drop" => Mode::Drop {
            trigger: trigger(q)?,
            reset: q.flag("reset"),
        },
        "/half-open" => Mode::HalfOpen,
        "/push" => Mode::Push {
            count: q.num("count")?.unwrap_or(1),
            size: q.num("size")?.unwrap_or(0),
            binary: q.flag("binary"),
            violate: q.flag("violate"),
        },
        "/sink" => Mode::Sink,
        "/flood-after-close" => Mode::FloodAfterClose {
            bytes: q.num("bytes")?.unwrap_or(1 << 30),
            size: q.num::<usize>("size")?.unwrap_or(64 * 1024).max(1),
        },
        "/slow-read" => Mode::SlowRead {
            delay: millis(q, "ms")?.unwrap_or(Duration::from_millis(10)),
        },
        "/flaky" => return Flaky::parse(q).map(|f| Some(Route::Flaky(f))),
        "/stall" => {
            let limit = millis(q, "ms")?.unwrap_or(STALL_LIMIT);
            return Ok(Some(Route::Stall(limit)));
        }
        "/refuse" => {
            let status = q.num::<u16>("status")?.unwrap_or(403);
            if !(200..=599).contains(&status) {
                return Err(format!("status={status} must be within 200..=599"));
            }
            return Ok(Some(Route::Refuse(status)));
        }
        _ => return Ok(None),
    };
    Ok(Some(Route::WebSocket(mode)))
}

/// `/stall`: the upgrade request has been read and is never answered. Reads (and drops)
/// whatever else arrives until the client closes the connection or `limit` passes. `true`
/// if the client closed it.
pub(crate) async fn stall(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut sink = [0u8; 4096];
    let read_until_eof = async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, read_until_eof).await.is_ok()
}

/// The `i`-th (1-based) message of `/push`.
pub(crate) fn push_message(i: u32, size: usize, binary: bool) -> (OpCode, Vec<u8>) {
    if binary {
        // Low byte of `i`, repeated: truncation is the point.
        (OpCode::Binary, vec![i as u8; size])
    } else {
        let mut text = format!("push {i} ").into_bytes();
        if text.len() < size {
            text.resize(size, b'x');
        }
        (OpCode::Text, text)
    }
}

/// A scheduled server action.
#[derive(Debug)]
enum Action {
    SendText(String),
    /// Answer the client's Close (echo its code and reason), then close TCP.
    AnswerClose,
    /// `/close-first`: send the server's Close.
    InitiateClose,
    /// Close TCP without a Close frame (`/drop`).
    Drop,
    /// Stop waiting (for the client's Close answer, or in `/never-close`) and close TCP.
    GiveUp,
}

/// What to do after handling one frame or action.
#[derive(Debug)]
enum Step {
    Continue,
    /// `/slow-read`: pause before the next message.
    Pause(Duration),
    /// Close TCP gracefully (FIN, then linger reading).
    Finish,
    /// Close TCP abruptly, no Close frame.
    Drop,
    /// The client broke the protocol.
    Fail(String),
    /// `/flood-after-close`: the client's Close arrived; flood, then answer it.
    Flood {
        bytes: u64,
        size: usize,
    },
}

/// How a connection ended.
#[derive(Debug)]
enum End {
    /// EOF or error from the client before the server closed its side.
    ClientGone,
    /// The server closed TCP (after a Close handshake, a timeout or a drop).
    ServerClosed,
    /// The client broke the protocol; the server dropped the connection.
    ProtocolError(String),
}

/// One upgraded connection.
#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    rbuf: BytesMut,
    wbuf: Vec<u8>,
    mode: Mode,
    rep: Reporter,
    seq: SequenceTracker,
    /// Messages received (before the client's Close).
    messages: u64,
    /// The message being reassembled from fragments: its opcode and data so far.
    partial: Option<(OpCode, Vec<u8>)>,
    client_close: Option<(Option<u16>, String)>,
    close_sent: bool,
    /// The server has shut down its write side: it only reads and counts now.
    fin_sent: bool,
    /// Pending actions, sorted by time (ties keep insertion order).
    timers: Vec<(Instant, Action)>,
    /// `/flaky`: this connection is one the server ends; told when that begins, and
    /// dropped once the socket is closed.
    server_end: Option<ServerEnd>,
}

/// Runs an upgraded connection to its end and records how it ended.
///
/// `rbuf` holds any bytes the client sent right after its request head. `server_end`
/// is set for a `/flaky` connection the server ends at its trigger.
pub(crate) async fn run(
    stream: TcpStream,
    rbuf: BytesMut,
    mode: Mode,
    rep: Reporter,
    guard: ConnectionGuard,
    server_end: Option<ServerEnd>,
    verbose: bool,
) {
    let mut conn = Conn {
        stream,
        rbuf,
        wbuf: Vec::new(),
        mode,
        rep,
        seq: SequenceTracker::default(),
        messages: 0,
        partial: None,
        client_close: None,
        close_sent: false,
        fin_sent: false,
        timers: Vec::new(),
        server_end,
    };
    let end = if conn.mode == Mode::HalfOpen {
        conn.half_open().await
    } else {
        conn.drive().await
    };
    let Conn {
        stream,
        rep,
        fin_sent,
        server_end,
        ..
    } = conn;
    // Close the socket and uncount it before reporting `tcp_closed`, so a test that
    // saw `tcp_closed` also sees the connection gone from `connections_open()`.
    drop(stream);
    // Records the end of a server-ended `/flaky` connection (its `refuse_ms` window).
    drop(server_end);
    drop(guard);
    rep.update(|r| {
        r.tcp_closed = true;
        match end {
            End::ClientGone => r.tcp_closed_by_client = !fin_sent,
            End::ServerClosed => {}
            End::ProtocolError(e) => r.protocol_error = Some(e),
        }
    });
    if verbose {
        if let Some(report) = rep.snapshot() {
            eprintln!(
                "connection {}: {}",
                rep.id().unwrap_or_default(),
                serde_json::to_string(&report).unwrap_or_default()
            );
        }
    }
}

impl Conn {
    /// Whether the server may still put frames on the wire.
    fn can_send(&self) -> bool {
        let silenced = matches!(self.mode, Mode::NeverClose { .. }) && self.client_close.is_some();
        !(self.close_sent || self.fin_sent || silenced)
    }

    fn echoes(&self) -> bool {
        !matches!(
            self.mode,
            Mode::Sink | Mode::SlowRead { .. } | Mode::HalfOpen
        )
    }

    fn schedule(&mut self, at: Instant, action: Action) {
        let pos = self.timers.partition_point(|(t, _)| *t <= at);
        self.timers.insert(pos, (at, action));
    }

    /// Writes out the write buffer; `false` if the client is gone.
    async fn flush(&mut self) -> bool {
        if self.wbuf.is_empty() {
            return true;
        }
        let ok = self.stream.write_all(&self.wbuf).await.is_ok();
        self.wbuf.clear();
        ok
    }

    /// The main loop, for every mode but `/half-open`.
    async fn drive(&mut self) -> End {
        let now = Instant::now();
        match self.mode.clone() {
            Mode::Push {
                count,
                size,
                binary,
                violate,
            } => {
                for i in 1..=count {
                    let (op, payload) = push_message(i, size, binary);
                    write_frame(&mut self.wbuf, op, true, &payload);
                    if self.wbuf.len() >= WRITE_CHUNK && !self.flush().await {
                        return End::ClientGone;
                    }
                }
                if violate {
                    // FIN and opcode 0x3, reserved for future data frames, with no payload.
                    self.wbuf.extend_from_slice(&[0x83, 0x00]);
                }
            }
            Mode::CloseFirst {
                trigger: Trigger::After(d),
                ..
            } => self.schedule(now + d, Action::InitiateClose),
            Mode::Drop {
                trigger: Trigger::After(d),
                ..
            } => self.schedule(now + d, Action::Drop),
            // "After 0 messages" means right away.
            Mode::CloseFirst {
                trigger: Trigger::Messages(0),
                ..
            } => self.schedule(now, Action::InitiateClose),
            Mode::Drop {
                trigger: Trigger::Messages(0),
                ..
            } => self.schedule(now, Action::Drop),
            _ => {}
        }
        loop {
            // 1. Everything already buffered.
            loop {
                let frame = match frames::parse_frame(&mut self.rbuf) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => break,
                    Err(e) => return End::ProtocolError(e.to_string()),
                };
                match self.on_frame(frame) {
                    Step::Continue => {}
                    Step::Pause(d) => {
                        if !self.flush().await {
                            return End::ClientGone;
                        }
                        sleep(d).await;
                    }
                    step => {
                        if let Some(end) = self.conclude(step).await {
                            return end;
                        }
                    }
                }
            }
            if !self.flush().await {
                return End::ClientGone;
            }
            // 2. Wait for bytes or the next timer. Reading into `rbuf` is cancel-safe.
            self.rbuf.reserve(16 * 1024);
            let next = self.timers.first().map(|(t, _)| *t);
            tokio::select! {
                biased;
                () = sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                    let now = Instant::now();
                    while self.timers.first().is_some_and(|(t, _)| *t <= now) {
                        let (_, action) = self.timers.remove(0);
                        let step = self.on_action(action);
                        if let Some(end) = self.conclude(step).await {
                            return end;
                        }
                    }
                }
                read = self.stream.read_buf(&mut self.rbuf) => {
                    if !matches!(read, Ok(n) if n > 0) {
                        return End::ClientGone;
                    }
                }
            }
        }
    }

    /// Carries out `Finish`, `Drop` and `Fail`; `None` means keep going.
    async fn conclude(&mut self, step: Step) -> Option<End> {
        match step {
            Step::Continue | Step::Pause(_) => None,
            Step::Fail(e) => Some(End::ProtocolError(e)),
            Step::Drop => {
                if let Some(end) = &mut self.server_end {
                    end.begin();
                }
                let reset = matches!(self.mode, Mode::Drop { reset: true, .. });
                if reset {
                    // Nothing to do if it fails: the drop still happens, just as a FIN.
                    let _ = self.stream.set_zero_linger();
                } else if !self.flush().await {
                    return Some(End::ClientGone);
                }
                Some(End::ServerClosed)
            }
            Step::Finish => Some(self.finish().await),
            Step::Flood { bytes, size } => {
                let message = vec![0x5a; size];
                let mut sent = 0u64;
                while sent < bytes {
                    write_frame(&mut self.wbuf, OpCode::Binary, true, &message);
                    sent += size as u64;
                    if self.wbuf.len() >= WRITE_CHUNK && !self.flush().await {
                        return Some(End::ClientGone);
                    }
                }
                self.answer_close();
                Some(self.finish().await)
            }
        }
    }

    /// Closes TCP gracefully: flush, FIN, then keep reading for a while to count what
    /// the client still sends (duplicate Closes, data after Close) and to let it see
    /// our FIN before the socket goes away.
    async fn finish(&mut self) -> End {
        if !self.flush().await {
            return End::ClientGone;
        }
        self.timers.clear();
        self.fin_sent = true;
        if self.stream.shutdown().await.is_err() {
            return End::ServerClosed;
        }
        let deadline = Instant::now() + LINGER;
        loop {
            loop {
                match frames::parse_frame(&mut self.rbuf) {
                    Ok(Some(frame)) => {
                        // Only counts: nothing can be sent any more.
                        if let Step::Fail(_) = self.on_frame(frame) {
                            return End::ServerClosed;
                        }
                    }
                    Ok(None) => break,
                    Err(_) => return End::ServerClosed,
                }
            }
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.rbuf)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return End::ServerClosed,
            }
        }
    }

    fn on_action(&mut self, action: Action) -> Step {
        match action {
            Action::SendText(text) => {
                if self.can_send() {
                    write_frame(&mut self.wbuf, OpCode::Text, true, text.as_bytes());
                }
                Step::Continue
            }
            Action::AnswerClose => self.answer_close(),
            Action::InitiateClose => {
                if self.close_sent || self.client_close.is_some() {
                    return Step::Continue;
                }
                let Mode::CloseFirst { code, reason, .. } = self.mode.clone() else {
                    return Step::Continue;
                };
                if let Some(end) = &mut self.server_end {
                    end.begin();
                }
                self.send_close(code, reason);
                self.schedule(Instant::now() + CLOSE_ANSWER_TIMEOUT, Action::GiveUp);
                Step::Continue
            }
            Action::Drop => Step::Drop,
            Action::GiveUp => Step::Finish,
        }
    }

    fn send_close(&mut self, code: Option<u16>, reason: String) {
        write_frame(
            &mut self.wbuf,
            OpCode::Close,
            true,
            &close_payload(code, &reason),
        );
        self.close_sent = true;
        self.rep.update(|r| r.close_sent = Some((code, reason)));
    }

    /// Echoes the client's Close (1002 if its code may not be sent), then finishes.
    fn answer_close(&mut self) -> Step {
        if self.close_sent || self.fin_sent {
            return Step::Finish;
        }
        let (code, reason) = match self.client_close.clone() {
            Some((Some(code), _)) if !is_valid_close_code(code) => {
                (Some(1002), "invalid close code".to_owned())
            }
            Some(close) => close,
            None => (None, String::new()),
        };
        self.send_close(code, reason);
        Step::Finish
    }

    fn on_frame(&mut self, frame: Frame) -> Step {
        match frame.opcode {
            OpCode::Close => self.on_close(&frame.payload),
            OpCode::Ping => {
                if self.can_send() {
                    write_frame(&mut self.wbuf, OpCode::Pong, true, &frame.payload);
                }
                Step::Continue
            }
            OpCode::Pong => Step::Continue,
            OpCode::Text | OpCode::Binary | OpCode::Continuation => {
                if self.client_close.is_some() {
                    // A protocol violation by the client: count it, otherwise ignore it.
                    self.rep.update(|r| r.frames_after_close += 1);
                    return Step::Continue;
                }
                self.on_data(frame)
            }
        }
    }

    fn on_close(&mut self, payload: &[u8]) -> Step {
        // Every Close frame counts, duplicates included.
        self.rep.update(|r| r.close_frames_received += 1);
        if self.client_close.is_some() {
            return Step::Continue;
        }
        let close = match parse_close_payload(payload) {
            Ok(close) => close,
            Err(e) => return Step::Fail(e),
        };
        if let Some(code) = close.0.filter(|c| !is_valid_close_code(*c)) {
            self.rep
                .update(|r| r.protocol_error = Some(format!("client sent close code {code}")));
        }
        self.client_close = Some(close.clone());
        self.rep.update(|r| r.client_close = Some(close));
        if self.fin_sent {
            return Step::Continue;
        }
        if self.close_sent {
            // The client answered our Close: the handshake is complete.
            return Step::Finish;
        }
        let now = Instant::now();
        match self.mode {
            Mode::NeverClose { hang_up_after } => {
                self.schedule(now + hang_up_after, Action::GiveUp);
                Step::Continue
            }
            Mode::CloseDelay { delay } => {
                self.schedule(now + delay, Action::AnswerClose);
                Step::Continue
            }
            Mode::FloodAfterClose { bytes, size } => Step::Flood { bytes, size },
            Mode::CloseAfterMessages { n, gap } => {
                let mut at = now;
                for i in 1..=n {
                    if i > 1 {
                        at += gap;
                    }
                    self.schedule(at, Action::SendText(format!("after-close {i}")));
                }
                self.schedule(at, Action::AnswerClose);
                Step::Continue
            }
            _ => self.answer_close(),
        }
    }

    fn on_data(&mut self, frame: Frame) -> Step {
        let Frame {
            fin,
            opcode,
            payload,
        } = frame;
        let (opcode, payload) = match (opcode, self.partial.take()) {
            (OpCode::Continuation, None) => {
                return Step::Fail("continuation frame without a message to continue".into());
            }
            (OpCode::Continuation, Some((op, mut data))) => {
                if data.len() + payload.len() > MAX_MESSAGE_SIZE {
                    return Step::Fail(format!(
                        "message exceeds the {MAX_MESSAGE_SIZE} byte limit"
                    ));
                }
                data.extend_from_slice(&payload);
                (op, data)
            }
            (_, Some(_)) => {
                return Step::Fail(
                    "new data frame while a fragmented message is unfinished".into(),
                );
            }
            (op, None) => (op, payload),
        };
        if !fin {
            self.partial = Some((opcode, payload));
            return Step::Continue;
        }
        self.on_message(opcode, payload)
    }

    fn on_message(&mut self, opcode: OpCode, payload: Vec<u8>) -> Step {
        let text = if opcode == OpCode::Text {
            match std::str::from_utf8(&payload) {
                Ok(t) => Some(t),
                Err(_) => return Step::Fail("text message is not valid UTF-8".into()),
            }
        } else {
            None
        };
        self.messages += 1;
        let seq = &mut self.seq;
        self.rep.update(|r| {
            r.messages_received += 1;
            r.bytes_received += payload.len() as u64;
            if r.first_messages.len() < FIRST_MESSAGES_KEPT {
                r.first_messages.push(match text {
                    Some(t) if t.len() <= KEPT_TEXT_MAX => t.to_owned(),
                    Some(t) => format!("<text {} bytes>", t.len()),
                    None => format!("<binary {} bytes>", payload.len()),
                });
            }
            if let Some(t) = text {
                seq.observe(t, &mut r.sequence);
            }
        });
        if self.echoes() && self.can_send() {
            write_frame(&mut self.wbuf, opcode, true, &payload);
        }
        match &self.mode {
            Mode::CloseFirst {
                trigger: Trigger::Messages(m),
                ..
            } if *m == self.messages => self.on_action(Action::InitiateClose),
            Mode::Drop {
                trigger: Trigger::Messages(m),
                ..
            } if *m == self.messages => Step::Drop,
            Mode::SlowRead { delay } => Step::Pause(*delay),
            _ => Step::Continue,
        }
    }

    /// `/half-open`: never read, never write; notice only the client closing (or 60 s).
    ///
    /// Not reading means EOF cannot be seen by `read`; instead this waits on the
    /// socket's readiness, whose "read closed" bit (EPOLLRDHUP/HUP) is set when the
    /// client's FIN or RST arrives, even with unread data still queued.
    async fn half_open(&mut self) -> End {
        let deadline = Instant::now() + HALF_OPEN_LIMIT;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.ready(Interest::READABLE)).await {
                Err(_) => return End::ServerClosed,
                Ok(Err(_)) => return End::ClientGone,
                Ok(Ok(ready)) if ready.is_read_closed() || ready.is_error() => {
                    return End::ClientGone;
                }
                // Readable but open: unread data is waiting. Poll again shortly.
                Ok(Ok(_)) => {
                    if Instant::now() >= deadline {
                        return End::ServerClosed;
                    }
                    sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn route_of(path: &str, query: &str) -> Result<Option<Route>, String> {
        route(path, &Query::parse(query))
    }

    #[test]
    fn routes() {
        assert_eq!(
            route_of("/echo", "id=a"),
            Ok(Some(Route::WebSocket(Mode::Echo)))
        );
        assert_eq!(route_of("/nope", ""), Ok(None));
        assert_eq!(
            route_of("/stall", "id=s"),
            Ok(Some(Route::Stall(STALL_LIMIT)))
        );
        assert_eq!(
            route_of("/stall", "ms=250"),
            Ok(Some(Route::Stall(Duration::from_millis(250))))
        );
        assert_eq!(
            route_of("/never-close", "ms=1000"),
            Ok(Some(Route::WebSocket(Mode::NeverClose {
                hang_up_after: Duration::from_secs(1)
            })))
        );
        assert_eq!(route_of("/refuse", ""), Ok(Some(Route::Refuse(403))));
        assert_eq!(
            route_of("/refuse", "status=401"),
            Ok(Some(Route::Refuse(401)))
        );
        assert!(route_of("/refuse", "status=101").is_err());
        assert_eq!(
            route_of("/refuse/any-7", "status=503"),
            Ok(Some(Route::Refuse(503)))
        );
        assert!(route_of("/close-delay", "ms=soon").is_err());
        assert_eq!(
            route_of("/close-first", "code=4001&reason=go+away&after_messages=2"),
            Ok(Some(Route::WebSocket(Mode::CloseFirst {
                code: Some(4001),
                reason: "go away".into(),
                trigger: Trigger::Messages(2)
            })))
        );
        assert_eq!(
            route_of("/drop", "reset=1"),
            Ok(Some(Route::WebSocket(Mode::Drop {
                trigger: Trigger::After(Duration::ZERO),
                reset: true
            })))
        );
    }

    #[test]
    fn flaky_routes() {
        assert!(route_of("/flaky", "drops=1").is_err());
        assert!(route_of("/flaky", "id=&drops=1").is_err());
        assert!(route_of("/flaky", "id=f&refuse_first=x").is_err());
        assert_eq!(
            route_of("/flaky", "id=f"),
            Ok(Some(Route::Flaky(Flaky {
                id: "f".into(),
                rules: FlakyRules::default(),
                server_ended: Mode::Drop {
                    trigger: Trigger::After(Duration::ZERO),
                    reset: false
                }
            })))
        );
        assert_eq!(
            route_of(
                "/flaky",
                "id=f&refuse_first=1&drops=2&refuse_ms=300&close_code=4000&reason=bye&after_messages=3"
            ),
            Ok(Some(Route::Flaky(Flaky {
                id: "f".into(),
                rules: FlakyRules {
                    refuse_first: 1,
                    drops: 2,
                    refuse_for: Duration::from_millis(300)
                },
                server_ended: Mode::CloseFirst {
                    code: Some(4000),
                    reason: "bye".into(),
                    trigger: Trigger::Messages(3)
                }
            })))
        );
    }

    #[test]
    fn push_messages() {
        assert_eq!(push_message(3, 10, false).1, b"push 3 xxx");
        assert_eq!(push_message(12, 0, false).1, b"push 12 ");
        assert_eq!(push_message(2, 4, true), (OpCode::Binary, vec![2; 4]));
    }
}
