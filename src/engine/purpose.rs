//! Every kind of random draw in cjmh, in one registry: the `kind` of each [`super::Purpose`].
//!
//! A stream is keyed by (seed, replication, person, purpose, occurrence), so two purposes that
//! shared a number would draw the same numbers: each kind is listed here once, and a test
//! checks that no two are equal. The numbers are fixed: changing one changes every result that
//! uses it (the snapshot tests would show it).

/// Declares the kinds of one group and the list of them all (for the distinctness test).
macro_rules! kinds {
    ($( $(#[$m:meta])* $name:ident = $v:expr; )*) => {
        $( $(#[$m])* pub const $name: u32 = $v; )*
        /// Every kind of this group, by name.
        pub const ALL: &[(&str, u32)] = &[ $( (stringify!($name), $v), )* ];
    };
}

/// The stage-network and M/M/c models.
pub mod network {
    kinds! {
        /// Times between arrivals of a stream (index: the stream's key).
        ARRIVALS = 1;
        /// Time spent in a stage (index: the stage's key).
        DURATION = 2;
        /// Choice of the next stage (index: the stage's key).
        ROUTING = 3;
    }
}

/// The criminal-justice pathway (index 0; the occurrence numbers a person's steps).
pub mod pathway {
    kinds! {
        /// Times between new people.
        NEW_PEOPLE = 100;
        /// Sex, age, learning disability.
        ATTRIBUTES = 101;
        /// Mental health conditions.
        CONDITIONS = 102;
        /// Whether the person lives where liaison and diversion operates.
        AREA = 103;
        /// A case: remand, L&D, report, outcome, sentence.
        COURT = 104;
        /// A spell in custody: death, screening, acute illness.
        RECEPTION = 105;
        /// A course of prison therapy.
        THERAPY = 106;
        /// A transfer to a secure hospital.
        TRANSFER = 107;
        /// A release: housing, GP, CMHT contact, release support.
        RELEASE = 108;
        /// A community spell: reoffending, deaths, recall, and whether probation refers to
        /// IAPT.
        COMMUNITY = 109;
        /// A referral to psychological therapy in the community, numbered by the community
        /// spell: the team and entry into treatment (index 0), the course (index 1).
        IAPT = 122;
        /// Whether a spot-purchased bed is found under a transfer limit (index: the search).
        SPOT_BED = 110;
        /// Whether a person with a mental health need is one L&D is for (L5's third of police
        /// custody): one uniform per person, a trait.
        LD_ELIGIBILITY = 121;
        /// A transfer's route: urgency and assessment (index 0), each search round (index:
        /// the round).
        TRANSFER_ROUTE = 111;
        /// A stay in secure hospital: death before discharge.
        SECURE_STAY = 120;
    }
}

/// Sweep designs (index: the parameter).
pub mod sweep {
    kinds! {
        /// Latin-hypercube strata.
        LATIN_HYPERCUBE = 900;
        /// Probabilistic sensitivity analysis draws.
        PSA = 901;
    }
}

/// Fixed draws used while resolving a scenario (not part of any run).
pub mod resolve {
    kinds! {
        /// Monte Carlo of a duration's share within a year.
        WITHIN_YEAR = u32::MAX;
    }
}

/// Every registered kind, by group and name.
pub fn all() -> Vec<(&'static str, &'static str, u32)> {
    let groups: [(&str, &[(&str, u32)]); 4] = [
        ("network", network::ALL),
        ("pathway", pathway::ALL),
        ("sweep", sweep::ALL),
        ("resolve", resolve::ALL),
    ];
    groups
        .iter()
        .flat_map(|(g, kinds)| kinds.iter().map(move |(n, v)| (*g, *n, *v)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_purpose_has_its_own_number() {
        let all = super::all();
        assert!(all.len() >= 17, "{all:?}");
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(
                    a.2, b.2,
                    "{}::{} and {}::{} share a number",
                    a.0, a.1, b.0, b.1
                );
            }
        }
    }
}
