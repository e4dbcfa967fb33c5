//! A network of stages from a scenario file.
//!
//! People arrive in Poisson (or other) streams, queue for a place at each stage if it has a
//! capacity, stay for a drawn duration, then move on by the stage's branch probabilities until
//! they exit. Every draw comes from a stream keyed by (seed, replication, person, purpose,
//! occurrence), so the same person meets the same luck in every scenario.
//!
//! Time runs from 0 to warm-up + horizon; statistics are reset at the end of the warm-up, except
//! the conservation counts (`people_entered`, `people_exited`), which cover the whole run so that
//! `people_entered = people_exited + people_in_system_end` holds exactly.

use crate::engine::resource::UNLIMITED;
use crate::engine::{
    Context, Model, Purpose, Resource, SimulationBuilder, Stream, Streams, TICKS_PER_DAY, Tick,
    days_to_ticks, ticks_to_days,
};
use crate::scenario::{Destination, Scenario};

use super::Metrics;
use super::purpose::network as purpose;
use super::recorder::{Buffers, Recorder, Visit, VisitBuffer, drive};

#[derive(Clone, Copy)]
struct Person {
    id: u64,
    /// Visits begun so far; numbers this person's draws so repeated visits differ.
    steps: u32,
    priority: u8,
    stage_arrival: Tick,
    stage_start: Tick,
}

#[derive(Clone, Copy)]
enum Event {
    Arrival { stream: u16 },
    Finish { slot: u32, stage: u16 },
    Capacity { stage: u16, capacity: u32 },
    WarmupEnd,
}

#[derive(Default, Clone)]
struct StageCounts {
    arrivals: u64,
    completions: u64,
    sojourn_sum: u128,
}

struct Network<'s, R: Recorder> {
    scenario: &'s Scenario,
    streams: Streams,
    arrival_streams: Vec<Stream>,
    arrival_counts: Vec<u64>,
    arrival_clocks: Vec<f64>,
    resources: Vec<Resource<u32>>,
    counts: Vec<StageCounts>,
    people: Vec<Person>,
    free: Vec<u32>,
    entered: u64,
    exited: u64,
    entered_window: u64,
    exited_window: u64,
    started_scratch: Vec<(u32, Tick)>,
    visits: VisitBuffer<R>,
}

impl<R: Recorder> Network<'_, R> {
    fn admit(&mut self, person: Person) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.people[slot as usize] = person;
                slot
            }
            None => {
                self.people.push(person);
                (self.people.len() - 1) as u32
            }
        }
    }

    #[inline]
    fn enter(&mut self, slot: u32, stage: usize, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let p = &mut self.people[slot as usize];
        p.stage_arrival = now;
        let priority = p.priority;
        self.counts[stage].arrivals += 1;
        if let Some(slot) = self.resources[stage].request(now, slot, priority) {
            self.start(slot, stage, ctx);
        }
    }

    #[inline]
    fn start(&mut self, slot: u32, stage: usize, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let st = &self.scenario.stages[stage];
        let p = &mut self.people[slot as usize];
        p.stage_start = now;
        let mut rng = self.streams.stream_n(
            p.id,
            Purpose::new(purpose::DURATION, st.key),
            p.steps as u64,
        );
        let days = st.duration.sample(&mut rng);
        ctx.schedule_in(
            days_to_ticks(days),
            Event::Finish {
                slot,
                stage: stage as u16,
            },
        );
    }

    #[inline]
    fn finish(&mut self, slot: u32, stage: usize, ctx: &mut Context<'_, Event>) {
        use rand::RngExt;
        let now = ctx.now();
        let st = &self.scenario.stages[stage];
        let person = self.people[slot as usize];
        let c = &mut self.counts[stage];
        c.completions += 1;
        c.sojourn_sum += (now - person.stage_arrival) as u128;
        if let Some((next, _wait)) = self.resources[stage].release(now) {
            self.start(next, stage, ctx);
        }
        let destination = if st.routes.len() == 1 {
            st.routes[0].1
        } else {
            let mut rng = self.streams.stream_n(
                person.id,
                Purpose::new(purpose::ROUTING, st.key),
                person.steps as u64,
            );
            let u: f64 = rng.random();
            let i = st
                .routes
                .partition_point(|r| r.0 <= u)
                .min(st.routes.len() - 1);
            st.routes[i].1
        };
        self.visits.push(Visit {
            person: person.id,
            stage: stage as u32,
            arrival: person.stage_arrival,
            start: person.stage_start,
            end: now,
            destination: match destination {
                Destination::Stage(i) => Some(i as u32),
                Destination::Exit => None,
            },
        });
        match destination {
            Destination::Stage(next) => {
                self.people[slot as usize].steps += 1;
                self.enter(slot, next, ctx);
            }
            Destination::Exit => {
                self.exited += 1;
                self.exited_window += 1;
                self.free.push(slot);
            }
        }
    }
}

