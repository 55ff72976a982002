//! The delays between attempts: exponential growth up to a cap, with a random part drawn
//! anew for every attempt.

use std::time::Duration;

/// How the random part of each delay is drawn. See [`Reconnect::jitter`](super::Reconnect::jitter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Jitter {
    /// "Full jitter": the `n`-th delay is drawn uniformly between zero and
    /// `min(cap, base × factorⁿ⁻¹)`. Clients that lost the same server at the same moment
    /// spread over the whole window, so the server sees the fewest collisions; the first
    /// retry often comes almost at once. The default.
    #[default]
    Full,
    /// "Decorrelated jitter": each delay is drawn uniformly between `base` and 2 × `factor`
    /// × the previous delay, at most `cap`, so that the typical delay grows by `factor` per
    /// attempt as with full jitter (AWS's formulation, with its × 3, is factor 1.5). Never
    /// shorter than `base`, and each delay grows from the one actually drawn rather than
    /// from the attempt count.
    Decorrelated,
}

/// The backoff's state for one run of failed attempts.
#[derive(Debug, Clone)]
pub(super) struct Backoff {
    base: Duration,
    cap: Duration,
    factor: f64,
    jitter: Jitter,
    /// Delays drawn since the last reset.
    drawn: u32,
    /// The last delay drawn (decorrelated jitter grows from it).
    previous: Duration,
    random: fastrand::Rng,
}

impl Backoff {
    /// `base ≤ cap` and `factor ≥ 1` (finite) are checked by the policy.
    pub(super) fn new(
        base: Duration,
        cap: Duration,
        factor: f64,
        jitter: Jitter,
        seed: u64,
    ) -> Self {
        Self {
            base,
            cap,
            factor,
            jitter,
            drawn: 0,
            previous: base,
            random: fastrand::Rng::with_seed(seed),
        }
    }

    /// Starts over from the shortest delays (the connection stayed up long enough).
    pub(super) fn reset(&mut self) {
        self.drawn = 0;
        self.previous = self.base;
    }

