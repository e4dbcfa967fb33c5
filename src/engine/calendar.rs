//! The event calendar: a priority queue ordered by (time, insertion sequence).
//!
//! Events due at the same tick come out first-in first-out, in the order they were scheduled.
//! That single rule is the whole tie-breaking policy of the engine, and it is what makes a run
//! deterministic: no ordering depends on a hash, an address or a float comparison.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use super::time::Tick;

#[derive(Clone, Copy)]
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

/// Events are bucketed by `time >> EPOCH_SHIFT`: 2^11 minutes, about a day and a half. Short,
/// so that an event due within days (police custody, a court's wait) is sorted with its
/// epoch's bucket rather than pushed through the heap: callgrind counts 3% fewer instructions
/// for a national pathway run than with 2^14 minutes, and 6% more for the M/M/c reference,
/// whose ten-day stays the longer epoch kept in the heap.
const EPOCH_SHIFT: u32 = 11;

/// A time's place within its epoch.
const EPOCH_MASK: Tick = (1 << EPOCH_SHIFT) - 1;

/// Epochs held in a ring of buckets, found by index: 2^13 epochs, about 32 years, so that in
/// practice every event does (the pathway's are at most years ahead). Later epochs wait in an
/// ordered map.
const RING: u64 = 1 << 13;

/// The radix sort of a bucket takes its key, the time within the epoch, in two digits.
const DIGIT: u32 = EPOCH_SHIFT.div_ceil(2);

/// Pending events, earliest first; equal times first-in first-out.
///
/// Two levels, because a pathway run keeps hundreds of thousands of events pending (every
/// person in the community waits for their next offence, death or the end of follow-up) and a
/// single binary heap that size spent two thirds of the run in `pop`, each level a cache miss.
/// Events in the current epoch (a window of 2^11 ticks) sit in a sorted run and a small heap;
/// later ones are appended to per-epoch buckets and sorted, by a radix sort on their time within
/// the epoch, only when their epoch comes. The order is exactly that of one heap over (time,
/// sequence): every event in the run or the heap is due in an epoch no later than
/// `loaded_epoch`, every bucketed event in a later one, and the next epoch is loaded when an
/// event is asked for and the run and the heap are empty.
pub struct Calendar<E> {
    /// The loaded epoch's events, sorted by descending (time, sequence): the next is last.
    current: Vec<Entry<E>>,
    /// Events scheduled into the loaded epoch after it was loaded.
    late: BinaryHeap<Entry<E>>,
    /// Epoch `e`'s events, for `loaded_epoch < e < loaded_epoch + RING`, at `e % RING`, in the
    /// order they were scheduled. Allocated at the first event that needs it.
    ring: Vec<Vec<Entry<E>>>,
    /// Events in `ring`.
    in_ring: usize,
    /// Epochs from `loaded_epoch + RING` on, when they were scheduled.
    far: BTreeMap<u64, Vec<Entry<E>>>,
    /// The radix sort's second buffer, kept so that loading an epoch does not allocate.
    scratch: Vec<Entry<E>>,
    loaded_epoch: u64,
    len: usize,
    next_seq: u64,
    /// Whether an event has been popped (see [`Calendar::rewind`]).
    started: bool,
}

