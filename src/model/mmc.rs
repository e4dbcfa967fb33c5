//! The M/M/c reference queue: Poisson arrivals, `c` servers, exponential service, first come
//! first served. It runs on the same engine as every scenario (calendar, simulation, resource,
//! keyed streams), so `cjmh verify` checks the engine itself against Erlang C and `cjmh bench`
//! measures the engine's own cost per person.

use crate::engine::{
    Context, Discipline, Model, Purpose, Resource, Sampler, SimulationBuilder, Stream, Streams,
    TICKS_PER_DAY, Tick, days_to_ticks,
};

use super::purpose::network as purpose;

/// Parameters of an M/M/c run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmcParams {
    /// Arrivals per day.
    pub arrival_rate_per_day: f64,
    /// Servers.
    pub servers: u32,
    /// Mean service time, days.
    pub mean_service_days: f64,
    /// People who arrive in all.
    pub arrivals: u64,
    /// The first this many people are not measured (warm-up).
    pub warmup_arrivals: u64,
}

impl MmcParams {
    /// The bench model of the issue tracker: 0.9 arrivals a day, 10 servers, 10-day service.
    pub fn reference(arrivals: u64) -> Self {
        Self {
            arrival_rate_per_day: 0.9,
            servers: 10,
            mean_service_days: 10.0,
            arrivals,
            warmup_arrivals: 0,
        }
    }
}

/// What an M/M/c run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmcResult {
    /// People measured (arrived after the warm-up).
    pub measured: u64,
    /// Of those, how many waited for a server.
    pub waited: u64,
    /// Their mean wait, days.
    pub wait_mean_days: f64,
    /// Time-average number in the system (in service or waiting) over the measured period.
    pub in_system_mean: f64,
    /// Mean time in the system of the measured people, days.
    pub sojourn_mean_days: f64,
    /// Measured people per day of the measured period.
    pub throughput_per_day: f64,
    /// Arrivals and departures counted (conservation: arrived = departed + still in system).
    pub arrived: u64,
    /// People who completed service.
    pub departed: u64,
    /// People in the system at the end.
    pub in_system_end: u64,
    /// Events handled.
    pub events: u64,
}

#[derive(Clone, Copy)]
struct Person {
    id: u64,
    arrived: Tick,
}

#[derive(Clone, Copy)]
enum Event {
    Arrival,
    Departure(Person),
}

struct Mmc {
    params: MmcParams,
    streams: Streams,
    arrivals_stream: Stream,
    interarrival: Sampler,
    service: Sampler,
    servers: Resource<Person>,
    next_id: u64,
    departed: u64,
    measure_from: Option<Tick>,
    measured: u64,
    waited: u64,
    wait_sum: u128,
    sojourn_sum: u128,
    sojourn_n: u64,
    last: Tick,
}

const SERVICE_STAGE: u32 = 0;

impl Mmc {
    #[inline]
    fn start(&mut self, person: Person, wait: Tick, ctx: &mut Context<'_, Event>) {
        if person.id >= self.params.warmup_arrivals {
            self.measured += 1;
            if wait > 0 {
                self.waited += 1;
                self.wait_sum += wait as u128;
            }
        }
        let mut rng = self
            .streams
            .stream(person.id, Purpose::new(purpose::DURATION, SERVICE_STAGE));
        let days = self.service.sample(&mut rng);
        ctx.schedule_in(days_to_ticks(days), Event::Departure(person));
    }
}

impl Model for Mmc {
    type Event = Event;

    #[inline]
    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        self.last = now;
        match event {
            Event::Arrival => {
                let id = self.next_id;
                self.next_id += 1;
                if id == self.params.warmup_arrivals {
                    self.measure_from = Some(now);
                    self.servers.reset_stats(now);
                }
                if self.next_id < self.params.arrivals {
                    let gap = self.interarrival.sample(&mut self.arrivals_stream);
                    ctx.schedule_in(days_to_ticks(gap), Event::Arrival);
                }
                let person = Person { id, arrived: now };
                if let Some(p) = self.servers.request(now, person, 0) {
                    self.start(p, 0, ctx);
                }
            }
            Event::Departure(person) => {
                self.departed += 1;
                if person.id >= self.params.warmup_arrivals {
                    self.sojourn_sum += (now - person.arrived) as u128;
                    self.sojourn_n += 1;
                }
                if let Some((next, wait)) = self.servers.release(now) {
                    self.start(next, wait, ctx);
                }
            }
        }
    }
}

/// Runs one replication of M/M/c under `seed`.
pub fn run(params: MmcParams, seed: u64, replication: u64) -> MmcResult {
    let streams = Streams::new(seed, replication);
    let model = Mmc {
        params,
        streams,
        arrivals_stream: streams.system(Purpose::new(purpose::ARRIVALS, 0)),
        interarrival: crate::engine::Distribution::exponential(1.0 / params.arrival_rate_per_day)
            .sampler()
            .expect("a positive arrival rate"),
        service: crate::engine::Distribution::exponential(params.mean_service_days)
            .sampler()
            .expect("a positive mean service time"),
        servers: Resource::new(params.servers, Discipline::Fifo),
        next_id: 0,
        departed: 0,
        measure_from: if params.warmup_arrivals == 0 {
            Some(0)
        } else {
            None
        },
        measured: 0,
        waited: 0,
        wait_sum: 0,
        sojourn_sum: 0,
        sojourn_n: 0,
        last: 0,
    };
    let mut builder = SimulationBuilder::new(model);
    if params.arrivals > 0 {
        builder.add_event(0, Event::Arrival);
    }
    let mut sim = builder.build();
    sim.run();
    let events = sim.events_handled();
    let mut m = sim.into_model();
    // Everyone in the system is in service or waiting: the resource's integrals are the model's.
    let servers = m.servers.summary(m.last);
    let in_system_end = (m.servers.busy() as usize + m.servers.queue_len()) as u64;
    let measured_from = m.measure_from.unwrap_or(0);
    let period_days = (m.last - measured_from) as f64 / TICKS_PER_DAY as f64;
    MmcResult {
        measured: m.measured,
        waited: m.waited,
        wait_mean_days: m.wait_sum as f64 / m.measured.max(1) as f64 / TICKS_PER_DAY as f64,
        in_system_mean: servers.busy_mean + servers.queue_mean,
        sojourn_mean_days: m.sojourn_sum as f64 / m.sojourn_n.max(1) as f64 / TICKS_PER_DAY as f64,
        throughput_per_day: m.sojourn_n as f64 / period_days.max(f64::MIN_POSITIVE),
        arrived: m.next_id,
        departed: m.departed,
        in_system_end,
        events,
    }
}
