//! Building and driving a simulation.
//!
//! A [`SimulationBuilder`] takes a model and its initial events; [`SimulationBuilder::build`]
//! turns it into a running [`Simulation`] that can only be advanced: [`Simulation::step`] handles
//! the next event, [`Simulation::step_until`] handles every event up to a deadline, and
//! [`Simulation::run`] handles events until none are left. The model is then read back with
//! [`Simulation::model`] or [`Simulation::into_model`].

use super::calendar::Calendar;
use super::time::Tick;

/// A model reacts to its events by changing its state and scheduling further events.
///
/// Models never do I/O: what they observe goes to the recorder they own.
pub trait Model {
    /// The events this model schedules for itself: small values, copied as the calendar sorts
    /// them.
    type Event: Copy;

    /// Handles one event at time `ctx.now()`.
    fn handle(&mut self, event: Self::Event, ctx: &mut Context<'_, Self::Event>);

    /// Asks the memory system for what `event` will touch, a few events before it is handled.
    /// A hint only: it must not change the model. Models whose events reach into large tables
    /// at random (one person's record among a million) spend most of their time waiting for
    /// memory otherwise.
    #[inline]
    fn prefetch(&self, _event: &Self::Event) {}
}

/// How many events ahead [`Simulation::step`] asks the model to prefetch: far enough that the
/// memory has answered by the time the event comes (an event takes 100-300 ns, a miss to main
/// memory about 100 ns), near enough that what was fetched is still in cache.
const PREFETCH_AHEAD: usize = 8;

/// What a model can do while it handles an event: read the clock and schedule events.
pub struct Context<'a, E> {
    now: Tick,
    calendar: &'a mut Calendar<E>,
}

impl<E: Copy> Context<'_, E> {
    /// The current time.
    #[inline]
    pub fn now(&self) -> Tick {
        self.now
    }

    /// Schedules `event` after `delay` ticks (zero: later in this same tick, after the events
    /// already scheduled for it).
    #[inline]
    pub fn schedule_in(&mut self, delay: Tick, event: E) {
        self.calendar
            .schedule(self.now.saturating_add(delay), event);
    }

    /// Schedules `event` at `time`; a time in the past is treated as now, because the past
    /// cannot be changed and a model asking for it has already lost that time to rounding.
    #[inline]
    pub fn schedule_at(&mut self, time: Tick, event: E) {
        self.calendar.schedule(time.max(self.now), event);
    }
}

/// Errors from driving a simulation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    /// `step_until` was asked for a deadline earlier than the current time. Not fatal: the
    /// simulation is unchanged and can be driven on with a valid deadline.
    #[error("deadline {deadline} is before the current time {now}")]
    DeadlineInPast {
        /// The deadline asked for.
        deadline: Tick,
        /// The simulation's time when it was asked.
        now: Tick,
    },
}

/// Collects a model and its initial events.
pub struct SimulationBuilder<M: Model> {
    model: M,
    calendar: Calendar<M::Event>,
}

impl<M: Model> SimulationBuilder<M> {
    /// Starts a simulation of `model` at time zero.
    pub fn new(model: M) -> Self {
        Self {
            model,
            calendar: Calendar::with_capacity(64),
        }
    }

    /// Schedules an initial event.
    pub fn schedule_at(mut self, time: Tick, event: M::Event) -> Self {
        self.calendar.schedule(time, event);
        self
    }

    /// Schedules an initial event in place (convenient in loops).
    pub fn add_event(&mut self, time: Tick, event: M::Event) {
        self.calendar.schedule(time, event);
    }

    /// Turns the builder into a running simulation at time zero.
    pub fn build(self) -> Simulation<M> {
        Simulation {
            model: self.model,
            calendar: self.calendar,
            now: 0,
            events_handled: 0,
        }
    }
}

/// A running simulation: it can be advanced and inspected, not reconfigured.
pub struct Simulation<M: Model> {
    model: M,
    calendar: Calendar<M::Event>,
    now: Tick,
    events_handled: u64,
}

