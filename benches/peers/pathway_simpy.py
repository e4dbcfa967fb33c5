"""The reduced criminal-justice mental-health pathway in SimPy, for comparison with cjmh.

The model is cjmh's `scenarios/reduced-pathway.toml` (the baseline with liaison and diversion,
s136, reports and hospital orders, therapy and IAPT, recall and deaths in the community switched
off). Its parameters are read from the scenario as cjmh reads it (`cjmh show --json`, merged
over `extends`), scaled to a cohort as `cjmh run --cohort N` scales it, so the two cannot drift.
The rules follow src/model/pathway/*.rs; where this file simplifies, it says why the result is
the same (see benches/peers/README.md):

- new people arrive in a Poisson stream (the first at time 0); each has a sex, a learning
  disability or not, and (at their first police contact) psychosis or not, with the prevalence
  of their group (remanded or not at that contact, man or woman; Table 2). cjmh draws every
  condition through a Gaussian copula whose marginals are exact; in the reduced model only
  psychosis changes what happens to anyone, so one Bernoulli draw is the same thing;
- a police contact is a day in police custody, then remand (`remand_share`) or bail, and the
  court's outcome after `remand_days` or `bail_days`: custody, a community order or another
  outcome, with the shares of remanded or bailed cases; a sentence from `sentence_days`;
- custody: release at `release_fraction` of the sentence less the time on remand (at once if
  that is negative); supervision to 365 days after release for sentences under two years, else
  the rest of the sentence; deaths in custody at constant rates for each spell in prison;
- transfers: at a reception, a person with psychosis is found by screening
  (`screening_detects`) and in `acute_share` of spells needs a secure bed after `onset_days`,
  if still in that spell. Referral, then a place with an assessor (capacity-limited, urgent
  referrals first), the assessment, search rounds (geometric, `refer_on_share` or the
  specialised share for a learning disability; none for urgent referrals), a bed at the level
  drawn (capacity-limited, urgent first, first come first served within each class), held
  through warrant and admission, then the stay (deaths in hospital at constant rates).
  Release or death before admission abandons the transfer (its place in a queue, or its
  assessor or bed, is given up). After the stay: back to prison if custody has not ended (no
  new screening), else into the community;
- the community: reoffending with the one-year share of the sentence group divided by the
  share of `reoffend_days` within a year (men with psychosis times
  `psychosis_reoffend_ratio_men`), after `reoffend_days`, back to a police contact; else the
  person leaves after `follow_up_days` or the end of supervision, if later.

Idiomatic SimPy: a process per person (their whole life in the model), a process per transfer
(interrupted when the person leaves prison), `simpy.PriorityResource` for assessors and each
level's beds (priority 0 for urgent referrals). Time is in days.

Usage: pathway_simpy.py COHORT [--seed S] [--scenario FILE] [--cjmh PATH] [--params JSON]
Prints one JSON line: tool, version, cohort, seed, people, seconds, ns_per_person, the headline
metrics and a few more for diagnosis.
"""

import argparse
import json
import math
import random
import subprocess
import sys
import time
from pathlib import Path

import simpy

ROOT = Path(__file__).resolve().parents[2]

POLICE, BAIL, REMAND, SENTENCED, HOSPITAL, COMMUNITY = range(6)
CUSTODY, COMMUNITY_ORDER, OTHER = range(3)
# Sentence groups after a case (cjmh's court::SHORT_CUSTODY, ...), indexing the reoffending shares.
SHORT, LONG, ORDER, OTHER_GROUP = range(4)


def load_scenario(scenario, cjmh=None, params=None):
    """The merged scenario as cjmh prints it (`cjmh show --json`), or from a file of that JSON."""
    if params:
        return json.loads(Path(params).read_text())
    cjmh = cjmh or str(ROOT / "target" / "release" / "cjmh")
    out = subprocess.run([cjmh, "show", "--json", scenario], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout)


