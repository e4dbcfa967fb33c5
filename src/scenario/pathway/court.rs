//! `[court]`: remand or bail, psychiatric reports, and sentencing (custody, community orders
//! with or without a mental health treatment requirement, hospital orders).

use serde::{Deserialize, Serialize};

use super::common::{DAYS, dist, nonneg, share, shares_leave_a_rest};
use crate::economics::Driver;
use crate::engine::{Distribution, Sampler};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Community orders made at court (including sentences L&D diverted to one), each supervised
/// by probation from the order's start: HC1 prices supervision per order. A cost or QALY
/// line's `driver`.
pub const COMMUNITY_ORDERS_MADE: Driver = Driver("community_orders_made");
/// Community orders made with a mental health treatment requirement: the course of treatment
/// the order requires, counted once per order when it is made. A cost or QALY line's `driver`.
pub const MHTR_ORDERS_MADE: Driver = Driver("mhtr_orders_made");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[COMMUNITY_ORDERS_MADE, MHTR_ORDERS_MADE];

/// `[court]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourtSpec {
    pub remand_share: Param,
    pub remand_days: Distribution,
    pub bail_days: Distribution,
    /// Share of people with a mental health need for whom a psychiatric report is sought.
    pub report_share: Param,
    pub report_days: Distribution,
    pub remand_custody_share: Param,
    pub remand_acquittal_share: Param,
    pub bail_custody_share: Param,
    pub bail_community_order_share: Param,
    /// Share of custodial outcomes for people with psychosis and a report that become hospital
    /// orders.
    pub hospital_order_share: Param,
    pub community_order_days: Distribution,
    /// Share of community orders for people with a mental health need that carry an MHTR.
    pub mhtr_share: Param,
    pub mhtr_wait_days: Param,
}

/// `[court]` resolved.
pub(super) struct Court {
    pub remand_share: f64,
    pub remand_days: Sampler,
    pub bail_days: Sampler,
    pub report_share: f64,
    pub report_days: Sampler,
    pub remand_custody_share: f64,
    pub remand_acquittal_share: f64,
    pub bail_custody_share: f64,
    pub bail_community_order_share: f64,
    pub hospital_order_share: f64,
    pub community_order_days: Sampler,
    pub mhtr_share: f64,
    pub mhtr_wait_days: f64,
}

pub(super) fn resolve(c: &mut Checker, ct: &CourtSpec) -> Court {
    let k = KeyPath::root().key("court");
    let remand_share = share(c, k.key("remand_share"), &ct.remand_share);
    let remand_days = dist(c, k.key("remand_days"), &ct.remand_days);
    let bail_days = dist(c, k.key("bail_days"), &ct.bail_days);
    let report_share = share(c, k.key("report_share"), &ct.report_share);
    let report_days = dist(c, k.key("report_days"), &ct.report_days);
    let remand_custody_share = share(c, k.key("remand_custody_share"), &ct.remand_custody_share);
    let remand_acquittal_share = share(
        c,
        k.key("remand_acquittal_share"),
        &ct.remand_acquittal_share,
    );
    shares_leave_a_rest(
        c,
        k.key("remand_acquittal_share"),
        remand_custody_share,
        remand_acquittal_share,
        "`remand_custody_share` and `remand_acquittal_share` add up to more than 1 (the rest get community orders)",
    );
    let bail_custody_share = share(c, k.key("bail_custody_share"), &ct.bail_custody_share);
    let bail_community_order_share = share(
        c,
        k.key("bail_community_order_share"),
        &ct.bail_community_order_share,
    );
    shares_leave_a_rest(
        c,
        k.key("bail_community_order_share"),
        bail_custody_share,
        bail_community_order_share,
        "`bail_custody_share` and `bail_community_order_share` add up to more than 1 (the rest get other outcomes)",
    );
    let hospital_order_share = share(c, k.key("hospital_order_share"), &ct.hospital_order_share);
    let community_order_days = dist(c, k.key("community_order_days"), &ct.community_order_days);
    let mhtr_share = share(c, k.key("mhtr_share"), &ct.mhtr_share);
    let mhtr_wait_days = nonneg(c, k.key("mhtr_wait_days"), &ct.mhtr_wait_days, DAYS, "days");
    Court {
        remand_share,
        remand_days,
        bail_days,
        report_share,
        report_days,
        remand_custody_share,
        remand_acquittal_share,
        bail_custody_share,
        bail_community_order_share,
        hospital_order_share,
        community_order_days,
        mhtr_share,
        mhtr_wait_days,
    }
}
