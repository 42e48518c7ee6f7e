"""No silent NaN (project issue 8, part 6).

Sweep: for every bundled standard (engine.registry.list_standards), every input column of a small
valid synthetic county (tests/data/fuzz/full_*.csv, from examples/generate.py, frozen) is blanked
once. All the variants go through ONE run per standard: county ``F<i>`` is a copy of the county in
which one school has column i blank, county ``G<j>`` a copy whose county row has county column j
blank, and ``CTRL`` the untouched copy. A verdict is *affected* when its rule reads the blanked
field (compiled.inputs, through derived fields) at that unit and was pass or fail in CTRL. Every
affected verdict must be not_evaluable — never pass — with a non-empty reason naming the missing
field or the rule it depends on. (Kleene logic allows ``false and unknown`` = fail; such verdicts are
counted and allowed only when the rule's expression has an ``and``/``all``/``at_least``; a pass only
when it (or a derived field it reads) has ``or``/``if``/``is missing``/``coalesce``, whose Kleene
soundness — the answer holds whatever the unknown turns out to be — is proven in
test_property_logic.py.)

Also: NaN or infinity reaching a comparison is not_evaluable, never pass.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from junheng.evaluation.logic import NOT_EVALUABLE, compare, outcome_from_bool
from junheng.records.loading import load_records  # noqa: F401  (documented entry point)
from junheng.standard.registry import list_standards
from junheng.evaluation.run import evaluate_files, prepare

FUZZ = __import__("pathlib").Path(__file__).parents[1] / "data" / "fuzz"
KEYS = {"school_id", "school_name", "county_id", "school_type", "county_name"}
STANDARDS = [s["id"] for s in list_standards() if "error" not in s]
SWEEP_STATS: dict = {}


def _build(tmp_path):
    schools = pd.read_csv(FUZZ / "full_schools.csv", dtype=str, keep_default_na=False)
    county = pd.read_csv(FUZZ / "full_counties.csv", dtype=str, keep_default_na=False)
    s_parts, c_parts, blanked = [], [], {}

    def copy(cid):
        s = schools.copy()
        s["school_id"] = cid + "_" + s["school_id"]
        s["county_id"] = cid
        c = county.copy()
        c["county_id"] = cid
        return s, c

    s, c = copy("CTRL")
    s_parts.append(s)
    c_parts.append(c)
    for i, col in enumerate(c for c in schools.columns if c not in KEYS):
        has = np.flatnonzero(schools[col].to_numpy() != "")
        if not len(has):
            continue
        cid = f"F{i:03d}"
        s, c = copy(cid)
        s.iloc[has[0], s.columns.get_loc(col)] = ""
        blanked[cid] = ("school", col, s["school_id"].iloc[has[0]])
        s_parts.append(s)
        c_parts.append(c)
    for j, col in enumerate(c for c in county.columns if c not in KEYS):
        if county[col].iloc[0] == "":
            continue
        cid = f"G{j:03d}"
        s, c = copy(cid)
        c[col] = ""
        blanked[cid] = ("county", col, None)
        s_parts.append(s)
        c_parts.append(c)
    sp, cp = tmp_path / "schools.csv", tmp_path / "counties.csv"
    pd.concat(s_parts).to_csv(sp, index=False)
    pd.concat(c_parts).to_csv(cp, index=False)
    return sp, cp, blanked


def _field_of(catalogue, table, col):
    for c in catalogue.columns(table):
        if c.id == col:
            return c.field.id
    return col


@pytest.fixture(scope="module")
def sweep_inputs(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("nan"))


@pytest.mark.slow
@pytest.mark.parametrize("std_id", STANDARDS)
def test_one_missing_input_never_passes_silently(std_id, sweep_inputs):  # noqa: C901
    sp, cp, blanked = sweep_inputs
    std, compiled = prepare(std_id)
    run = evaluate_files(std_id, [str(sp)], [str(cp)])
    v = run.verdicts
    assert len(run.rejected) == 0, run.rejected[:3]
    cat = compiled.table.catalogue
    inputs = compiled.inputs
    deps = compiled.deps
    def text_of(oid, seen=None):
        seen = set() if seen is None else seen
        if oid in seen:
            return ""
        seen.add(oid)
        obj = std.rules.get(oid) or std.derived.get(oid)
        own = " ".join(e.text for _, _, e in obj.exprs()) if oid in std.rules else \
            " ".join(e.text for e in obj.expr.values())
        if oid in std.rules and obj.applies_when is not None:
            own += " " + obj.applies_when.text
        return own + " " + " ".join(text_of(d, seen) for d in deps.get(oid, type("D", (), {"derived": ()})).derived)

    rule_text = {r.id: " ".join(text_of(r.id).split()) for r in compiled.rules}
    absorbing = (" or ", "if ", " is missing", " is not missing", "coalesce(")
    # CTRL verdicts keyed by (rule, original school id, stage)
    key_school = v["school_id"].fillna("").str.split("_", n=1).str[-1]
    v = v.assign(orig=key_school, stage=v["stage"].fillna(""))
    ctrl = v[v.county_id == "CTRL"].set_index(["rule_id", "orig", "stage"])["outcome"].to_dict()
    checked, bad, kleene_fail, absorbed = 0, [], 0, 0
    unit_stages = v[v.stage != ""].groupby("school_id")["stage"].agg(set).to_dict()
    for cid, (table, col, sid) in blanked.items():
        fid = _field_of(cat, table, col)
        names = {col, fid}
        rules = {rid for rid, ins in inputs.items() if ins & names and rid in std.rules}
        if not rules:
            continue
        sub = v[(v.county_id == cid) & v.rule_id.isin(rules)]
        if table == "school":
            sub = sub[(sub.school_id == sid) | sub.school_id.isna()]
            if fid in ("students",) or col.startswith("students_"):
                pass
        for r in sub.itertuples(index=False):
            before = ctrl.get((r.rule_id, r.orig, r.stage))
            if before not in ("pass", "fail"):
                continue
            # a per-stage column only affects units of its own stage
            stage_of_col = col.rsplit("_", 1)[-1] if col.rsplit("_", 1)[-1] in ("primary", "junior", "senior") else ""
            if stage_of_col and r.stage and r.stage != stage_of_col:
                continue
            # a county-per-stage verdict is only affected for the stages the blanked school has
            if table == "school" and r.stage and pd.isna(r.school_id) and r.stage not in unit_stages.get(sid, set()):
                continue
            checked += 1
            if r.outcome == "not_evaluable":
                if not r.reason:
                    bad.append((cid, col, r.rule_id, r.stage, "empty reason"))
                elif not (col in r.reason or fid in r.reason or
                          any(d in r.reason for d in deps[r.rule_id].rules) or "无法判定" in r.reason):
                    bad.append((cid, col, r.rule_id, r.stage, "reason names neither field nor dependency: "
                                + r.reason[:120]))
            elif r.outcome == "fail" and any(k in rule_text.get(r.rule_id, "") for k in (" and ", "all(", "at_least")):
                kleene_fail += 1  # false and unknown = false: a definite fail is sound
            elif r.outcome == "not_applicable":
                continue
            elif r.outcome == "pass" and any(k in rule_text.get(r.rule_id, "") for k in absorbing):
                absorbed += 1  # true or unknown = true, an if-branch not taken, a coalesce fallback: sound
            else:
                bad.append((cid, col, r.rule_id, r.stage, f"{before} → {r.outcome}: {r.reason[:120]}"))
    SWEEP_STATS[std_id] = dict(variants=len(blanked), verdicts_checked=checked, kleene_fail=kleene_fail,
                               absorbed_pass=absorbed,
                               violations=len(bad))
    assert checked > 0
    assert not bad, "\n".join(map(str, bad[:20])) + f"\n... {len(bad)} in all"


def test_nan_and_infinity_in_a_comparison_are_unknown():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 5.0, 5.0])
    b = np.array([np.nan, 1.0, 1.0, 1.0, np.inf, -np.inf])
    for op in (">=", ">", "<=", "<", "==", "!="):
        r = compare(op, a, b, 1e-9)
        assert np.isnan(r).all(), (op, r)
        assert (outcome_from_bool(r) == NOT_EVALUABLE).all()