def value(node):
    return float(node["value"])


def sampler(d):
    """A sampler of cjmh's distribution `d` (src/engine/distribution.rs), in days."""
    kind = d["dist"]
    if kind == "exponential":
        rate = 1.0 / d["mean"]
        return lambda: random.expovariate(rate)
    if kind == "lognormal":
        m, s = d["mean"], d["sd"]
        if s == 0:
            return lambda: m
        s2 = math.log(1.0 + (s / m) ** 2)
        mu, sigma = math.log(m) - s2 / 2.0, math.sqrt(s2)
        return lambda: random.lognormvariate(mu, sigma)
    if kind == "uniform":
        lo, hi = d["low"], d["high"]
        return lambda: random.uniform(lo, hi)
    if kind == "gamma":
        k, theta = d["shape"], d["scale"]
        return lambda: random.gammavariate(k, theta)
    if kind == "fixed":
        v = d["value"]
        return lambda: v
    if kind == "empirical" and "bins" in d:
        # A bin by its weight, then uniform within it.
        bins = d["bins"]
        total = sum(b[2] for b in bins)
        cum, acc = [], 0.0
        for lo, hi, w in bins:
            acc += w / total
            cum.append((acc, lo, hi))

        def draw():
            u = random.random()
            for c, lo, hi in cum:
                if u < c:
                    return random.uniform(lo, hi)
            return random.uniform(cum[-1][1], cum[-1][2])

        return draw
    raise SystemExit(f"pathway_simpy.py: distribution {kind!r} is not implemented")


def cap(places, factor):
    """A capacity scaled as `cjmh run --cohort` scales it: rounded half away from zero, at least
    one place, none stays none."""
    if places == 0:
        return 0
    return max(1, int(math.floor(places * factor + 0.5)))


