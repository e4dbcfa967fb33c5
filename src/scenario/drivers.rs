//! What the pathway measures for pricing ([`Driver`]): the names a `[costs]` or `[qalys]` line's
//! `driver` key takes. Each section of the pathway scenario declares the drivers its
//! mechanisms produce (its `DRIVERS`), beside them; the model's stage that counts one sets its
//! amounts by year, and `economics` prices whatever is declared. This file only gathers them.

use super::pathway::{
    community, court, custody, health, iapt, liaison_diversion, people, probation, release,
    transfer,
};
use crate::economics::Driver;

/// Every driver, in the order `cjmh costs` and error messages list them.
pub fn all() -> Vec<Driver> {
    [
        custody::DRIVERS,
        transfer::DRIVERS,
        liaison_diversion::DRIVERS,
        court::DRIVERS,
        release::DRIVERS,
        community::DRIVERS,
        iapt::DRIVERS,
        probation::DRIVERS,
        people::DRIVERS,
        health::DRIVERS,
    ]
    .concat()
}

/// The declared driver of that name.
pub fn by_name(name: &str) -> Option<Driver> {
    all().into_iter().find(|d| d.name() == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn driver_names_are_distinct_and_found() {
        let all = super::all();
        assert_eq!(all.len(), 23, "{all:?}");
        for (i, d) in all.iter().enumerate() {
            assert_eq!(super::by_name(d.name()), Some(*d));
            assert!(all[i + 1..].iter().all(|e| e.name() != d.name()), "{d:?}");
        }
        assert_eq!(super::by_name("bed_days"), None);
    }
}
