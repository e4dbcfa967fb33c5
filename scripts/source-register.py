#!/usr/bin/env python3
"""Writes src/scenario/sources.csv, the register of source ids that `cjmh report` and
`cjmh show` look up: each id of the tables in ../shared/sources/published-figures.md and
health-economics.md, with its grade (A, B or C, as those files define them), whether it is a
trial or an evaluation, and what it measures; and the five seed documents.

    python3 scripts/source-register.py ../shared/sources > src/scenario/sources.csv

The register is committed (CI has no copy of the sources folder); a test checks that every
source id a shipped scenario cites is in it.
"""
import csv
import re
import sys
from pathlib import Path

TRIAL = re.compile(r"\b(trial|RCT|randomi[sz]ed|evaluation|matched comparison|systematic review)\b", re.I)
# Results of a trial or evaluation whose table row does not say so in those words: L2 is RAND's
# matched comparison of the 2017 L&D cohort (press release), E3 and C16 the Engager trial's
# economic evaluation.
EVALUATIONS = {"L2", "E3", "C16"}
# Rows that mention the words but report no trial's or evaluation's result: E7 is a statistic
# on an evaluation's web page, P9 a programme's set-up, L3 the roll-out ("trial sites").
NOT_EVALUATIONS = {"E7", "P9", "L3"}


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def rows(path):
    header = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        c = cells(line)
        if header is None:
            header = [h.lower() for h in c]
            continue
        if set(line) <= set("|-: "):
            continue
        yield dict(zip(header, c))


def grade_of(text):
    m = re.match(r"\**([ABC])(/[ABC])?\b", text.strip())
    return m.group(1) if m else ""


def main():
    root = Path(sys.argv[1])
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "grade", "kind", "what"])
    seen = set()
    for name in ["published-figures.md", "health-economics.md"]:
        for r in rows(root / name):
            key = r.get("#") or r.get("id") or ""
            if not re.fullmatch(r"[A-Z]{1,3}[0-9]{1,3}[a-z]?", key) or key in seen:
                continue
            seen.add(key)
            what = r.get("quantity") or r.get("what") or ""
            grade_cell = r.get("grade") or r.get("quality / note") or r.get("quality") or ""
            text = " ".join(r.values())
            kind = "trial or evaluation" if key in EVALUATIONS or (key not in NOT_EVALUATIONS and TRIAL.search(text)) else "figure"
            what = re.sub(r"\*\*|`", "", what)
            out.writerow([key, grade_of(grade_cell), kind, what])
    seeds = {
        "seed 000": "IAPT: Offenders positive practice guide (c. 2013)",
        "seed 001": "Centre for Mental Health, Mental health and criminal justice (2015/16)",
        "seed 002": "Butler Trust / Centre for Mental Health workshop on community supervision",
        "seed 003": "CEP / EuroPris workshop on continuity of care after prison",
        "seed 004": "Slides on offender health partnerships (prison numbers and flows)",
    }
    for key, what in seeds.items():
        out.writerow([key, "", "seed document", what])


main()