class Params:
    """What the reduced pathway reads, from the merged scenario `s`, scaled to `cohort`."""

    def __init__(self, s, cohort):
        sim = s["simulation"]
        self.warm = float(sim["warmup_days"])
        self.end = self.warm + float(sim["horizon_days"])
        self.years = float(sim["horizon_days"]) / 365.25
        pe, co, cu, tr = s["people"], s["court"], s["custody"], s["transfer"]
        rate = value(pe["new_people_per_day"])
        self.factor = cohort / (rate * self.end)
        self.new_people_per_day = rate * self.factor
        self.female_share = value(pe["female_share"])
        self.ld_share = value(pe["learning_disability_share"])
        prev = pe["prevalence"]
        # Groups as cjmh numbers them: remanded * 2 + female.
        self.psychosis = [value(prev[g]["psychosis"]) for g in
                          ("sentenced_male", "sentenced_female", "remand_male", "remand_female")]
        self.police_days = value(s["police"]["custody_days"])
        self.remand_share = value(co["remand_share"])
        self.remand_days = sampler(co["remand_days"])
        self.bail_days = sampler(co["bail_days"])
        self.remand_custody = value(co["remand_custody_share"])
        self.remand_community = 1.0 - self.remand_custody - value(co["remand_acquittal_share"])
        self.bail_custody = value(co["bail_custody_share"])
        self.bail_community = value(co["bail_community_order_share"])
        self.order_days = sampler(co["community_order_days"])
        self.sentence_days = sampler(cu["sentence_days"])
        self.release_fraction = value(cu["release_fraction"])
        self.supervision_limit = value(cu["supervision_sentence_limit_days"])
        self.supervision_total = value(cu["supervision_total_days"])
        self.short_sentence = value(cu["short_sentence_days"])
        self.custody_death_rate = (value(cu["suicide_per_100k_py"])
                                   + value(cu["other_death_per_100k_py"])) / 1e5 / 365.25
        self.screening = value(s["prison_care"]["screening_detects"])
        self.acute_share = value(tr["acute_share"])
        self.onset_days = sampler(tr["onset_days"])
        self.urgent_share = value(tr["urgent_share"])
        self.urgent_assessment = sampler(tr["urgent_assessment_days"])
        self.assessment = sampler(tr["assessment_work_days"])
        self.assessors = cap(int(value(tr["assessors"])), self.factor)
        self.refer_on = [value(tr["refer_on_share"]), value(tr["specialised_refer_on_share"])]
        self.search_round = sampler(tr["search_round_days"])
        self.warrant = sampler(tr["warrant_days"])
        self.admission = sampler(tr["admission_days"])
        self.level_cumulative = [value(tr["high_share"]), 1.0 - value(tr["low_share"]), 1.0]
        levels = ("high", "medium", "low")
        self.beds = [cap(int(value(tr["beds"][lv])), self.factor) for lv in levels]
        self.stay = [sampler(tr["stay_days"][lv]) for lv in levels]
        sh = s["secure_hospital"]
        self.secure_death_rate = (value(sh["suicide_per_100k_py"]) / 1e5
                                  + value(sh["other_death_per_1000_py"]) / 1e3) / 365.25
        cm = s["community"]
        # cjmh divides each one-year share by the share of reoffenders who reoffend within a
        # year under `reoffend_days` (estimated from 200,000 draws; exact here).
        rd = cm["reoffend_days"]
        if rd["dist"] != "exponential":
            raise SystemExit("pathway_simpy.py: reoffend_days must be exponential here")
        within = 1.0 - math.exp(-365.0 / rd["mean"])
        one_year = cm["reoffend_1y_share"]
        self.reoffend_ever = [min(1.0, value(one_year[g]) / within) for g in
                              ("short_custody", "long_custody", "community_order", "other")]
        self.reoffend_days = sampler(rd)
        self.psychosis_ratio_men = value(cm["psychosis_reoffend_ratio_men"])
        self.follow_up = value(cm["follow_up_days"])
        self.check_switched_off(s)

    @staticmethod
    def check_switched_off(s):
        """Refuses a scenario in which something this peer does not model is switched on."""
        off = {
            "police.s136_share": s["police"]["s136_share"],
            "liaison_diversion.coverage": s["liaison_diversion"]["coverage"],
            "court.report_share": s["court"]["report_share"],
            "custody.recall_share": s["custody"]["recall_share"],
            "release.suicide_per_100k_py": s["release"]["suicide_per_100k_py"],
            "probation.drug_death_per_1000_py": s["probation"]["drug_death_per_1000_py"],
            "probation.other_death_per_1000_py": s["probation"]["other_death_per_1000_py"],
        }
        for sex in ("male", "female"):
            off[f"probation.suicide_per_100k_py.{sex}"] = s["probation"]["suicide_per_100k_py"][sex]
            for k in ("death_week1_per_1000_py", "death_week2_per_1000_py",
                      "drug_death_year1_per_1000_py"):
                off[f"release.{k}.{sex}"] = s["release"][k][sex]
        for g, table in s["people"]["prevalence"].items():
            off[f"people.prevalence.{g}.depression_anxiety"] = table["depression_anxiety"]
        on = [k for k, v in off.items() if value(v) != 0]
        for k in ("release_support", "transfer_limit", "policy"):
            if k in s:
                on.append(f"[{k}]")
        if on:
            raise SystemExit("pathway_simpy.py: the reduced pathway needs these switched off: "
                             + ", ".join(on))


class Person:
    __slots__ = ("female", "ld", "psychosis", "drawn", "place", "spell", "transfer", "admit",
                 "request", "resource", "bed", "level", "stay", "referred")

    def __init__(self, female, ld):
        self.female, self.ld = female, ld
        self.psychosis = self.drawn = False
        self.place = None
        # Counts spells in prison, begun and ended: a transfer whose onset comes after its spell
        # has ended finds it changed and does nothing (cjmh's spell token).
        self.spell = 0
        self.referred = None  # when the transfer under way was referred (None before onset)
        self.transfer = None  # the transfer process while one is under way
        self.admit = None  # succeeds when the transfer admits the person
        self.request = self.resource = None  # the assessor or bed asked for or held
        self.bed = None  # (resource, request) of the bed held during the stay


