//! A capacity-limited service: the prison therapists, the in-reach caseload and the secure beds
//! of each level all work the same way, so they share this one type.
//!
//! People are served first come, first served, within two classes: anyone who joins as urgent
//! (an acutely unwell transfer referral) is served before everyone else. A queue entry carries the token of the care it
//! was made for; when that care ends some other way (release, death, a spot-purchased bed) the
//! entry is left in place and skipped when it reaches the front, rather than searched for and
//! removed.

use std::collections::VecDeque;

use super::tally::{Level, Merge};
use crate::engine::Tick;

#[derive(Debug, Clone)]
pub(super) struct Service {
    /// Places (therapists, caseload places, beds) now.
    pub(super) capacity: u32,
    /// Earlier places, and the tick each number stopped holding, oldest first: changed only
    /// when a policy starts ([`Service::set_capacity`]).
    earlier: Vec<(u32, Tick)>,
    /// Places in use.
    pub(super) busy: Level,
    /// People waiting.
    pub(super) queued: Level,
    /// (slot, token) of each person waiting, oldest first; stale entries included.
    queue: VecDeque<(u32, u32)>,
    /// The same for urgent people, served before anyone in `queue`.
    urgent: VecDeque<(u32, u32)>,
}

impl Service {
    /// `capacity` places, measured from `warm`.
    pub(super) fn new(capacity: u32, warm: Tick) -> Self {
        Self {
            capacity,
            earlier: Vec::new(),
            busy: Level::new(warm),
            queued: Level::new(warm),
            queue: VecDeque::new(),
            urgent: VecDeque::new(),
        }
    }

    /// From `now` the service has `capacity` places. Places in use beyond it are kept until
    /// they end; the caller offers any new places with [`Service::next`].
    pub(super) fn set_capacity(&mut self, now: Tick, capacity: u32) {
        if capacity != self.capacity {
            self.earlier.push((self.capacity, now));
            self.capacity = capacity;
        }
    }

    /// The places over `[from, to)`, as (from, to, places) spans in time order.
    pub(super) fn capacity_spans(&self, from: Tick, to: Tick) -> Vec<(Tick, Tick, u32)> {
        let mut spans = Vec::with_capacity(self.earlier.len() + 1);
        let mut start = 0;
        for &(places, until) in self
            .earlier
            .iter()
            .chain(std::iter::once(&(self.capacity, Tick::MAX)))
        {
            let (a, b) = (start.max(from), until.min(to));
            if a < b {
                spans.push((a, b, places));
            }
            start = until;
        }
        spans
    }

    /// The time-weighted mean of the places over `[from, to)`.
    pub(super) fn capacity_mean(&self, from: Tick, to: Tick) -> f64 {
        if to <= from {
            return self.capacity as f64;
        }
        let area: f64 = self
            .capacity_spans(from, to)
            .iter()
            .map(|&(a, b, c)| (b - a) as f64 * c as f64)
            .sum();
        area / (to - from) as f64
    }

    /// A place is free now.
    #[inline]
    pub(super) fn has_room(&self) -> bool {
        self.busy.n < self.capacity as i64
    }

    /// A place is taken.
    #[inline]
    pub(super) fn start(&mut self, now: Tick) {
        self.busy.add(now, 1);
    }

    /// A place is given back. The caller then offers it with [`Service::next`].
    #[inline]
    pub(super) fn end(&mut self, now: Tick) {
        self.busy.add(now, -1);
    }

    /// The person in `slot` waits, for the care numbered `token`; if `urgent`, ahead of
    /// everyone not urgent and behind earlier urgent people.
    pub(super) fn join_queue(&mut self, now: Tick, slot: u32, token: u32, urgent: bool) {
        if urgent {
            self.urgent.push_back((slot, token));
        } else {
            self.queue.push_back((slot, token));
        }
        self.queued.add(now, 1);
    }

    /// A person stops waiting (their care ended some other way); their entry goes stale.
    #[inline]
    pub(super) fn leave_queue(&mut self, now: Tick) {
        self.queued.add(now, -1);
    }

    /// While a place is free, the first person whose entry `valid(slot, token)` still accepts,
    /// taken off the queue; the caller starts their care (which takes the place).
    pub(super) fn next(&mut self, now: Tick, valid: impl Fn(u32, u32) -> bool) -> Option<u32> {
        while self.has_room() {
            let (slot, token) = match self.urgent.pop_front() {
                Some(entry) => entry,
                None => self.queue.pop_front()?,
            };
            if valid(slot, token) {
                self.queued.add(now, -1);
                return Some(slot);
            }
        }
        None
    }
}

/// Catchments' services add up: places, use and queues. The queues themselves are run state,
/// not statistics.
impl Merge for Service {
    fn merge(&mut self, other: &Self) {
        self.capacity += other.capacity;
        // Every catchment changes its places when the policy starts, at the same tick.
        debug_assert_eq!(self.earlier.len(), other.earlier.len());
        for (mine, theirs) in self.earlier.iter_mut().zip(&other.earlier) {
            mine.0 += theirs.0;
        }
        self.busy.merge(&other.busy);
        self.queued.merge(&other.queued);
    }
    fn finish(&mut self, end: Tick) {
        self.busy.finish(end);
        self.queued.finish(end);
    }
    fn total(&self) -> f64 {
        self.capacity as f64
            + self.earlier.iter().map(|e| e.0 as f64).sum::<f64>()
            + Merge::total(&self.busy)
            + Merge::total(&self.queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Places changed when a policy starts are counted from then: the bed-days a commissioner
    /// pays for, and the occupancy they are a share of.
    #[test]
    fn places_changed_mid_window_count_from_the_change() {
        let mut s = Service::new(10, 100);
        s.set_capacity(150, 10); // no change: nothing recorded
        s.set_capacity(200, 30);
        assert_eq!(s.capacity, 30);
        assert_eq!(
            s.capacity_spans(100, 300),
            vec![(100, 200, 10), (200, 300, 30)]
        );
        assert_eq!(s.capacity_spans(250, 300), vec![(250, 300, 30)]);
        assert_eq!(s.capacity_mean(100, 300), 20.0);
        let mut twice = s.clone();
        twice.merge(&s);
        assert_eq!(
            twice.capacity_spans(100, 300),
            vec![(100, 200, 20), (200, 300, 60)]
        );
    }
}
