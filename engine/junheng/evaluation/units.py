"""Row spaces: stage units, schools, county×stage and counties, and the index arrays between them.

A school becomes one *stage unit* per compulsory stage it has (its type's stages, less a stage
with zero students: a single-stage campus of a nine-year school is a school of that stage).
Whole-school stocks are split between the stages of combined schools by weighted enrolment
(e.g. nine-year: primary share = A / (A + 1.1·B)), with the weights from the standard.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from junheng.i18n import Bi
from junheng.records.recordset import RecordSet
from junheng.records.rejections import reject_where
from junheng.standard.model import Standard


@dataclass
class Spaces:
    stages: list  # evaluated stage names, code = index
    schools: pd.DataFrame
    counties: pd.DataFrame
    u_school: np.ndarray
    u_stage: np.ndarray
    u_county: np.ndarray
    u_cs: np.ndarray
    u_share: np.ndarray  # share of whole-school stocks belonging to the unit
    s_county: np.ndarray
    cs_county: np.ndarray
    cs_stage: np.ndarray
    sizes: dict = field(default_factory=dict)
    from_whole: dict = field(default_factory=dict)  # field -> schools whose stage values come from a whole-school count

    def stage_names(self, space: str) -> np.ndarray:
        codes = self.u_stage if space == "stage" else self.cs_stage
        return np.asarray(self.stages, dtype=object)[codes]

    def stage_codes(self, space: str) -> np.ndarray:
        return self.u_stage if space == "stage" else self.cs_stage


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64")
    return np.full(len(frame), np.nan)


def _map_types(types, f, missing, dtype) -> np.ndarray:
    """f(type) for each school, computed once per distinct type (200k schools, a handful of types);
    types: the school_type column, or its (codes, distinct types) when already factorised."""
    codes, uniq = types if isinstance(types, tuple) else pd.factorize(types)
    lut = np.array([f(t) for t in uniq] + [missing], dtype=dtype)
    return lut[codes]  # code -1 (missing type) takes the last entry


def _types(schools: pd.DataFrame):
    """The school_type column factorised once: (codes, distinct types)."""
    types = schools["school_type"] if "school_type" in schools else pd.Series(None, index=schools.index)
    codes, uniq = pd.factorize(types)
    return codes, np.asarray(uniq, dtype=object)


def _type_in(tc, names) -> np.ndarray:
    return _map_types(tc, lambda t: t in names, False, bool)


def school_stages(std: Standard, schools: pd.DataFrame) -> dict:
    """stage -> boolean mask of schools that have a unit of that stage."""
    types = _types(schools)
    known = _type_in(types, set(std.school_types))
    out = {}
    for s in std.eval_stages():
        of_type = _map_types(types, lambda t, s=s: s in std.school_types.get(t, ()), False, bool)
        students = _col(schools, f"students_{s}")
        zero = students == 0
        # an unknown type: the stages with students
        inferred = ~known & (students > 0)
        out[s] = (of_type & ~zero) | inferred
    return out


def stage_shares(std: Standard, schools: pd.DataFrame) -> dict:
    """stage -> array of each school's share of whole-school stocks for that stage."""
    types = _types(schools)
    all_stages = sorted({s for w in std.stage_weights.values() for s in w} | set(std.eval_stages()))
    terms, denom = {}, np.zeros(len(schools))
    for s in all_stages:
        w = _map_types(types, lambda t, s=s: std.stage_weights.get(t, {}).get(s, np.nan), np.nan, "float64")
        has = ~np.isnan(w)
        p = _col(schools, f"students_{s}")
        term = np.where(has, w * p, 0.0)
        terms[s] = (has, term)
        denom = denom + term
    shares = {}
    weighted = _type_in(types, set(std.stage_weights))
    for s in std.eval_stages():
        has, term = terms.get(s, (np.zeros(len(schools), bool), np.zeros(len(schools))))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(weighted, term / denom, 1.0)
        share = np.where(np.isfinite(share), share, np.nan)
        shares[s] = share
    return shares


