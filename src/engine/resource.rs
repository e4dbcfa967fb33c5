//! Capacity-limited resources (secure beds, therapists, report writers) and their queues.
//!
//! A resource has a number of servers (its capacity, which may change during a run) and a queue
//! of requests waiting for one. Requests are served first-come first-served, or by priority
//! (lower number first, ties first-come first-served). When capacity falls below the number in
//! service nobody is turned out: the reduction takes effect as servers become free.
//!
//! The resource keeps the statistics users expect, integrated over time exactly (integer ticks):
//! waits, time-average number in service, in queue, capacity, and hence utilisation.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::time::{Tick, ticks_to_days};

/// The order in which waiting requests are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Discipline {
    /// First come, first served.
    Fifo,
    /// Lowest priority number first; first come, first served among equals.
    Priority,
}

struct Waiting<T> {
    since: Tick,
    priority: u8,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Waiting<T> {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority && self.seq == other.seq
    }
}
impl<T> Eq for Waiting<T> {}
impl<T> PartialOrd for Waiting<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Waiting<T> {
    // Max-heap: the smallest (priority, seq) must compare greatest.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .priority
            .cmp(&self.priority)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

enum Queue<T> {
    Fifo(VecDeque<Waiting<T>>),
    Priority(BinaryHeap<Waiting<T>>),
}

impl<T> Queue<T> {
    fn len(&self) -> usize {
        match self {
            Queue::Fifo(q) => q.len(),
            Queue::Priority(q) => q.len(),
        }
    }
    fn push(&mut self, w: Waiting<T>) {
        match self {
            Queue::Fifo(q) => q.push_back(w),
            Queue::Priority(q) => q.push(w),
        }
    }
    fn pop(&mut self) -> Option<Waiting<T>> {
        match self {
            Queue::Fifo(q) => q.pop_front(),
            Queue::Priority(q) => q.pop(),
        }
    }
}

/// Capacity meaning "no limit": every request is served at once.
pub const UNLIMITED: u32 = u32::MAX;

/// A pool of identical servers with a queue.
pub struct Resource<T> {
    capacity: u32,
    busy: u32,
    queue: Queue<T>,
    next_seq: u64,
    stats: Accumulators,
}

#[derive(Clone, Default)]
struct Accumulators {
    since: Tick,
    last: Tick,
    busy_area: u128,
    queue_area: u128,
    capacity_area: u128,
    started: u64,
    waited: u64,
    wait_sum: u128,
    wait_max: Tick,
    peak_busy: u32,
    peak_queue: usize,
}

/// A resource's statistics over a window of time, in days where they are times.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSummary {
    /// Length of the window, days.
    pub window_days: f64,
    /// Requests that started service in the window.
    pub started: u64,
    /// Of those, the ones that had to wait (wait longer than zero).
    pub waited: u64,
    /// Mean wait of those that started, days.
    pub wait_mean_days: f64,
    /// Longest wait of those that started, days.
    pub wait_max_days: f64,
    /// Time-average number in service.
    pub busy_mean: f64,
    /// Time-average number waiting.
    pub queue_mean: f64,
    /// Time-average capacity (`NaN` if unlimited).
    pub capacity_mean: f64,
    /// Time-average number in service over time-average capacity (`NaN` if unlimited).
    pub utilisation: f64,
    /// Most in service at once.
    pub peak_busy: u32,
    /// Most waiting at once.
    pub peak_queue: usize,
    /// Waiting at the end of the window.
    pub queue_end: usize,
}

impl<T> Resource<T> {
    /// A resource with `capacity` servers ([`UNLIMITED`] for no limit).
    pub fn new(capacity: u32, discipline: Discipline) -> Self {
        let queue = match discipline {
            Discipline::Fifo => Queue::Fifo(VecDeque::new()),
            Discipline::Priority => Queue::Priority(BinaryHeap::new()),
        };
        Self {
            capacity,
            busy: 0,
            queue,
            next_seq: 0,
            stats: Accumulators::default(),
        }
    }

    /// Servers in use.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Requests waiting.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Current capacity.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    #[inline]
    fn advance(&mut self, now: Tick) {
        let s = &mut self.stats;
        let dt = (now - s.last) as u128;
        if dt > 0 {
            s.busy_area += self.busy as u128 * dt;
            s.queue_area += self.queue.len() as u128 * dt;
            if self.capacity != UNLIMITED {
                s.capacity_area += self.capacity as u128 * dt;
            }
            s.last = now;
        }
    }

    #[inline]
    fn record_start(&mut self, wait: Tick) {
        let s = &mut self.stats;
        s.started += 1;
        if wait > 0 {
            s.waited += 1;
            s.wait_sum += wait as u128;
            s.wait_max = s.wait_max.max(wait);
        }
        s.peak_busy = s.peak_busy.max(self.busy);
    }

    /// Asks for a server at `now`. Returns `Some(item)` if one was free (service starts now),
    /// or `None` if the item was queued; it comes back from [`Resource::release`] or
    /// [`Resource::set_capacity`] when its turn comes.
    #[inline]
    pub fn request(&mut self, now: Tick, item: T, priority: u8) -> Option<T> {
        self.advance(now);
        if self.busy < self.capacity {
            self.busy += 1;
            self.record_start(0);
            Some(item)
        } else {
            let seq = self.next_seq;
            self.next_seq += 1;
            self.queue.push(Waiting {
                since: now,
                priority,
                seq,
                item,
            });
            self.stats.peak_queue = self.stats.peak_queue.max(self.queue.len());
            None
        }
    }