class Pathway:
    def __init__(self, env, p):
        self.env, self.p = env, p
        self.assessors = simpy.PriorityResource(env, capacity=max(p.assessors, 1))
        self.beds = [simpy.PriorityResource(env, capacity=max(b, 1)) for b in p.beds]
        # The prison population (remand and sentenced custody), time-weighted over the window.
        self.in_prison = 0
        self.last = 0.0
        self.area = 0.0
        self.people = 0
        self.n = dict(receptions=0, custodial_sentences=0, inreach_referrals=0,
                      transfer_referrals=0,
                      transfers_completed=0, released_before_transfer=0, deaths_in_custody=0,
                      deaths_in_secure_hospital=0, reoffences=0)
        self.wait_sum = 0.0

    def measured(self):
        return self.p.warm <= self.env.now < self.p.end

    def count(self, key):
        if self.measured():
            self.n[key] += 1

    def move(self, q, to):
        """Moves `q` to place `to`, keeping the prison population."""
        was = q.place in (REMAND, SENTENCED)
        now = to in (REMAND, SENTENCED)
        if was != now:
            t = self.env.now
            frm = max(self.last, self.p.warm)
            if t > frm:
                self.area += self.in_prison * (t - frm)
            self.last = t
            self.in_prison += 1 if now else -1
        q.place = to

    def prison_population_mean(self):
        self.move_clock_to_end()
        return self.area / (self.p.end - self.p.warm)

    def move_clock_to_end(self):
        frm = max(self.last, self.p.warm)
        if self.p.end > frm:
            self.area += self.in_prison * (self.p.end - frm)
        self.last = self.p.end

    # --- arrivals --------------------------------------------------------------------------
    def arrivals(self):
        env, p = self.env, self.p
        while True:
            self.people += 1
            q = Person(random.random() < p.female_share, random.random() < p.ld_share)
            env.process(self.life(q))
            yield env.timeout(random.expovariate(p.new_people_per_day))

    # --- a custody spell: deaths, screening and the onset of a need for a secure bed ---------
    def start_spell(self, q, screen):
        """Returns the spell's death in custody (a timeout), or None if after the run's end."""
        env, p = self.env, self.p
        q.spell += 1
        death = None
        if p.custody_death_rate > 0:
            at = random.expovariate(p.custody_death_rate)
            if env.now + at < p.end:
                death = env.timeout(at)
        if not (screen and q.psychosis and random.random() < p.screening):
            return death
        # Found at screening: cjmh's in-reach referral (counted, for diagnosis).
        self.count("inreach_referrals")
        if random.random() < p.acute_share and q.transfer is None:
            q.admit = env.event()
            q.transfer = env.process(self.transfer(q, q.spell, p.onset_days()))
        return death

    def leave_prison(self, q, released):
        """The spell ends: a transfer under way is abandoned (interrupted: it gives up its place
        in a queue, its assessor or its bed), and an onset still to come will find the spell over.
        """
        q.spell += 1
        if q.transfer is not None:
            if q.referred is not None:
                if released and self.measured():
                    self.n["released_before_transfer"] += 1
                q.transfer.interrupt()
            q.transfer = q.admit = None

    # --- transfer to a secure bed ----------------------------------------------------------
    def transfer(self, q, spell, onset):
        env, p = self.env, self.p
        yield env.timeout(onset)
        if q.spell != spell:
            return  # the spell in prison ended before the onset
        q.referred = env.now
        try:
            self.count("transfer_referrals")
            u = random.random()
            level = next(i for i, c in enumerate(p.level_cumulative) if u < c)
            final_days = p.warrant() + p.admission()
            stay = p.stay[level]()
            urgent = random.random() < p.urgent_share
            priority = 0 if urgent else 1
            q.resource = self.assessors
            q.request = self.assessors.request(priority=priority)
            yield q.request
            yield env.timeout(p.urgent_assessment() if urgent else p.assessment())
            self.assessors.release(q.request)
            q.request = None
            if not urgent:
                refer_on = p.refer_on[q.ld]
                while random.random() < refer_on:
                    yield env.timeout(p.search_round())
            q.resource = self.beds[level]
            q.request = q.resource.request(priority=priority)
            yield q.request
            yield env.timeout(final_days)
        except simpy.Interrupt:
            if q.request is not None:
                q.request.cancel()
                q.resource.release(q.request)
                q.request = None
            q.referred = None
            return
        # Admitted: the bed stays held through the stay.
        if self.measured():
            self.n["transfers_completed"] += 1
            self.wait_sum += env.now - q.referred
        q.bed = (q.resource, q.request)
        q.request = None
        q.level, q.stay = level, stay
        q.referred = None
        q.admit.succeed()

    def give_up_bed(self, q):
        res, req = q.bed
        res.release(req)
        q.bed = None

    # --- a person's life in the model ------------------------------------------------------
    def life(self, q):
        env, p = self.env, self.p
        while True:
            # Police contact: the case is planned now (remand or bail, wait, outcome, sentence).
            remanded = random.random() < p.remand_share
            if not q.drawn:
                q.psychosis = random.random() < p.psychosis[remanded * 2 + q.female]
                q.drawn = True
            wait = max(0.0, p.remand_days() if remanded else p.bail_days())
            u = random.random()
            custody, community = ((p.remand_custody, p.remand_community) if remanded
                                  else (p.bail_custody, p.bail_community))
            outcome = CUSTODY if u < custody else COMMUNITY_ORDER if u < custody + community \
                else OTHER
            sentence = p.sentence_days()
            order_days = p.order_days()
            self.move(q, POLICE)
            police = env.timeout(p.police_days)
            court = env.timeout(p.police_days + wait)
            court_start = env.now + p.police_days
            yield police
            death = None
            if remanded:
                self.move(q, REMAND)
                self.count("receptions")
                death = self.start_spell(q, True)
            else:
                self.move(q, BAIL)
            sentenced = custody_over = False
            release = hospital_end = None
            release_at = supervision_end = 0.0
            group = OTHER_GROUP
            died_in_hospital = False
            # Until the person is in the community: the first of the court's outcome, the
            # release date, a death in custody, an admission, the end of a hospital stay.
            while True:
                waits = [e for e in (court, release, death, q.admit, hospital_end)
                         if e is not None]
                fired = yield env.any_of(waits)
                if court is not None and court in fired:
                    court = None
                    if outcome == CUSTODY:
                        served = sentence * p.release_fraction
                        on_remand = env.now - court_start if remanded else 0.0
                        group = SHORT if sentence < p.short_sentence else LONG
                        supervision = (p.supervision_total if sentence < p.supervision_limit
                                       else sentence - served)
                        release_at = env.now + max(0.0, served - on_remand)
                        supervision_end = release_at + supervision
                        sentenced = True
                        self.count("custodial_sentences")
                        if q.place == REMAND:
                            self.move(q, SENTENCED)
                        elif q.place == BAIL:
                            self.move(q, SENTENCED)
                            self.count("receptions")
                            death = self.start_spell(q, True)
                        release = env.timeout(release_at - env.now)
                    else:
                        order = outcome == COMMUNITY_ORDER
                        group = ORDER if order else OTHER_GROUP
                        supervision_end = env.now + order_days if order else env.now
                        if q.place == HOSPITAL:
                            custody_over = True
                        else:
                            if q.place == REMAND:
                                self.leave_prison(q, True)
                            break
                elif release is not None and release in fired:
                    release = None
                    if q.place == HOSPITAL:
                        custody_over = True
                    else:
                        self.leave_prison(q, True)
                        break
                elif death is not None and death in fired:
                    self.count("deaths_in_custody")
                    self.leave_prison(q, False)
                    self.move(q, None)
                    return
                elif q.admit is not None and q.admit in fired:
                    q.transfer = q.admit = None
                    q.spell += 1
                    death = None
                    self.move(q, HOSPITAL)
                    at = (random.expovariate(p.secure_death_rate) if p.secure_death_rate > 0
                          else math.inf)
                    died_in_hospital = at < q.stay
                    hospital_end = env.timeout(at if died_in_hospital else q.stay)
                elif hospital_end is not None and hospital_end in fired:
                    hospital_end = None
                    self.give_up_bed(q)
                    if died_in_hospital:
                        self.count("deaths_in_secure_hospital")
                        self.move(q, None)
                        return
                    if not custody_over and (not sentenced or env.now < release_at):
                        # Remitted to prison for the rest of the sentence, or of the remand.
                        self.move(q, SENTENCED if sentenced else REMAND)
                        death = self.start_spell(q, False)
                    else:
                        # The sentence's pending release date no longer applies. (Whether the
                        # person comes from custody matters in cjmh only for deaths in the
                        # community, which are switched off.)
                        release = None
                        break
            # The community: reoffend (back to a police contact) or leave after follow-up.
            self.move(q, COMMUNITY)
            supervised = max(0.0, supervision_end - env.now)
            ever = p.reoffend_ever[group]
            if not q.female and q.psychosis:
                ever = min(1.0, ever * p.psychosis_ratio_men)
            reoffends = random.random() < ever
            after = p.reoffend_days() if reoffends else max(p.follow_up, supervised)
            if env.now + after >= p.end:
                return  # nothing more happens to them before the run ends
            yield env.timeout(after)
            if not reoffends:
                self.move(q, None)
                return
            self.count("reoffences")


