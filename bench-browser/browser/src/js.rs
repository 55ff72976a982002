//! The plain JavaScript side: the baseline clients, written as a JavaScript programmer
//! would, with no wasm in their loops.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
// Opens a WebSocket to `url`; once open, sends `payload` and answers every echo with the
// next `payload`. The first round trip is not timed; the next `n` are. Resolves with their
// milliseconds once the socket has closed; rejects on an error or a wrong echo.
export function rawRtt(url, n, payload) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        let done = -1;
        let start = 0;
        let elapsed = NaN;
        ws.onerror = () => reject(new Error("WebSocket error"));
        ws.onopen = () => ws.send(payload);
        ws.onmessage = (event) => {
            if (event.data.length !== payload.length) {
                ws.onclose = null;
                ws.close();
                reject(new Error("wrong echo: " + String(event.data)));
                return;
            }
            done += 1;
            if (done === 0) {
                start = performance.now();
            }
            if (done === n) {
                elapsed = performance.now() - start;
                ws.close(1000);
                return;
            }
            ws.send(payload);
        };
        ws.onclose = () => {
            if (Number.isNaN(elapsed)) {
                reject(new Error("closed after " + done + " round trips"));
            } else {
                resolve(elapsed);
            }
        };
    });
}

// One Autobahn case as agent `chromium-raw`: connect, echo every message as it came (text
// as a string, binary as an ArrayBuffer) until the socket closes. Resolves with a line
// saying how it ended; a case still running after `timeoutMs` is abandoned.
export function rawCase(url, timeoutMs) {
    return new Promise((resolve) => {
        let ws;
        try {
            ws = new WebSocket(url);
        } catch (error) {
            resolve("constructor threw: " + error);
            return;
        }
        ws.binaryType = "arraybuffer";
        let echoed = 0;
        const notes = [];
        const timer = setTimeout(() => {
            ws.onmessage = ws.onerror = ws.onclose = null;
            ws.close();
            resolve(`echoed ${echoed}, no end after ${timeoutMs} ms, abandoned`);
        }, timeoutMs);
        ws.onmessage = (event) => {
            try {
                ws.send(event.data);
                echoed += 1;
            } catch (error) {
                notes.push("echo failed: " + error.name);
            }
        };
        ws.onerror = () => notes.push("error event");
        ws.onclose = (event) => {
            clearTimeout(timer);
            const how = event.wasClean ? "clean" : "unclean";
            resolve([`echoed ${echoed}, ${how} close ${event.code}`, ...notes].join("; "));
        };
    });
}

// Connects to `url` and resolves with the last text message received before the socket
// closed ("" if none): /getCaseCount and /updateReports.
export function rawLastText(url, timeoutMs) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        let text = "";
        const timer = setTimeout(() => {
            ws.onmessage = ws.onclose = null;
            ws.close();
            reject(new Error(`${url}: no close after ${timeoutMs} ms`));
        }, timeoutMs);
        ws.onmessage = (event) => {
            if (typeof event.data === "string") text = event.data;
        };
        ws.onclose = () => {
            clearTimeout(timer);
            resolve(text);
        };
    });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = rawRtt)]
    pub(crate) fn raw_rtt(url: &str, n: u32, payload: &str) -> Promise;

    #[wasm_bindgen(js_name = rawCase)]
    pub(crate) fn raw_case(url: &str, timeout_ms: u32) -> Promise;

    #[wasm_bindgen(js_name = rawLastText)]
    pub(crate) fn raw_last_text(url: &str, timeout_ms: u32) -> Promise;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub(crate) fn performance_now() -> f64;
}
