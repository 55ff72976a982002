//! Short names for the one target predicate the crate switches on, so that every `#[cfg]`
//! says `web` or `native` instead of spelling the predicate out.

fn main() {
    cfg_aliases::cfg_aliases! {
        // The browser: wasm32 with no operating system (wasm-bindgen's target). WASI and
        // Emscripten are wasm32 too, but have no browser `WebSocket`.
        web: { all(target_arch = "wasm32", target_os = "unknown") },
        native: { not(web) },
    }
}
