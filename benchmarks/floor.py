"""The numpy floor: the 2017 resource-area rules written by hand with numpy/pandas, no engine.

What a careful engineer writes for R1-R7 per school stage (nine-year schools split 1 : 1.1,
twelve-year 1 : 1.1 : 1.32, 完全中学 1 : 1.2), the 6-of-7 rule with the 85 % floor, and the
per-stage weighted CVs (R1_cv ... R7_cv, rounded half up to 3 decimals, <= 0.50 / 0.45), with
the same three-valued outcomes as the engine (missing input -> not evaluable) and the same
relative tolerance (1e-9) in comparisons. The 2019 transitional relaxations of R3 and R5 are out
of force after 2022; the floor implements the rules in force at the benchmark date (2024-09-01).

Input: the typed school frame (canonical columns, numbers as float) — what the engine evaluates.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

STAGES = ["primary", "junior"]
TYPE_STAGES = {"小学": ["primary"], "教学点": ["primary"], "初中": ["junior"], "九年一贯制": ["primary", "junior"],
               "十二年一贯制": ["primary", "junior"], "完全中学": ["junior"]}
WEIGHTS = {"九年一贯制": {"primary": 1, "junior": 1.1}, "十二年一贯制": {"primary": 1, "junior": 1.1, "senior": 1.32},
           "完全中学": {"junior": 1, "senior": 1.2}}
MIN = {"R1": (4.2, 5.3), "R2": (1, 1), "R3": (0.9, 0.9), "R4": (4.5, 5.8), "R5": (7.5, 10.2), "R6": (2000, 2500),
       "R7": (2.3, 2.4)}
CV_MAX = np.array([0.50, 0.45])
K, FLOOR, TOL = 6, 0.85, 1e-9
FAIL, PASS, NE, NA = 0, 1, 2, 3
OUT_OF_SCOPE_TYPES = ("特殊教育学校", "职业学校")  # and 教学点 under SCOPE_MIN pupils: outside R1-R7 and the CVs
SCOPE_MIN = 50
SPLIT = ["teaching_aux_area", "indoor_sports_area", "gym_area", "sports_ground_area", "equipment_value",
         "multimedia_rooms"]


def _num(df, col):
    return df[col].to_numpy(dtype="float64", na_value=np.nan) if col in df else np.full(len(df), np.nan)


def _ge(a, b):
    """a >= b with the relative tolerance; NaN -> NaN."""
    with np.errstate(invalid="ignore"):
        r = ((a >= b) | (np.abs(a - b) <= TOL * np.maximum(np.abs(a), np.abs(b)))).astype(float)
    r[~np.isfinite(a) | ~np.isfinite(b)] = np.nan
    return r


def _outcome(c):
    return np.where(np.isnan(c), NE, np.where(c == 1, PASS, FAIL)).astype(np.int8)


def _round3(x):
    s = np.abs(x) * 1000.0
    low = np.floor(s)
    half = np.abs(s - low - 0.5) <= 1e-13 * np.maximum(s, 1.0)
    return np.sign(x) * np.where(half, low + 1.0, np.floor(s + 0.5)) / 1000.0


def resource_floor(schools: pd.DataFrame) -> dict:
    types = schools["school_type"].to_numpy(dtype=object)
    n = len(schools)
    # ---- stage units (school order, then stage order)
    stud = {s: _num(schools, f"students_{s}") for s in ("primary", "junior", "senior")}
    code_of = {t: i for i, t in enumerate(TYPE_STAGES)}
    tcode = np.array([code_of.get(t, -1) for t in types])  # one dict lookup per school (200k: ~20 ms)
    has = {}
    for s in STAGES:
        of_type = np.array([s in TYPE_STAGES[t] for t in TYPE_STAGES] + [False])[tcode]
        has[s] = (of_type & ~(stud[s] == 0)) | ((tcode < 0) & (stud[s] > 0))
    u_school = np.concatenate([np.flatnonzero(has[s]) for s in STAGES])
    u_stage = np.concatenate([np.full(int(has[s].sum()), i) for i, s in enumerate(STAGES)])
    order = np.lexsort((u_stage, u_school))
    u_school, u_stage = u_school[order], u_stage[order]
    prim = u_stage == 0

    # ---- weighted split of whole-school stocks
    denom = np.zeros(n)
    term = {}
    for s in ("primary", "junior", "senior"):
        w = np.array([WEIGHTS.get(t, {}).get(s, np.nan) for t in TYPE_STAGES] + [np.nan])[tcode]
        term[s] = np.where(np.isnan(w), 0.0, w * stud[s])
        denom = denom + term[s]
    weighted = np.array([t in WEIGHTS for t in TYPE_STAGES] + [False])[tcode]
    with np.errstate(divide="ignore", invalid="ignore"):
        share_s = {s: np.where(weighted, term[s] / denom, 1.0) for s in STAGES}
    share = np.where(prim, share_s["primary"][u_school], share_s["junior"][u_school])
    share = np.where(np.isfinite(share), share, np.nan)

    def per_stage(field):
        p, j = _num(schools, f"{field}_primary"), _num(schools, f"{field}_junior")
        return np.where(prim, p[u_school], j[u_school])

    def split(field):
        return _num(schools, field)[u_school] * share

    students = per_stage("students")
    above = np.where(prim, per_stage("teachers_college"), 0.0) + per_stage("teachers_bachelor") \
        + per_stage("teachers_master") + per_stage("teachers_doctor")
    pe_art = per_stage("pe_teachers") + per_stage("music_teachers") + per_stage("fine_art_teachers") \
        + per_stage("art_teachers")
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = {
            "R1": above / students * 100,
            "R2": per_stage("backbone_teachers") / students * 100,
            "R3": pe_art / students * 100,
            "R4": (split("teaching_aux_area") - split("indoor_sports_area")) / students,
            "R5": (split("gym_area") + split("sports_ground_area")) / students,
            "R6": split("equipment_value") / students,
            "R7": split("multimedia_rooms") / students * 100,
        }
    vals = {k: np.where(np.isfinite(v), v, np.nan) for k, v in vals.items()}
    thr = {k: np.where(prim, a, b) for k, (a, b) in MIN.items()}
    compulsory = np.nan_to_num(stud["primary"]) + np.nan_to_num(stud["junior"])
    in_scope = ~(np.isin(types, OUT_OF_SCOPE_TYPES) | ((types == "教学点") & (compulsory < SCOPE_MIN)))[u_school]
    out = {k: np.where(in_scope, _outcome(_ge(vals[k], thr[k])), NA).astype(np.int8) for k in vals}

    # ---- at least 6 of 7, every failing one at least 85 % of its threshold
    passes = sum((out[k] == PASS).astype(int) for k in out)
    unknown = sum((out[k] == NE).astype(int) for k in out)
    below = np.zeros(len(u_school), dtype=bool)
    for k in out:
        below |= (out[k] == FAIL) & (_ge(vals[k], FLOOR * thr[k]) == 0)
    school = np.where(below | (passes + unknown < K), FAIL,
                      np.where((unknown == 0) & (passes >= K), PASS, NE)).astype(np.int8)
    school = np.where(in_scope, school, NA).astype(np.int8)

    # ---- per-stage weighted CVs over the county's school stages (county x stage groups)
    county_codes, _ = pd.factorize(schools["county_id"])
    key = county_codes[u_school] * 2 + u_stage
    groups, g = np.unique(key, return_inverse=True)
    m = len(groups)
    wn = np.isnan(students) & in_scope
    w = np.where(np.isnan(students) | ~in_scope, 0.0, students)
    W = np.bincount(g, w, m)
    cv, cv_out = {}, {}
    for k, x in vals.items():
        xn = np.isnan(x) & in_scope
        bad = np.bincount(g, (xn | wn).astype(float), m) > 0
        xf = np.where(np.isnan(x) | ~in_scope, 0.0, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.bincount(g, w * xf, m) / W
            d = xf - mean[g]
            c = np.sqrt(np.bincount(g, w * d * d, m) / W) / mean
        c = np.where(bad | ~np.isfinite(c), np.nan, c)
        c = _round3(c)
        cv[k] = c
        cv_out[k] = _outcome(_ge(CV_MAX[groups % 2], c))  # cv <= max
    return {"u_school": u_school, "u_stage": u_stage, "values": vals, "outcomes": out, "school": school,
            "cs_county": groups // 2, "cs_stage": groups % 2, "cv": cv, "cv_outcomes": cv_out}


def compare_with_engine(fl: dict, ev) -> list:
    """Differences between the floor and the engine's evaluator (empty list = EQUAL)."""
    sp = ev.sp
    diffs = []
    if not (np.array_equal(fl["u_school"], sp.u_school) and np.array_equal(fl["u_stage"], sp.u_stage)):
        return ["stage units differ"]
    if not (np.array_equal(fl["cs_stage"], sp.cs_stage) and len(fl["cs_county"]) == len(sp.cs_county)):
        return ["county x stage groups differ"]

    def close(a, b):
        both = np.isnan(a) & np.isnan(b)
        with np.errstate(invalid="ignore"):
            ok = both | (np.abs(a - b) <= 1e-9 * np.maximum(1.0, np.abs(b)))
        return int((~ok).sum())

    for k in fl["values"]:
        r = ev.results[k]
        if (r.outcome != fl["outcomes"][k]).any():
            diffs.append(f"{k}: {(r.outcome != fl['outcomes'][k]).sum()} outcomes differ")
        if close(fl["values"][k], r.value):
            diffs.append(f"{k}: {close(fl['values'][k], r.value)} values differ")
        rc = ev.results[f"{k}_cv"]
        if (rc.outcome != fl["cv_outcomes"][k]).any():
            diffs.append(f"{k}_cv: {(rc.outcome != fl['cv_outcomes'][k]).sum()} outcomes differ")
        if close(fl["cv"][k], rc.value):
            diffs.append(f"{k}_cv: {close(fl['cv'][k], rc.value)} values differ")
    if (ev.results["R_school"].outcome != fl["school"]).any():
        diffs.append(f"R_school: {(ev.results['R_school'].outcome != fl['school']).sum()} outcomes differ")
    return diffs
