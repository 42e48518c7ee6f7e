"""Determinism (project issue 8, part 5).

The same inputs give byte-identical JSON and CSV (engine.output.write_json / write_csv) across two
runs. Order is specified: verdicts follow rule order (file order of the standard), then unit order
within a rule; unit order is input order of the schools (stage units: school order, then stage
order), and county rows follow the county file. So shuffling the input rows changes only the order
of units within each rule — the set of verdict rows and every value in them are identical, and
sorting both outputs by (rule position, county, school, stage) makes them identical (a reason that
lists schools lists them in input order as well, so it is compared as a set of items).
"""
from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pandas as pd

from junheng.reports.files import write_csv, write_json
from junheng.evaluation.run import evaluate_files

FUZZ = Path(__file__).parents[1] / "data" / "fuzz"
STD = "national/quality-2017"


def _outputs(schools, counties):
    run = evaluate_files(STD, [str(schools)], [str(counties)])
    j, c = io.StringIO(), io.StringIO()
    write_json(run, j)
    write_csv(run, c)
    return run, j.getvalue(), c.getvalue()


def test_same_inputs_byte_identical(tmp_path):
    s, c = FUZZ / "full_schools.csv", FUZZ / "full_counties.csv"
    _, j1, c1 = _outputs(s, c)
    _, j2, c2 = _outputs(s, c)
    assert j1 == j2
    assert c1 == c2
    # and through files on disk
    run = evaluate_files(STD, [str(s)], [str(c)])
    write_json(run, tmp_path / "a.json")
    write_json(run, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def _canonical(doc, rule_order):
    def key(v):
        return (rule_order[v["rule_id"]], v["county_id"] or "", v["school_id"] or "", v["stage"] or "")
    verdicts = []
    for v in sorted(doc["verdicts"], key=key):
        v = dict(v)
        # a reason listing schools lists them in input order too: compare the list as a set
        v["reason"] = sorted(re.split(r"[、；：]", v["reason"] or ""))
        verdicts.append(v)
    return json.dumps(verdicts, ensure_ascii=False, sort_keys=True)


def test_shuffled_rows_same_verdicts_in_specified_order(tmp_path):
    s = pd.read_csv(FUZZ / "full_schools.csv", dtype=str, keep_default_na=False)
    run1, j1, _ = _outputs(FUZZ / "full_schools.csv", FUZZ / "full_counties.csv")
    rule_order = {r.id: i for i, r in enumerate(run1.compiled.rules)}
    for seed in (1, 2):
        idx = list(s.index)
        random.Random(seed).shuffle(idx)
        p = tmp_path / f"shuffled{seed}.csv"
        s.loc[idx].to_csv(p, index=False)
        run2, j2, _ = _outputs(p, FUZZ / "full_counties.csv")
        d1, d2 = json.loads(j1), json.loads(j2)
        assert _canonical(d1, rule_order) == _canonical(d2, rule_order)
        assert d1["summary"] == d2["summary"]
        # rule order is the standard's order in both
        seen1 = list(dict.fromkeys(v["rule_id"] for v in d1["verdicts"]))
        seen2 = list(dict.fromkeys(v["rule_id"] for v in d2["verdicts"]))
        assert seen1 == seen2 == sorted(seen1, key=rule_order.get)
        # within a stage rule, units follow the input order of the schools
        order_in = [s["school_id"].iloc[i] for i in idx]
        first_stage_rule = next(r.id for r in run2.compiled.rules if r.space == "stage")
        got = list(dict.fromkeys(v["school_id"] for v in d2["verdicts"] if v["rule_id"] == first_stage_rule))
        assert got == [x for x in order_in if x in set(got)]
