"""Counterfactuals checked against hand computation."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from junheng.explain.counterfactual import all_counterfactuals, fmt_amount, verdict_extras
from junheng.reports.files import to_document
from junheng.standard.provenance import run_provenance
from junheng.evaluation.run import evaluate_files

DATA = Path(__file__).parents[1] / "data" / "reports"
STD = "national/quality-2017"


@pytest.fixture(scope="module")
def run():
    return evaluate_files(STD, [str(DATA / "schools.csv")], [str(DATA / "counties.csv")])


def _opts(run, rule_id, school_id, stage, lang=None):
    v = run.verdicts
    rows = v[(v.rule_id == rule_id)].reset_index(drop=True)
    res = run.evaluator.results[rule_id]
    import numpy as np

    keep = np.flatnonzero(res.outcome != -1)
    k = rows.index[(rows.school_id == school_id) & (rows.stage == stage)][0]
    return all_counterfactuals(run, lang).get(rule_id, {}).get(int(keep[k]))


def test_pe_art_teachers_one_more(run):
    # 500 pupils, 2+1+1+0 = 4 PE/art teachers: 0.8 per 100 < 0.9 → needs 4.5 → 5 → one more teacher
    opts = _opts(run, "R3", "T001", "primary")
    first = opts[0]
    assert first["delta"] == 1
    assert set(first["fields"]) == {"pe_teachers", "music_teachers", "fine_art_teachers", "art_teachers"}
    assert first["text"] == "需增加体育、艺术（美术、音乐）专任教师 1 人"
    # fewer pupils (4 / s * 100 >= 0.9 → s <= 444.4 → 56 fewer) is not the county's to choose: never suggested
    assert all(o["fields"] != ["students"] and o["delta"] > 0 for o in opts)


def test_equipment_in_wan_yuan(run):
    # 900 000 yuan / 500 pupils = 1800 < 2000 → 1 000 000 needed → 100 000 yuan = 10 万元
    first = _opts(run, "R6", "T001", "primary")[0]
    assert first["delta"] == 100000 and first["unit"] == "元"
    assert first["text"] == "需增加教学仪器设备资产值 10 万元"
    assert first["whole_school"] is False
    assert fmt_amount(1452300, "元") == "145.23 万元"


def test_area(run):
    # 1000 m² (no indoor sports) / 400 pupils = 2.5 < 4.5 → 1800 needed → 800 m² more
    first = _opts(run, "R4", "T002", "primary")[0]
    assert first["delta"] == 800 and first["fields"] == ["teaching_aux_area"]
    assert first["text"] == "需增加教学及辅助用房总面积 800 平方米"


def test_split_stock_on_whole_school_total(run):
    # nine-year school: 300 primary, 200 junior; equipment 1 000 000 split 300 : 220
    # junior needs 2500 × 200 = 500 000 → total ≥ 500 000 × 520 / 220 = 1 181 818.2 → +181 818.2 → 181 900 (100 yuan)
    opts = _opts(run, "R6", "T003", "junior")
    first = opts[0]
    assert first["delta"] == 181900 and first["whole_school"] is True
    assert "全校合计" in first["text"] and "18.19 万元" in first["text"]
    # enrolment also moves the split, so it is not offered as a single-input change here
    assert all(o["fields"] != ["students"] for o in opts)
    # primary: 2000 × 300 = 600 000 → total ≥ 600 000 × 520 / 300 = 1 040 000 → +40 000
    assert _opts(run, "R6", "T003", "primary")[0]["delta"] == 40000


def test_teachers_above_degree_junior(run):
    # junior 200 pupils, 9+1+0 = 10 bachelor+ teachers: 5.0 < 5.3 → 10.6 → 11 → one more
    first = _opts(run, "R1", "T003", "junior")[0]
    assert first["delta"] == 1 and first["text"] == "需增加高于规定学历专任教师 1 人"


def test_english(run):
    first = _opts(run, "R6", "T001", "primary", lang="en")[0]
    assert first["text"] == "increase value of teaching instruments and equipment (original book value) by 100000 yuan"


def test_every_counterfactual_flips_the_verdict(run):
    """Apply each proposed change to the input file and evaluate again: the rule must pass."""
    import pandas as pd

    df = pd.read_csv(DATA / "schools.csv", dtype=str)
    cfs = all_counterfactuals(run)
    checked = 0
    for rid, rows in cfs.items():
        if rid not in {f"R{i}" for i in range(1, 8)}:
            continue
        sp = run.spaces
        for row, opts in rows.items():
            school = sp.schools["school_id"].iloc[sp.u_school[row]]
            stage = sp.stages[sp.u_stage[row]]
            for o in opts:
                d2 = df.copy()
                i = d2.index[d2.school_id == school][0]
                col = o["fields"][0]
                if col not in d2.columns:
                    col = f"{col}_{stage}"
                d2.loc[i, col] = str(float(d2.loc[i, col]) + o["delta"])
                path = Path(run.schools.files[0]["path"]).parent / f"_cf_{rid}_{row}.csv"
                tmp = Path("/tmp") / path.name
                d2.to_csv(tmp, index=False)
                r2 = evaluate_files(STD, [str(tmp)], [str(DATA / "counties.csv")])
                v = r2.verdicts
                out = v[(v.rule_id == rid) & (v.school_id == school) & (v.stage == stage)].outcome.iloc[0]
                assert out == "pass", (rid, school, stage, o)
                checked += 1
    assert checked >= 7  # one option per failing resource row now that enrolment cuts are not suggested


def test_json_carries_counterfactual_and_provenance(run):
    doc = json.loads(json.dumps(to_document(run), ensure_ascii=False))
    resources = {f"R{i}" for i in range(1, 8)}
    fails = [v for v in doc["verdicts"] if v["outcome"] == "fail" and v["rule_id"] in resources]
    assert fails and all(v.get("counterfactual") for v in fails)
    assert all("counterfactual" not in v for v in doc["verdicts"] if v["outcome"] == "pass")
    prov = doc["provenance"]
    assert prov["input_fingerprint"] == run.fingerprint() and len(prov["files"][0]["sha256"]) == 64
    r3 = prov["rules"]["R3"]
    assert r3["defined_at"].endswith(".yaml:" + r3["defined_at"].split(":")[-2] + ":" + r3["defined_at"].split(":")[-1])
    t = r3["thresholds"][0]
    assert t["id"] == "R3_min" and t["in_force"]["values"]["primary"] == 0.9
    assert t["in_force"]["citation"]["source_status"] == "verified"
    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "schemas" / "verdicts.schema.json").read_text())
    jsonschema.validate(doc, schema)


def test_extras_align_with_verdicts(run):
    assert len(verdict_extras(run)) == len(run.verdicts)
    assert set(run_provenance(run)["rules"]) == {r.id for r in run.compiled.rules}


def test_counterfactuals_are_smallest(run):
    """One quantum less than each proposed change does not pass (checked with the probe evaluator)."""
    import numpy as np

    from junheng.explain.counterfactual import _field_infos, _passes

    ev = run.evaluator
    checked = 0
    for rid, rows in all_counterfactuals(run).items():
        rule = run.standard.rules[rid]
        infos = {i.name: i for i in _field_infos(ev, rule, ev.results[rid].space)}
        for row, opts in rows.items():
            for o in opts:
                if not o["fields"]:
                    continue  # a k-of-n rule names items (test_suggestions.py)
                info = infos[o["fields"][0]]
                less = o["delta"] - np.sign(o["delta"]) * info.quantum
                for d, expect in ((o["delta"], 1.0), (less, 0.0)):
                    col = np.zeros(ev.n(ev.results[rid].space))
                    col[row] = d * info.scale[row]
                    ok, _ = _passes(ev, rule, ev.results[rid].space, info.name, col, info.county_total)
                    assert ok[row] == expect, (rid, row, o, d)
                checked += 1
    assert checked >= 7  # one option per failing resource row now that enrolment cuts are not suggested
