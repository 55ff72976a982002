//! `web`: the one target predicate this crate switches on, as in the omnisocket crate.

fn main() {
    cfg_aliases::cfg_aliases! {
        web: { all(target_arch = "wasm32", target_os = "unknown") },
    }
}