    /// The delay before the next attempt; at most the cap.
    pub(super) fn next_delay(&mut self) -> Duration {
        let base = self.base.as_secs_f64();
        let cap = self.cap.as_secs_f64();
        let seconds = match self.jitter {
            Jitter::Full => {
                // `factor^drawn` saturates to infinity, and `min` then keeps the cap.
                let window = (base * self.factor.powi(self.drawn.min(1024) as i32)).min(cap);
                window * self.random.f64()
            }
            Jitter::Decorrelated => {
                let high = (self.previous.as_secs_f64() * 2.0 * self.factor).min(cap);
                base + (high - base).max(0.0) * self.random.f64()
            }
        };
        self.drawn = self.drawn.saturating_add(1);
        // Within [0, cap] by construction; `min` guards against rounding.
        let delay = Duration::try_from_secs_f64(seconds.clamp(0.0, cap)).unwrap_or(self.cap);
        let delay = delay.min(self.cap);
        self.previous = delay.max(self.base);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_millis(100);
    const CAP: Duration = Duration::from_secs(10);

    fn draws(jitter: Jitter, seed: u64, n: usize) -> Vec<Duration> {
        let mut backoff = Backoff::new(BASE, CAP, 2.0, jitter, seed);
        (0..n).map(|_| backoff.next_delay()).collect()
    }

    /// Mean and standard deviation, in seconds.
    fn stats(samples: &[f64]) -> (f64, f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let variance = samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n;
        (mean, variance.sqrt())
    }

    #[test]
    fn the_same_seed_draws_the_same_delays_and_another_seed_others() {
        assert_eq!(draws(Jitter::Full, 7, 20), draws(Jitter::Full, 7, 20));
        assert_ne!(draws(Jitter::Full, 7, 20), draws(Jitter::Full, 8, 20));
        assert_eq!(
            draws(Jitter::Decorrelated, 7, 20),
            draws(Jitter::Decorrelated, 7, 20)
        );
    }

    #[test]
    fn full_jitter_stays_within_its_growing_window_and_the_cap() {
        for seed in 0..200 {
            for (n, delay) in draws(Jitter::Full, seed, 40).into_iter().enumerate() {
                let window = BASE.saturating_mul(1 << n.min(20)).min(CAP);
                assert!(delay <= window, "delay {n} = {delay:?} over {window:?}");
            }
        }
    }

    #[test]
    fn full_jitter_is_uniform_over_its_window() {
        // The n-th draw of many independent runs: uniform on [0, w] has mean w/2 and
        // standard deviation w/√12.
        for n in [0usize, 3, 12] {
            let window = BASE.saturating_mul(1 << n).min(CAP).as_secs_f64();
            let samples: Vec<f64> = (0..4000)
                .map(|seed| draws(Jitter::Full, seed, n + 1)[n].as_secs_f64())
                .collect();
            let (mean, spread) = stats(&samples);
            assert!(
                (mean - window / 2.0).abs() < window * 0.03,
                "draw {n}: mean {mean} for a window of {window}"
            );
            let expected = window / 12f64.sqrt();
            assert!(
                (spread - expected).abs() < expected * 0.05,
                "draw {n}: spread {spread}, expected {expected}"
            );
            let lowest = samples.iter().copied().fold(f64::INFINITY, f64::min);
            let highest = samples.iter().copied().fold(0.0, f64::max);
            assert!(lowest < window * 0.01 && highest > window * 0.99);
        }
    }

    #[test]
    fn decorrelated_jitter_stays_between_base_and_the_cap_and_grows_from_the_last_delay() {
        for seed in 0..200 {
            let delays = draws(Jitter::Decorrelated, seed, 60);
            let mut previous = BASE;
            for delay in delays {
                assert!(delay >= BASE && delay <= CAP, "{delay:?}");
                assert!(
                    delay <= previous.mul_f64(4.0).min(CAP),
                    "{delay:?} after {previous:?}"
                );
                previous = delay;
            }
        }
    }

    #[test]
    fn decorrelated_jitter_grows_like_full_jitter_and_spreads_up_to_the_cap() {
        // The first draw is uniform on [base, 4 base] (factor 2): mean 2.5 base.
        let first: Vec<f64> = (0..4000)
            .map(|seed| draws(Jitter::Decorrelated, seed, 1)[0].as_secs_f64())
            .collect();
        let (mean, _) = stats(&first);
        let base = BASE.as_secs_f64();
        assert!((mean - 2.5 * base).abs() < base * 0.08, "first mean {mean}");
        // Late in a run the delays wander over the whole range up to the cap: a draw near
        // the cap lets the next reach the cap, a draw near base pulls the next one down.
        let late: Vec<f64> = (0..4000)
            .map(|seed| draws(Jitter::Decorrelated, seed, 30)[29].as_secs_f64())
            .collect();
        let (mean, spread) = stats(&late);
        let cap = CAP.as_secs_f64();
        assert!(mean > cap * 0.3 && mean < cap * 0.55, "late mean {mean}");
        assert!(spread > cap * 0.2, "late spread {spread}");
        let highest = late.iter().copied().fold(0.0, f64::max);
        assert!(highest > cap * 0.99 && highest <= cap);
    }

    #[test]
    fn a_reset_starts_again_from_the_shortest_delays() {
        let mut backoff = Backoff::new(BASE, CAP, 2.0, Jitter::Full, 1);
        for _ in 0..30 {
            backoff.next_delay();
        }
        backoff.reset();
        assert!(backoff.next_delay() <= BASE);
    }

    #[test]
    fn extreme_settings_neither_panic_nor_pass_the_cap() {
        let huge = Duration::from_secs(u64::MAX);
        for (base, cap, factor) in [
            (Duration::from_nanos(1), huge, 1e300),
            (huge, huge, 2.0),
            (BASE, BASE, 1.0),
            (Duration::from_nanos(1), Duration::from_nanos(1), f64::MAX),
        ] {
            for jitter in [Jitter::Full, Jitter::Decorrelated] {
                let mut backoff = Backoff::new(base, cap, factor, jitter, 3);
                for _ in 0..3000 {
                    assert!(backoff.next_delay() <= cap);
                }
            }
        }
    }
}
