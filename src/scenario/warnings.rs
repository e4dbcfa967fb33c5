//! Contradictions a valid scenario can hold: every value is within its range, but two of them
//! together say something the model will not do, or a service people are sent to has no places.
//! These are warnings, not problems: the scenario runs as written (a user may mean it), and
//! `cjmh check` still succeeds. Each is located as a problem is, at the key to change.
//!
//! Only what the resolved numbers show for certain is warned about, never a guess at what a run
//! will give: a queue's length is the run's to find out.

use super::error::{KeyPath, Problem};
use super::file::Document;
use super::pathway::{LEVEL_NAMES, Pathway, TransferSpec};
use super::resolved::Scenario;

/// The warnings of `s`, a scenario resolved from `doc`, in file and line order.
pub(super) fn find(doc: &Document, s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    if let (Some(p), Some(t)) = (&s.pathway, &s.spec.transfer) {
        transfer_limit_shorter_than_fixed_delays(doc, p, t, &mut out);
        services_without_places(doc, p, &mut out);
    }
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out
}

/// A transfer limit (it runs from referral) shorter than the delays every transfer goes through
/// before admission, whatever the beds: the assessment (urgent or routine, in the urgent share),
/// the warrant and the admission. Waits for an assessor, search rounds and the bed queue come on
/// top, so the mean time from referral to admission is longer still.
fn transfer_limit_shorter_than_fixed_delays(
    doc: &Document,
    p: &Pathway,
    t: &TransferSpec,
    out: &mut Vec<Problem>,
) {
    let Some(limit) = p.transfer_limit else {
        return;
    };
    let (Some(urgent), Some(routine), Some(warrant), Some(admission)) = (
        t.urgent_assessment_days.mean_value(),
        t.assessment_work_days.mean_value(),
        t.warrant_days.mean_value(),
        t.admission_days.mean_value(),
    ) else {
        return;
    };
    let assessment = p.urgent_share * urgent + (1.0 - p.urgent_share) * routine;
    let fixed = assessment + warrant + admission;
    if limit.days < fixed {
        out.push(doc.problem(
            KeyPath::parse("transfer_limit.days"),
            format!(
                "a limit of {} days from referral is shorter than the {fixed:.1} days that the \
                 assessment ({assessment:.1} on average, urgent and routine referrals together), \
                 the warrant ({warrant:.1}) and the admission ({admission:.1}) alone take on \
                 average: however many beds there are, the mean time from referral to admission \
                 will be over the limit",
                limit.days
            ),
        ));
    }
}

/// A service with no places that people are sent to: they join its queue and leave it only by
/// leaving prison (or dying), which is not "no service". To model no service, the share sent to
/// it is the key to set to 0.
fn services_without_places(doc: &Document, p: &Pathway, out: &mut Vec<Problem>) {
    let mut warn = |key: &str, message: String| out.push(doc.problem(KeyPath::parse(key), message));
    if p.therapists == 0 && p.screening_detects > 0.0 {
        warn(
            "prison_care.therapists",
            "no places: everyone referred to prison therapy waits in its queue until they leave \
             prison, and none is treated (to model no prison therapy, set \
             `prison_care.screening_detects` to 0)"
                .into(),
        );
    }
    if p.inreach_caseload == 0 && p.screening_detects > 0.0 {
        warn(
            "prison_care.inreach_caseload",
            "no places: everyone referred to in-reach waits in its queue until they leave prison, \
             and none is seen (to model no in-reach, set `prison_care.screening_detects` to 0)"
                .into(),
        );
    }
    if p.iapt.services[crate::scenario::pathway::iapt::COMMUNITY].places == 0
        && (p.probation_therapy_referral_share > 0.0 || p.onward_referral_share > 0.0)
    {
        warn(
            "iapt.community.therapists",
            "no places: everyone referred to the local IAPT services waits until their community \
             spell ends, and none is treated (to model no referrals, set \
             `probation.therapy_referral_share` and `prison_care.onward_referral_share` to 0)"
                .into(),
        );
    }
    if p.assessors == 0 && p.acute_share > 0.0 {
        warn(
            "transfer.assessors",
            "no places: every referral for transfer waits for an assessor until the person leaves \
             prison, so no one is transferred from prison (to model no transfers, set \
             `transfer.acute_share` to 0)"
                .into(),
        );
    }
    let sent = p.acute_share > 0.0 || p.hospital_order_share > 0.0;
    let mut previous = 0.0;
    for (level, name) in LEVEL_NAMES.iter().enumerate() {
        let share = p.level_cumulative[level] - previous;
        previous = p.level_cumulative[level];
        let spot = p
            .transfer_limit
            .is_some_and(|l| l.spot_beds[level] > 0 && l.spot_purchase_share > 0.0);
        if p.beds[level] == 0 && share > 0.0 && sent && !spot {
            // Medium secure takes whatever the other two levels' shares leave.
            let hint = if *name == "medium" {
                String::new()
            } else {
                format!(" (to send no one to this level, set `transfer.{name}_share` to 0)")
            };
            warn(
                &format!("transfer.beds.{name}"),
                format!(
                    "no {name} secure beds, though {:.0}% of transfers and hospital orders need \
                     one: they wait until they leave prison, and none is admitted{hint}",
                    100.0 * share
                ),
            );
        }
    }
}
