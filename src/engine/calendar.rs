//! The event calendar: a priority queue ordered by (time, insertion sequence).
//!
//! Events due at the same tick come out first-in first-out, in the order they were scheduled.
//! That single rule is the whole tie-breaking policy of the engine, and it is what makes a run
//! deterministic: no ordering depends on a hash, an address or a float comparison.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::Tick;

struct Entry<E> {
    time: Tick,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn time(&self) -> Tick {
        self.time
    }

    /// (time, sequence) as one integer, so ordering is a single comparison. Kept as two `u64`
    /// fields rather than a stored `u128`, whose 16-byte alignment would pad every entry.
    #[inline]
    fn key(&self) -> u128 {
        ((self.time as u128) << 64) | self.seq as u128
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    // `BinaryHeap` is a max-heap: reverse the order so the earliest (time, seq) is on top.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Pending events, earliest first; equal times first-in first-out.
pub struct Calendar<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Calendar<E> {
    /// An empty calendar.
    pub fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// An empty calendar with room for `n` pending events before it reallocates.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(n),
            next_seq: 0,
        }
    }

    /// Adds an event due at `time`.
    #[inline]
    pub fn schedule(&mut self, time: Tick, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Tick, E)> {
        self.heap.pop().map(|e| (e.time(), e.event))
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Tick> {
        self.heap.peek().map(|e| e.time())
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Number of events ever scheduled on this calendar.
    pub fn scheduled_total(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_come_out_first_in_first_out() {
        let mut cal = Calendar::new();
        cal.schedule(5, "b1");
        cal.schedule(3, "a");
        cal.schedule(5, "b2");
        cal.schedule(5, "b3");
        cal.schedule(4, "x");
        cal.schedule(5, "b4");
        let order: Vec<_> = std::iter::from_fn(|| cal.pop()).collect();
        assert_eq!(
            order,
            vec![
                (3, "a"),
                (4, "x"),
                (5, "b1"),
                (5, "b2"),
                (5, "b3"),
                (5, "b4")
            ]
        );
    }

    #[test]
    fn ties_stay_fifo_across_many_interleaved_pushes_and_pops() {
        // Regression guard for a heap whose order ignored the sequence number: with hundreds of
        // ties interleaved with pops, any instability shows up as an out-of-order pair.
        let mut cal = Calendar::new();
        let mut out = Vec::new();
        for i in 0..500u64 {
            cal.schedule(i % 7, i);
            if i % 3 == 0 {
                out.push(cal.pop().unwrap());
            }
        }
        while let Some(e) = cal.pop() {
            out.push(e);
        }
        assert_eq!(out.len(), 500);
        // Among events of the same time popped in one drain phase, sequence must increase.
        let mut rest: Vec<_> = out[167..].to_vec();
        rest.dedup();
        for w in rest.windows(2) {
            if w[0].0 == w[1].0 {
                assert!(w[0].1 < w[1].1, "tie out of order: {:?}", w);
            } else {
                assert!(w[0].0 < w[1].0);
            }
        }
    }
}