    /// Frees one server at `now`. If a request is waiting and capacity allows, it starts service
    /// at once and is returned with its wait in ticks.
    #[inline]
    pub fn release(&mut self, now: Tick) -> Option<(T, Tick)> {
        self.advance(now);
        debug_assert!(self.busy > 0, "release without a matching request");
        self.busy -= 1;
        self.start_next(now)
    }

    fn start_next(&mut self, now: Tick) -> Option<(T, Tick)> {
        if self.busy < self.capacity
            && let Some(w) = self.queue.pop()
        {
            self.busy += 1;
            let wait = now - w.since;
            self.record_start(wait);
            return Some((w.item, wait));
        }
        None
    }

    /// Changes the capacity at `now`. Requests that can start because capacity rose are pushed
    /// onto `started`, in service order, with their waits.
    pub fn set_capacity(&mut self, now: Tick, capacity: u32, started: &mut Vec<(T, Tick)>) {
        self.advance(now);
        self.capacity = capacity;
        while let Some(s) = self.start_next(now) {
            started.push(s);
        }
    }

    /// Starts a new statistics window at `now` (the end of a warm-up), keeping the state.
    pub fn reset_stats(&mut self, now: Tick) {
        self.advance(now);
        self.stats = Accumulators {
            since: now,
            last: now,
            peak_busy: self.busy,
            peak_queue: self.queue.len(),
            ..Accumulators::default()
        };
    }

    /// The statistics of the window from the last reset (or time zero) to `now`.
    pub fn summary(&mut self, now: Tick) -> ResourceSummary {
        self.advance(now);
        let s = &self.stats;
        let window = (now - s.since) as f64;
        let per_time = |area: u128| {
            if window > 0.0 {
                area as f64 / window
            } else {
                f64::NAN
            }
        };
        let capacity_mean = if self.capacity == UNLIMITED {
            f64::NAN
        } else {
            per_time(s.capacity_area)
        };
        let busy_mean = per_time(s.busy_area);
        ResourceSummary {
            window_days: ticks_to_days(now - s.since),
            started: s.started,
            waited: s.waited,
            wait_mean_days: if s.started > 0 {
                s.wait_sum as f64 / s.started as f64 / super::time::TICKS_PER_DAY as f64
            } else {
                f64::NAN
            },
            wait_max_days: ticks_to_days(s.wait_max),
            busy_mean,
            queue_mean: per_time(s.queue_area),
            capacity_mean,
            utilisation: busy_mean / capacity_mean,
            peak_busy: s.peak_busy,
            peak_queue: s.peak_queue,
            queue_end: self.queue.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_serves_in_arrival_order_and_integrates_exactly() {
        let mut r = Resource::new(1, Discipline::Fifo);
        assert_eq!(r.request(0, 'a', 0), Some('a'));
        assert_eq!(r.request(10, 'b', 0), None);
        assert_eq!(r.request(20, 'c', 0), None);
        assert_eq!(r.release(30), Some(('b', 20)));
        assert_eq!(r.release(40), Some(('c', 20)));
        assert_eq!(r.release(50), None);
        let s = r.summary(100);
        assert_eq!(s.started, 3);
        assert_eq!(s.waited, 2);
        // busy from 0 to 50 of 100 ticks; queue: 1 in [10,20), 2 in [20,30), 1 in [30,40).
        assert_eq!(s.busy_mean, 0.5);
        assert_eq!(s.queue_mean, (10.0 + 20.0 + 10.0) / 100.0);
        assert_eq!(s.utilisation, 0.5);
        assert_eq!(s.peak_queue, 2);
    }

    #[test]
    fn priority_serves_lowest_number_first_and_ties_fifo() {
        let mut r = Resource::new(1, Discipline::Priority);
        r.request(0, "busy", 0);
        r.request(1, "low-1", 5);
        r.request(2, "urgent-1", 1);
        r.request(3, "low-2", 5);
        r.request(4, "urgent-2", 1);
        let order: Vec<_> = (0..4).map(|i| r.release(10 + i).unwrap().0).collect();
        assert_eq!(order, vec!["urgent-1", "urgent-2", "low-1", "low-2"]);
    }

    #[test]
    fn capacity_rise_starts_waiters_and_fall_waits_for_servers_to_free() {
        let mut r = Resource::new(1, Discipline::Fifo);
        r.request(0, 1, 0);
        r.request(0, 2, 0);
        r.request(0, 3, 0);
        let mut started = Vec::new();
        r.set_capacity(5, 3, &mut started);
        assert_eq!(started, vec![(2, 5), (3, 5)]);
        assert_eq!(r.busy(), 3);
        started.clear();
        r.set_capacity(6, 1, &mut started);
        assert!(started.is_empty());
        assert_eq!(r.busy(), 3, "nobody is turned out when capacity falls");
        r.request(7, 4, 0);
        assert_eq!(r.release(8), None, "2 busy > capacity 1: no start");
        assert_eq!(r.release(9), None);
        assert_eq!(r.release(10), Some((4, 3)));
    }

    #[test]
    fn reset_starts_a_fresh_window() {
        let mut r = Resource::new(2, Discipline::Fifo);
        r.request(0, (), 0);
        r.reset_stats(100);
        let s = r.summary(200);
        assert_eq!(s.started, 0);
        assert_eq!(s.busy_mean, 1.0);
        assert_eq!(s.capacity_mean, 2.0);
    }
}
