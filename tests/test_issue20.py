"""Issue 20: verdicts that stay true on incomplete data, and the standards' remaining gaps.

Every expected value is derived by hand in the comment next to it. The base county is the one of
standards/national/tests/quality-2017.yaml (C1: primary school S1, junior school S2, every item met).
"""
import copy
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from engine.logic import aggregate, round_half_up
from engine.run import evaluate_files
from engine.stdtest import _cell

ROOT = Path(__file__).resolve().parent.parent
STD = "national/quality-2017"
BASE = yaml.safe_load((ROOT / "standards/national/tests/quality-2017.yaml").read_text(encoding="utf-8"))


def rows(which, **patch):
    out = copy.deepcopy(BASE[which])
    key = "school_id" if which == "schools" else "county_id"
    for rid, changes in patch.items():
        for r in out:
            if r[key] == rid:
                r.update(changes)
    return [{k: _cell(v) for k, v in r.items() if v is not None} for r in out]


def run(tmp_path, schools=None, counties=None, as_of="2025-09-01", std=STD):
    sp, cp = tmp_path / "schools.json", tmp_path / "counties.json"
    sp.write_text(json.dumps(schools if schools is not None else rows("schools"), ensure_ascii=False), "utf-8")
    cp.write_text(json.dumps(counties if counties is not None else rows("counties"), ensure_ascii=False), "utf-8")
    return evaluate_files(std, str(sp), str(cp), as_of)


def v(r, rule, school=None, stage=None, county=None):
    df = r.verdicts[r.verdicts.rule_id == rule]
    if school:
        df = df[df.school_id == school]
    if stage:
        df = df[df.stage == stage]
    if county:
        df = df[df.county_id == county]
    assert len(df) == 1, (rule, school, stage, len(df))
    return df.iloc[0]


# ------------------------------------------------------------------ 1. no vacuous pass

# One group (code 0) with no unit and one group (code 1) with two units; x = [1, 1] (both true).
G = np.array([1, 1])


@pytest.mark.parametrize("func", ["all", "any", "count", "share", "sum", "mean", "min", "max"])
def test_every_aggregate_is_unknown_over_a_group_without_units(func):
    # group 0 has no unit at all: whatever the function, nothing is known about it -> NaN.
    # group 1: all([1,1]) = 1, any = 1, count = 2, share = 2/2 = 1, sum = 2, mean = 1, min = max = 1.
    expected = {"all": 1, "any": 1, "count": 2, "share": 1, "sum": 2, "mean": 1, "min": 1, "max": 1}[func]
    info = {}
    r = aggregate(func, G, 2, np.array([1.0, 1.0]), None, None, info)
    assert np.isnan(r[0]) and r[1] == expected
    assert info["empty_group"].tolist() == [True, False] and info["empty_selection"].tolist() == [False, False]


@pytest.mark.parametrize("func", ["weighted_mean", "weighted_cv"])
def test_weighted_aggregates_are_unknown_over_a_group_without_units(func):
    # group 1: values 2 and 4, weights 1 and 3 -> mean (2 + 12) / 4 = 3.5;
    # S = sqrt(1/4*(2-3.5)^2 + 3/4*(4-3.5)^2) = sqrt(0.5625 + 0.1875) = sqrt(0.75); CV = sqrt(0.75)/3.5
    r = aggregate(func, G, 2, np.array([2.0, 4.0]), None, np.array([1.0, 3.0]))
    assert np.isnan(r[0])
    assert r[1] == pytest.approx(3.5 if func == "weighted_mean" else np.sqrt(0.75) / 3.5)


def test_empty_selection_semantics():
    # group 1 has two units, where = [0, 0] selects none of them:
    # all/any unknown (nothing judged), count 0 and sum 0 (a count of none), share/mean/min/max unknown (0/0).
    where = np.array([0.0, 0.0])
    x = np.array([1.0, 1.0])
    for func, want in [("all", None), ("any", None), ("count", 0.0), ("sum", 0.0), ("share", None),
                       ("mean", None), ("min", None), ("max", None)]:
        info = {}
        r = aggregate(func, G, 2, x, where, None, info)
        assert (np.isnan(r[1]) if want is None else r[1] == want), func
        assert info["empty_selection"].tolist() == [False, True]
    # where unknown for one unit: the selection is not known to be empty -> not flagged, and all() unknown
    info = {}
    r = aggregate("all", G, 2, x, np.array([0.0, np.nan]), None, info)
    assert np.isnan(r[1]) and info["empty_selection"].tolist() == [False, False]


COUNTY_AGGREGATES = ["area_resources", "G3", "G4", "G5", "G6", "G9", "G12", "G13", "Q4"]


@pytest.mark.parametrize("how", ["no_school_rows", "all_rejected", "zero_pupils"])
def test_county_without_evaluable_school_is_not_evaluable(tmp_path, how):
    # C2 is a second county with every county fact of C1. Its schools: none / one with an unknown type and no
    # pupils (rejected: no stage) / one 小学 with 0 primary pupils (no stage unit: rejected as well).
    counties = rows("counties")
    c2 = dict(counties[0], county_id="C2", county_name="空县")
    schools = rows("schools")
    if how == "all_rejected":
        schools.append({"school_id": "X1", "school_name": "无学段", "county_id": "C2"})
    elif how == "zero_pupils":
        schools.append({"school_id": "X1", "school_name": "零人", "county_id": "C2", "school_type": "小学",
                        "students_primary": 0})
    r = run(tmp_path, schools, counties + [c2])
    for rule in COUNTY_AGGREGATES:
        row = v(r, rule, county="C2")
        # every one of these reduces the county's schools or stage units: the set is empty -> not_evaluable
        assert row.outcome == "not_evaluable", (rule, row.outcome, row.reason)
        if rule != "area_resources":
            assert "区县内没有可评估的学校" in row.reason, (rule, row.reason)
    assert "区县内没有可评估的学校" in v(r, "area_resources", county="C2").reason
    assert v(r, "county", county="C2").outcome == "not_evaluable"
    # C1 is unchanged: every item met
    assert v(r, "county", county="C1").outcome == "pass"


def test_county_without_small_school_g6_not_applicable(tmp_path):
    # base county: S1 1000 and S2 800 pupils, none under G6_funded_students = 100 -> G6_school not applicable
    # for both; G6 applies only when some school is under 100 -> not_applicable, never a pass over nothing.
    r = run(tmp_path)
    assert v(r, "G6_school", "S1").outcome == "not_applicable"
    assert v(r, "G6").outcome == "not_applicable"
    # S1 with 90 pupils: 90 < 100 -> G6_school applies; budget 1000000 >= 100 * (650*90)/90 = 65000 -> pass
    schools = rows("schools", S1={"students_primary": 90, "in_zone_students_primary": 90})
    r = run(tmp_path, schools)
    assert v(r, "G6_school", "S1").outcome == "pass" and v(r, "G6").outcome == "pass"


def test_county_with_only_rural_schools_g13_not_applicable(tmp_path):
    # both schools 乡村 -> G13_school (urban and town public non-boarding only) not applicable for both units,
    # G13 has nothing to judge -> not_applicable (was: pass "条件成立" over an empty set).
    schools = rows("schools", S1={"urban_rural": "乡村"}, S2={"urban_rural": "乡村"})
    r = run(tmp_path, schools)
    assert v(r, "G13_school", "S1").outcome == "not_applicable"
    assert v(r, "G13").outcome == "not_applicable"
    # area_government: a not_applicable item is no obstacle (bool_from_outcome) -> still pass
    assert v(r, "area_government").outcome == "pass"
