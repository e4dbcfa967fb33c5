//! What the pathway measures for pricing ([`Driver`]): the names a `[costs]` or `[qalys]` line's
//! `driver` key takes. Each is declared once, here, with what produces it; the model's stage
//! that counts it sets its amounts by year, and `economics` prices whatever is declared.

use crate::economics::Driver;

/// Person-days in prison (remand and sentenced custody). Custody.
pub const CUSTODY_DAYS: Driver = Driver("custody_days");
/// Days of spot-purchased secure beds held or occupied. Transfer limits.
pub const SPOT_BED_DAYS: Driver = Driver("spot_bed_days");
/// Commissioned secure beds x days, by level (high, medium, low), occupied or not:
/// commissioners pay for beds, not for patients. Transfer.
pub const SECURE_BED_CAPACITY_DAYS: [Driver; 3] = [
    Driver("secure_bed_capacity_days.high"),
    Driver("secure_bed_capacity_days.medium"),
    Driver("secure_bed_capacity_days.low"),
];
/// Referrals to liaison and diversion. Police and L&D.
pub const LIAISON_DIVERSION_REFERRALS: Driver = Driver("liaison_diversion_referrals");
/// People who take up release support. `[release_support]`.
pub const RELEASE_SUPPORT_PARTICIPANTS: Driver = Driver("release_support_participants");
/// Completed courses of community psychological therapy. Probation and community.
pub const IAPT_COURSES_COMPLETED: Driver = Driver("iapt_courses_completed");
/// Person-days under supervision in the community. Probation.
pub const PROBATION_DAYS: Driver = Driver("probation_days");
/// Reoffences. Probation and community.
pub const REOFFENCES: Driver = Driver("reoffences");
/// Life-years lost inside the window to deaths in the window: for a death at time t, the time
/// from t to the window's end, in years of 365.25 days. Deaths in custody and the community.
pub const LIFE_YEARS_LOST: Driver = Driver("life_years_lost");

/// Every driver, in the order `cjmh costs` and error messages list them.
pub const ALL: [Driver; 11] = [
    CUSTODY_DAYS,
    SPOT_BED_DAYS,
    SECURE_BED_CAPACITY_DAYS[0],
    SECURE_BED_CAPACITY_DAYS[1],
    SECURE_BED_CAPACITY_DAYS[2],
    LIAISON_DIVERSION_REFERRALS,
    RELEASE_SUPPORT_PARTICIPANTS,
    IAPT_COURSES_COMPLETED,
    PROBATION_DAYS,
    REOFFENCES,
    LIFE_YEARS_LOST,
];

/// The declared driver of that name.
pub fn by_name(name: &str) -> Option<Driver> {
    ALL.iter().copied().find(|d| d.name() == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn driver_names_are_distinct_and_found() {
        for (i, d) in super::ALL.iter().enumerate() {
            assert_eq!(super::by_name(d.name()), Some(*d));
            assert!(super::ALL[i + 1..].iter().all(|e| e.name() != d.name()));
        }
        assert_eq!(super::by_name("bed_days"), None);
    }
}
