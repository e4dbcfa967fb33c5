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
    /// Places (therapists, caseload places, beds).
    pub(super) capacity: u32,
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
            busy: Level::new(warm),
            queued: Level::new(warm),
            queue: VecDeque::new(),
            urgent: VecDeque::new(),
        }
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

    /// The person in `slot` waits, for the care numbered `token`.
    pub(super) fn join_queue(&mut self, now: Tick, slot: u32, token: u32) {
        self.queue.push_back((slot, token));
        self.queued.add(now, 1);
    }

    /// The person in `slot` waits ahead of everyone not urgent, behind earlier urgent people.
    pub(super) fn join_queue_urgent(&mut self, now: Tick, slot: u32, token: u32) {
        self.urgent.push_back((slot, token));
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
        self.busy.merge(&other.busy);
        self.queued.merge(&other.queued);
    }
    fn finish(&mut self, end: Tick) {
        self.busy.finish(end);
        self.queued.finish(end);
    }
    fn total(&self) -> f64 {
        self.capacity as f64 + Merge::total(&self.busy) + Merge::total(&self.queued)
    }
}