impl<R: Recorder> Model for Network<'_, R> {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        match event {
            Event::Arrival { stream } => {
                let s = stream as usize;
                let a = &self.scenario.arrivals[s];
                let n = self.arrival_counts[s];
                self.arrival_counts[s] += 1;
                // Each stream keeps its own clock in days and rounds only the absolute time:
                // rounding each gap instead would bias the rate once gaps approach a minute.
                self.arrival_clocks[s] += a.interarrival.sample(&mut self.arrival_streams[s]);
                ctx.schedule_at(
                    days_to_ticks(self.arrival_clocks[s]),
                    Event::Arrival { stream },
                );
                // People are numbered by stream and order of arrival, so person k of a stream is
                // the same person in every scenario that keeps that stream.
                let id = ((a.key as u64) << 32) | n;
                self.entered += 1;
                self.entered_window += 1;
                let slot = self.admit(Person {
                    id,
                    steps: 0,
                    priority: a.priority,
                    stage_arrival: 0,
                    stage_start: 0,
                });
                self.enter(slot, a.to, ctx);
            }
            Event::Finish { slot, stage } => self.finish(slot, stage as usize, ctx),
            Event::Capacity { stage, capacity } => {
                let mut started = std::mem::take(&mut self.started_scratch);
                self.resources[stage as usize].set_capacity(ctx.now(), capacity, &mut started);
                for (slot, _) in started.drain(..) {
                    self.start(slot, stage as usize, ctx);
                }
                self.started_scratch = started;
            }
            Event::WarmupEnd => {
                let now = ctx.now();
                for r in &mut self.resources {
                    r.reset_stats(now);
                }
                for c in &mut self.counts {
                    *c = StageCounts::default();
                }
                self.entered_window = 0;
                self.exited_window = 0;
            }
        }
    }
}

/// What one replication produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Replication {
    /// Metrics in a fixed order.
    pub metrics: Metrics,
    /// Events handled.
    pub events: u64,
    /// People who entered.
    pub people: u64,
    /// The most people held at once: the person slots the model allocated (a slot is reused
    /// once its person leaves). What the memory a run needs grows with.
    pub held_peak: u64,
}

/// Runs replication `replication` of `scenario` under `seed`, reporting visits to `recorder`.
pub fn run<R: Recorder>(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    mut recorder: R,
) -> (Replication, R) {
    let streams = Streams::new(seed, replication);
    let model = Network {
        scenario,
        streams,
        arrival_streams: scenario
            .arrivals
            .iter()
            .map(|a| streams.system(Purpose::new(purpose::ARRIVALS, a.key)))
            .collect(),
        arrival_counts: vec![0; scenario.arrivals.len()],
        arrival_clocks: vec![0.0; scenario.arrivals.len()],
        resources: scenario
            .stages
            .iter()
            .map(|s| Resource::new(s.capacity, s.discipline))
            .collect(),
        counts: vec![StageCounts::default(); scenario.stages.len()],
        people: Vec::new(),
        free: Vec::new(),
        entered: 0,
        exited: 0,
        entered_window: 0,
        exited_window: 0,
        started_scratch: Vec::new(),
        visits: VisitBuffer::new(),
    };
    let mut b = SimulationBuilder::new(model);
    // Order of initial events at equal times: capacity changes, then the warm-up end, then
    // arrivals, each in scenario order (the calendar is first-in first-out at equal times).
    for (i, s) in scenario.stages.iter().enumerate() {
        for &(t, capacity) in &s.capacity_schedule {
            b.add_event(
                t,
                Event::Capacity {
                    stage: i as u16,
                    capacity,
                },
            );
        }
    }
    if scenario.warmup > 0 {
        b.add_event(scenario.warmup, Event::WarmupEnd);
    }
    for i in 0..scenario.arrivals.len() {
        b.add_event(0, Event::Arrival { stream: i as u16 });
    }
    let mut sim = b.build();
    let end = scenario.warmup + scenario.horizon;
    drive(&mut sim, end, &mut recorder, &super::recorder::NEVER);
    let events = sim.events_handled();
    let mut m = sim.into_model();

    let in_system = m.entered - m.exited;
    let window_days = ticks_to_days(scenario.horizon);
    let mut metrics: Metrics = vec![
        ("people_entered".into(), m.entered as f64),
        ("people_exited".into(), m.exited as f64),
        ("people_in_system_end".into(), in_system as f64),
        ("people_entered_measured".into(), m.entered_window as f64),
        ("people_exited_measured".into(), m.exited_window as f64),
    ];
    for (i, st) in scenario.stages.iter().enumerate() {
        let s = m.resources[i].summary(end);
        let c = &m.counts[i];
        let name = &st.name;
        let mut push = |metric: &str, v: f64| metrics.push((format!("{name}.{metric}"), v));
        push("arrivals", c.arrivals as f64);
        push("completions", c.completions as f64);
        push("arrival_rate_per_day", c.arrivals as f64 / window_days);
        push("started", s.started as f64);
        push(
            "waited_share",
            if s.started > 0 {
                s.waited as f64 / s.started as f64
            } else {
                f64::NAN
            },
        );
        push("wait_days_mean", s.wait_mean_days);
        push("wait_days_max", s.wait_max_days);
        push(
            "sojourn_days_mean",
            if c.completions > 0 {
                c.sojourn_sum as f64 / c.completions as f64 / TICKS_PER_DAY as f64
            } else {
                f64::NAN
            },
        );
        push("in_stage_mean", s.busy_mean + s.queue_mean);
        push("occupancy_mean", s.busy_mean);
        push("queue_length_mean", s.queue_mean);
        push("queue_length_end", s.queue_end as f64);
        if st.capacity != UNLIMITED {
            push("capacity_mean", s.capacity_mean);
            push("utilisation", s.utilisation);
        }
    }
    let people = m.entered;
    let held_peak = m.people.len() as u64;
    (
        Replication {
            metrics,
            events,
            people,
            held_peak,
        },
        recorder,
    )
}

impl<R: Recorder> Buffers<R> for Network<'_, R> {
    fn visits(&self) -> &VisitBuffer<R> {
        &self.visits
    }
    fn visits_mut(&mut self) -> &mut VisitBuffer<R> {
        &mut self.visits
    }
}