impl<M: Model> Simulation<M> {
    /// Handles the next event, returning its time, or `None` if no event is pending.
    #[inline]
    pub fn step(&mut self) -> Option<Tick> {
        let (time, event) = self.calendar.pop()?;
        if let Some(soon) = self.calendar.upcoming(PREFETCH_AHEAD) {
            self.model.prefetch(soon);
        }
        self.now = time;
        self.events_handled += 1;
        let mut ctx = Context {
            now: time,
            calendar: &mut self.calendar,
        };
        self.model.handle(event, &mut ctx);
        Some(time)
    }

    /// Handles every event due at or before `deadline`, then sets the clock to `deadline`.
    pub fn step_until(&mut self, deadline: Tick) -> Result<(), SimulationError> {
        if deadline < self.now {
            return Err(SimulationError::DeadlineInPast {
                deadline,
                now: self.now,
            });
        }
        while self.calendar.peek_time().is_some_and(|t| t <= deadline) {
            self.step();
        }
        self.now = deadline;
        Ok(())
    }

    /// Like [`Simulation::step_until`], but pauses between two events as soon as `pause` is true
    /// of the model (a buffer to empty, say). Returns `true` once the deadline is reached, and
    /// `false` when paused; calling it again goes on from where it paused.
    pub fn step_until_or(
        &mut self,
        deadline: Tick,
        mut pause: impl FnMut(&M) -> bool,
    ) -> Result<bool, SimulationError> {
        if deadline < self.now {
            return Err(SimulationError::DeadlineInPast {
                deadline,
                now: self.now,
            });
        }
        while self.calendar.peek_time().is_some_and(|t| t <= deadline) {
            if pause(&self.model) {
                return Ok(false);
            }
            self.step();
        }
        self.now = deadline;
        Ok(true)
    }

    /// Handles events until none are left.
    pub fn run(&mut self) {
        while self.step().is_some() {}
    }

    /// The current time.
    pub fn now(&self) -> Tick {
        self.now
    }

    /// Events handled so far.
    pub fn events_handled(&self) -> u64 {
        self.events_handled
    }

    /// Events still pending.
    pub fn pending(&self) -> usize {
        self.calendar.len()
    }

    /// The model, for reading its state.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, for the driver to take what it has buffered between events.
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// Ends the simulation and returns the model.
    pub fn into_model(self) -> M {
        self.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the order events are handled in; event `n > 0` schedules `n - 1` at the same time.
    struct Chain(Vec<(Tick, u32)>);

    impl Model for Chain {
        type Event = u32;
        fn handle(&mut self, event: u32, ctx: &mut Context<'_, u32>) {
            self.0.push((ctx.now(), event));
            if event > 0 && event < 100 {
                ctx.schedule_in(0, event - 1);
            }
        }
    }

    #[test]
    fn events_scheduled_for_now_run_after_those_already_due() {
        let mut sim = SimulationBuilder::new(Chain(Vec::new()))
            .schedule_at(10, 2)
            .schedule_at(10, 100)
            .build();
        sim.run();
        assert_eq!(sim.model().0, vec![(10, 2), (10, 100), (10, 1), (10, 0)]);
    }

    #[test]
    fn step_until_stops_at_the_deadline_and_rejects_the_past() {
        let mut sim = SimulationBuilder::new(Chain(Vec::new()))
            .schedule_at(5, 100)
            .schedule_at(15, 100)
            .build();
        sim.step_until(10).unwrap();
        assert_eq!(sim.now(), 10);
        assert_eq!(sim.model().0, vec![(5, 100)]);
        assert_eq!(
            sim.step_until(9),
            Err(SimulationError::DeadlineInPast {
                deadline: 9,
                now: 10
            })
        );
        // The failed call changed nothing: the simulation carries on.
        sim.step_until(15).unwrap();
        assert_eq!(sim.model().0.len(), 2);
        assert_eq!(sim.step(), None);
    }
}