def split_whole_school_counts(std: Standard, schools: RecordSet, masks: dict, shares: dict) -> dict:
    """A whole-school count given without stage (专任教师总人数, 县级及以上骨干教师数, 班级总数 …) of a school with
    two or more stages is split between them by the weighted shares the standard declares for stocks
    (``stage_weights.whole_school_counts``), when none of its stage values is given. Returns field ->
    mask of the schools split. Column-wise; the reader's "cannot attribute" marks are lifted."""
    out: dict[str, np.ndarray] = {}
    ex = schools.extra
    if not std.whole_school_counts or ex is None or not len(ex.columns) or not len(schools.frame):
        return out
    sf = schools.frame
    stages = list(std.eval_stages())
    n_stages = sum(masks[s].astype(int) for s in stages)
    multi = n_stages >= 2
    for fid in std.whole_school_counts:
        if fid not in ex.columns:
            continue
        total = pd.to_numeric(ex[fid], errors="coerce").to_numpy(dtype="float64")
        cols = [f"{fid}_{s}" for s in stages]
        given = np.zeros(len(sf), dtype=bool)
        for c in cols:
            given |= ~np.isnan(_col(sf, c))
        rows = multi & ~np.isnan(total) & ~given
        if not rows.any():
            continue
        for s, c in zip(stages, cols):
            if c not in sf.columns:
                continue
            on = rows & masks[s]
            sf.loc[on, c] = total[on] * shares[s][on]
            bad = schools.invalid.get(c)
            if bad:
                for i in np.flatnonzero(on):
                    bad.pop(int(i), None)
        out[fid] = rows
        schools.log.append(Bi("rec.log_split_declared", field=fid, n=int(rows.sum())))
    return out


def build_spaces(std: Standard, schools: RecordSet, counties: RecordSet, county_file_given: bool) -> Spaces:
    sf = schools.frame
    # schools whose county is missing or not in the county table: rejected in validate.link_counties
    # schools with no compulsory stage at all
    masks = school_stages(std, sf)
    any_stage = np.zeros(len(sf), dtype=bool)
    for m in masks.values():
        any_stage |= m
    if len(sf) and (~any_stage).any():
        reject_where(schools, ~any_stage, "没有可评估的义务教育学段（学校类型未知且各学段学生数为空或为0）/ "
                                          "no compulsory stage to evaluate")
        sf = schools.frame
        masks = school_stages(std, sf)

    cf = counties.frame
    if len(sf):
        extra = sorted(set(sf["county_id"].dropna()) - set(cf["county_id"].dropna()))
        if extra:
            add = pd.DataFrame({"county_id": extra})
            cf = pd.concat([cf, add], ignore_index=True)
            counties.frame = cf
    county_index = pd.Index(cf["county_id"])
    s_county = county_index.get_indexer(sf["county_id"]) if len(sf) else np.zeros(0, dtype=np.int64)

    shares = stage_shares(std, sf)
    from_whole = split_whole_school_counts(std, schools, masks, shares)
    sf = schools.frame
    parts = []
    for code, s in enumerate(std.eval_stages()):
        idx = np.flatnonzero(masks[s])
        parts.append((idx, np.full(len(idx), code, dtype=np.int64), shares[s][idx]))
    if parts:
        u_school = np.concatenate([p[0] for p in parts]).astype(np.int64)
        u_stage = np.concatenate([p[1] for p in parts])
        u_share = np.concatenate([p[2] for p in parts])
    else:
        u_school = u_stage = np.zeros(0, dtype=np.int64)
        u_share = np.zeros(0)
    order = np.lexsort((u_stage, u_school))  # school order, then stage order
    u_school, u_stage, u_share = u_school[order], u_stage[order], u_share[order]
    u_county = s_county[u_school]
    n_st = max(len(std.eval_stages()), 1)
    key = u_county * n_st + u_stage
    uniq, u_cs = np.unique(key, return_inverse=True)
    cs_county, cs_stage = uniq // n_st, uniq % n_st
    sp = Spaces(std.eval_stages(), sf, cf, u_school, u_stage, u_county, u_cs.astype(np.int64), u_share,
                np.asarray(s_county, dtype=np.int64), cs_county.astype(np.int64), cs_stage.astype(np.int64))
    sp.sizes = {"stage": len(u_school), "school": len(sf), "county_stage": len(uniq), "county": len(cf)}
    sp.from_whole = from_whole  # field -> schools whose stage values were split from a whole-school count
    return sp
