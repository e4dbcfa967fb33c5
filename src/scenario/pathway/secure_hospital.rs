//! `[secure_hospital]`: deaths during a stay in secure hospital.
//!
//! No source in the set gives a death rate in secure hospital; the sources give deaths after
//! discharge (S6, S5 and S8). The scenario says which it leans on and how far.

use serde::{Deserialize, Serialize};

use super::common::{per_100k_py, per_1000_py};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// `[secure_hospital]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecureHospitalSpec {
    pub suicide_per_100k_py: Param,
    pub other_death_per_1000_py: Param,
}

/// `[secure_hospital]` resolved: rates per day.
pub(super) struct SecureHospital {
    pub secure_suicide_rate: f64,
    pub secure_other_death_rate: f64,
}

pub(super) fn resolve(c: &mut Checker, s: &SecureHospitalSpec) -> SecureHospital {
    let k = KeyPath::root().key("secure_hospital");
    SecureHospital {
        secure_suicide_rate: per_100k_py(c, k.key("suicide_per_100k_py"), &s.suicide_per_100k_py),
        secure_other_death_rate: per_1000_py(
            c,
            k.key("other_death_per_1000_py"),
            &s.other_death_per_1000_py,
        ),
    }
}