impl<E: Copy> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Calendar<E> {
    /// An empty calendar.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty calendar with room for `n` events in the current epoch before it reallocates.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            current: Vec::new(),
            late: BinaryHeap::with_capacity(n),
            ring: Vec::new(),
            in_ring: 0,
            far: BTreeMap::new(),
            scratch: Vec::new(),
            loaded_epoch: 0,
            len: 0,
            next_seq: 0,
            started: false,
        }
    }

    /// Adds an event due at `time`.
    #[inline]
    pub fn schedule(&mut self, time: Tick, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let epoch = time >> EPOCH_SHIFT;
        if self.len == 0 {
            self.loaded_epoch = epoch;
        } else if epoch < self.loaded_epoch && !self.started {
            self.rewind(epoch);
        }
        self.len += 1;
        self.place(Entry { time, seq, event }, epoch);
    }

    /// Puts an entry of `epoch` (no earlier than the loaded one) where it waits.
    #[inline]
    fn place(&mut self, entry: Entry<E>, epoch: u64) {
        if epoch <= self.loaded_epoch {
            self.late.push(entry);
        } else if epoch - self.loaded_epoch < RING {
            if self.ring.is_empty() {
                self.ring.resize_with(RING as usize, Vec::new);
            }
            // A bucket's allocation goes with its events when its epoch is loaded; emptied
            // ones are not recycled. Reusing them kept every bucket at the largest size any
            // epoch had reached: 312 MB instead of 107 MB peak for one national replication,
            // for no measurable gain in speed. (Nor are they given a size up front: an eighth
            // of the last epoch's each saved 0.3% of the instructions and added 340 MB to a
            // 10^7-person run.)
            self.ring[(epoch % RING) as usize].push(entry);
            self.in_ring += 1;
        } else {
            self.far.entry(epoch).or_default().push(entry);
        }
    }

    /// Makes `epoch`, earlier than the loaded one, the loaded one, for events added out of time
    /// order before the first pop: a policy's start date scheduled before the first arrival
    /// once made that date's epoch the loaded one, so that every event of the five years before
    /// it went through the heap (a policy scenario ran half as fast again as the baseline).
    /// Every entry is placed again, in scheduling order, which keeps each bucket in that order.
    /// Once popping has begun, an event earlier than the loaded epoch can only be due before
    /// the next bucketed one (the clock never goes back, and an epoch is loaded when the one
    /// before runs out), and the heap is the place for it.
    #[cold]
    fn rewind(&mut self, epoch: u64) {
        let mut all: Vec<Entry<E>> = std::mem::take(&mut self.current);
        all.extend(std::mem::take(&mut self.late).into_vec());
        for bucket in self.ring.iter_mut().chain(self.far.values_mut()) {
            all.append(bucket);
        }
        self.far.clear();
        self.in_ring = 0;
        all.sort_unstable_by_key(|e| e.seq);
        self.loaded_epoch = epoch;
        for entry in all {
            self.place(entry, entry.time >> EPOCH_SHIFT);
        }
    }

    /// Whether the next event is the last of `current` rather than the top of `late`.
    #[inline]
    fn next_is_current(&self) -> Option<bool> {
        match (self.current.last(), self.late.peek()) {
            (Some(c), Some(l)) => Some(c.key() < l.key()),
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (None, None) => None,
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Tick, E)> {
        self.load_if_run_out();
        let entry = if self.next_is_current()? {
            self.current.pop()?
        } else {
            self.late.pop()?
        };
        self.len -= 1;
        self.started = true;
        Some((entry.time(), entry.event))
    }

    /// Loads the next epoch when the loaded one has nothing left. Only when an event is asked
    /// for, not as the last one is popped: the model handling that one may schedule more in
    /// the loaded epoch, and loading a later one first would send them through the heap.
    #[inline]
    fn load_if_run_out(&mut self) {
        if self.current.is_empty() && self.late.is_empty() && self.len > 0 {
            self.load_next_epoch();
        }
    }

    /// Sorts the next epoch's bucket once: popping then walks memory in order, where a heap of
    /// the same size would jump about it (a national 3-million-person catchment spent 28% of
    /// its time in a heap's `pop`). A bucket holds its events in the order they were scheduled,
    /// so a stable sort on time alone gives the (time, sequence) order, and time within the
    /// epoch is an 11-bit key: a radix sort, two passes of counting, where a comparison sort
    /// had been 23% of a national run's instructions.
    #[cold]
    fn load_next_epoch(&mut self) {
        let next_in_ring = (self.in_ring > 0).then(|| {
            (self.loaded_epoch + 1..self.loaded_epoch + RING)
                .find(|e| !self.ring[(e % RING) as usize].is_empty())
                .expect("the ring holds events")
        });
        let next_far = self.far.first_key_value().map(|(&e, _)| e);
        let epoch = match (next_in_ring, next_far) {
            (Some(r), Some(f)) => r.min(f),
            (Some(e), None) | (None, Some(e)) => e,
            (None, None) => return,
        };
        // An epoch first seen far off and scheduled into again once near has its events in
        // both; all of the far ones were scheduled first.
        let mut bucket = match self.far.first_entry() {
            Some(f) if *f.key() == epoch => f.remove(),
            _ => Vec::new(),
        };
        if next_in_ring == Some(epoch) {
            let near = std::mem::take(&mut self.ring[(epoch % RING) as usize]);
            self.in_ring -= near.len();
            if bucket.is_empty() {
                bucket = near;
            } else {
                bucket.extend(near);
            }
        }
        self.loaded_epoch = epoch;
        sort_descending(&mut bucket, &mut self.scratch);
        self.current = bucket;
    }

    /// An event due soon: the `k`-th after the next in the loaded epoch's sorted run (events
    /// scheduled into the epoch since it was loaded may come before it). For a model to fetch
    /// what that event will touch while it handles the ones before.
    #[inline]
    pub fn upcoming(&self, k: usize) -> Option<&E> {
        let n = self.current.len();
        (k < n).then(|| &self.current[n - 1 - k].event)
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&mut self) -> Option<Tick> {
        self.load_if_run_out();
        match self.next_is_current()? {
            true => self.current.last().map(|e| e.time()),
            false => self.late.peek().map(|e| e.time()),
        }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of events ever scheduled on this calendar.
    pub fn scheduled_total(&self) -> u64 {
        self.next_seq
    }
}

/// Sorts `bucket`, whose entries are in ascending sequence, into descending (time, sequence):
/// a stable radix sort of the reversed input on the time's place in the epoch, reversed.
fn sort_descending<E: Copy>(bucket: &mut [Entry<E>], scratch: &mut Vec<Entry<E>>) {
    const BINS: usize = 1 << DIGIT;
    const LOW: Tick = (1 << DIGIT) - 1;
    if bucket.len() < 64 {
        bucket.sort_unstable_by_key(|e| std::cmp::Reverse(e.key()));
        return;
    }
    // Descending time is ascending `EPOCH_MASK - place`.
    let key = |e: &Entry<E>| EPOCH_MASK - (e.time & EPOCH_MASK);
    let mut starts = [[0usize; BINS]; 2];
    for e in bucket.iter() {
        let k = key(e);
        starts[0][(k & LOW) as usize] += 1;
        starts[1][(k >> DIGIT) as usize] += 1;
    }
    for counts in &mut starts {
        let mut at = 0;
        for c in counts.iter_mut() {
            (*c, at) = (at, at + *c);
        }
    }
    // Each pass moves every entry once into its digit's next free place; taking the input
    // last-scheduled first makes equal times come out in descending sequence.
    scratch.clear();
    scratch.resize(bucket.len(), bucket[0]);
    for e in bucket.iter().rev() {
        let d = (key(e) & LOW) as usize;
        scratch[starts[0][d]] = *e;
        starts[0][d] += 1;
    }
    for e in scratch.iter() {
        let d = (key(e) >> DIGIT) as usize;
        bucket[starts[1][d]] = *e;
        starts[1][d] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A regression: an event far ahead scheduled first (a policy's start date, before the first
    /// arrival) made its epoch the loaded one, and every earlier event then went through the
    /// heap. The order was right; the run was half as slow again.
    #[test]
    fn an_early_event_added_after_a_far_one_does_not_send_the_run_through_the_heap() {
        let mut cal = Calendar::new();
        cal.schedule(10_000_000, u64::MAX);
        for day in 0..1000u64 {
            cal.schedule(day * 1440, day);
        }
        // Only the first epoch's events (days 0 and 1) wait in the heap; the rest in buckets.
        assert_eq!(cal.late.len(), 2);
        let out: Vec<_> = std::iter::from_fn(|| cal.pop()).collect();
        let expected: Vec<_> = (0..1000u64)
            .map(|day| (day * 1440, day))
            .chain([(10_000_000, u64::MAX)])
            .collect();
        assert_eq!(out, expected);
    }

    /// The same regression, the other way in: the next epoch was loaded as the last event of
    /// the loaded one was popped, before the model handled it, so that with only a far event
    /// left the far epoch was loaded, and what the model scheduled then went through the heap.
    #[test]
    fn events_scheduled_while_the_last_of_an_epoch_is_handled_wait_in_their_buckets() {
        let mut cal = Calendar::new();
        cal.schedule(10_000_000, u64::MAX);
        cal.schedule(0, 0);
        let mut handled = 0;
        while let Some((t, e)) = cal.pop() {
            if e < 100 {
                // The next arrival, more than an epoch later.
                cal.schedule(t + 3000, e + 1);
                assert!(
                    cal.late.is_empty(),
                    "event {}'s went through the heap",
                    e + 1
                );
                handled += 1;
            }
        }
        assert_eq!(handled, 100);
    }

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

    #[test]
    fn matches_a_single_heap_over_time_and_sequence_across_epochs() {
        // Deterministic pseudo-random schedule mixing near and far events (many epochs apart),
        // interleaved with pops: the output must equal a sort by (time, sequence).
        let mut cal = Calendar::new();
        let mut reference: Vec<(Tick, u64)> = Vec::new();
        let mut out = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut now: Tick = 0;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let delay = match x % 4 {
                0 => 0,
                1 => x % 100,
                2 => x % 10_000,
                _ => x % 5_000_000,
            };
            cal.schedule(now + delay, i);
            reference.push((now + delay, i));
            if x.is_multiple_of(3) {
                let (t, e) = cal.pop().unwrap();
                assert!(t >= now);
                now = t;
                out.push((t, e));
            }
        }
        while let Some(e) = cal.pop() {
            out.push(e);
        }
        assert!(cal.is_empty());
        assert_eq!(out.len(), reference.len());
        // Popped times never go backwards, and equal times come out in scheduling order.
        for w in out.windows(2) {
            assert!(
                w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1),
                "{w:?}"
            );
        }
    }
}