def run(p, seed):
    random.seed(seed)
    env = simpy.Environment()
    m = Pathway(env, p)
    env.process(m.arrivals())
    t0 = time.perf_counter()
    env.run(until=p.end)
    seconds = time.perf_counter() - t0
    n = m.n
    done = n["transfers_completed"]
    return m, seconds, {
        "prison_population_mean": m.prison_population_mean(),
        "transfers_per_year": done / p.years,
        "transfer_wait_from_referral_days_mean": m.wait_sum / done if done else float("nan"),
        "receptions_per_year": n["receptions"] / p.years,
        **n,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cohort", type=int, help="new people over warm-up and horizon (as cjmh --cohort)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default="scenarios/reduced-pathway.toml",
                    help="relative to the repository root (default %(default)s)")
    ap.add_argument("--cjmh", help="the cjmh binary (default target/release/cjmh)")
    ap.add_argument("--params", help="a file holding `cjmh show --json`'s output, instead of "
                    "running cjmh")
    a = ap.parse_args(argv)
    if a.cohort < 1:
        ap.error("the cohort must be at least 1")
    p = Params(load_scenario(a.scenario, a.cjmh, a.params), a.cohort)
    m, seconds, metrics = run(p, a.seed)
    # JSON has no NaN (a mean of no waits): null instead.
    metrics = {k: (None if isinstance(v, float) and math.isnan(v) else v)
               for k, v in metrics.items()}
    print(json.dumps({
        "tool": "simpy",
        "version": simpy.__version__,
        "cohort": a.cohort,
        "seed": a.seed,
        "people": m.people,
        "seconds": seconds,
        "ns_per_person": seconds * 1e9 / max(m.people, 1),
        "assessors": p.assessors,
        "beds": p.beds,
        **metrics,
    }))


if __name__ == "__main__":
    sys.exit(main())
