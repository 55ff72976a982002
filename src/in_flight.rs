//! Which sent messages the browser still holds: `bufferedAmount` counts bytes, and
//! [`Config::send_queue`](crate::Config::send_queue) counts messages.

use std::collections::VecDeque;

/// The messages handed to the browser and not yet transmitted, worked out from
/// `bufferedAmount`: the browser transmits in order, so of everything handed over, all but
/// the last `bufferedAmount` bytes are gone.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    /// Bytes handed to the browser so far.
    handed_over: u64,
    /// For each message still held, where it ends in that count.
    ends: VecDeque<u64>,
}

impl InFlight {
    /// A message of `bytes` was handed to the browser (which held `buffered` before it).
    pub(crate) fn handed_over(&mut self, bytes: usize, buffered: u32) {
        self.forget_transmitted(buffered);
        self.handed_over += bytes as u64;
        self.ends.push_back(self.handed_over);
    }

    /// How many messages the browser still holds when its `bufferedAmount` is `buffered`.
    pub(crate) fn count(&mut self, buffered: u32) -> usize {
        self.forget_transmitted(buffered);
        self.ends.len()
    }

    fn forget_transmitted(&mut self, buffered: u32) {
        let transmitted = self.handed_over.saturating_sub(u64::from(buffered));
        while self.ends.front().is_some_and(|&end| end <= transmitted) {
            self.ends.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_messages_within_the_buffered_bytes() {
        let mut in_flight = InFlight::default();
        in_flight.handed_over(10, 0);
        in_flight.handed_over(5, 10);
        in_flight.handed_over(0, 15); // empty, but behind the others
        assert_eq!(in_flight.count(15), 3);
        assert_eq!(
            in_flight.count(11),
            3,
            "the first message is 1 byte from done"
        );
        assert_eq!(in_flight.count(5), 2);
        assert_eq!(in_flight.count(0), 0);
        in_flight.handed_over(7, 0);
        assert_eq!(in_flight.count(7), 1);
    }

    #[test]
    fn forgets_what_was_transmitted_while_nothing_was_counted() {
        let mut in_flight = InFlight::default();
        for _ in 0..1000 {
            in_flight.handed_over(100, 0);
        }
        assert_eq!(in_flight.ends.len(), 1, "what was transmitted is not kept");
    }
}
