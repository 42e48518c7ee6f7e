"""A school's stages, and stage-less values given to a stage.

Stage-less items of the real collection form (专任教师总人数, 体育专任教师人数, 班级总数, the class-size bands
每班46-50人班级个数 …) are given to the school's stage when the school has a single stage (its type's stages,
less a stage with 0 students; 完全中学 and 十二年一贯制 count their senior stage). For a school with two or more
stages the value cannot be attributed: it is kept in ``extra`` (used by the cross-field checks) and the
per-stage cells are marked invalid with the reason.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng.i18n import Bi, Msg
from junheng.records.recordset import Problem, RecordSet
from junheng.standard.catalogue import Catalogue

# stages of each school type for attributing stage-less form items (senior counts: a 完全中学's
# 专任教师总人数 includes its senior teachers, so it is not given to the junior stage)
TYPE_STAGES = {"小学": ("primary",), "教学点": ("primary",), "初中": ("junior",),
               "九年一贯制": ("primary", "junior"), "十二年一贯制": ("primary", "junior", "senior"),
               "完全中学": ("junior", "senior")}
# 超过规定班额: the form's class-size limits (小学 45, 初中 50; indicator-formulas-shenyang.xlsx)
CLASS_LIMITS = {"primary": 45, "junior": 50}
STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "高中"}
ALL_STAGES = ("primary", "junior", "senior")


def school_stage_masks(frame: pd.DataFrame) -> dict:
    """Per stage, which schools have it (type's stages less a stage with 0 students; unknown type:
    the stages with students), as boolean arrays (column-wise, no loop over schools)."""
    types = frame["school_type"] if "school_type" in frame else pd.Series(None, index=frame.index, dtype=object)
    codes, found = pd.factorize(types, use_na_sentinel=False)  # the type of each school: one hash pass
    uniq = list(found)
    known = np.array([t in TYPE_STAGES for t in uniq] + [False])[codes]
    out = {}
    for s in ALL_STAGES:
        stud = pd.to_numeric(frame.get(f"students_{s}", pd.Series(np.nan, index=frame.index)),
                             errors="coerce").to_numpy(dtype="float64")
        of_type = np.array([s in TYPE_STAGES.get(t, ()) for t in uniq] + [False])[codes]
        with np.errstate(invalid="ignore"):
            out[s] = np.where(known, of_type & ~(stud == 0), stud > 0)
    return out


def school_stage_sets(frame: pd.DataFrame) -> list:
    """Per school, the set of stages it has (see ``school_stage_masks``); the sets are shared, read-only."""
    m = school_stage_masks(frame)
    code = sum(m[s].astype(np.int8) << k for k, s in enumerate(ALL_STAGES))
    sets = [frozenset(s for k, s in enumerate(ALL_STAGES) if c >> k & 1) for c in range(8)]
    return [sets[c] for c in code.tolist()]

def resolve_unstaged(rs: RecordSet, catalogue: Catalogue) -> None:
    """Give stage-less values (专任教师总人数 …, class bands) to a single-stage school's stage."""
    ex, frame = rs.extra, rs.frame
    assert ex is not None  # set by the reader before validation
    fids = [c for c in ex.columns if catalogue.get("school", c) is not None]
    bands = [c for c in ex.columns if c.startswith("class_band_")]
    if not fids and not bands:
        return
    stages = school_stage_sets(frame)
    single = [next(iter(s)) if len(s) == 1 else None for s in stages]
    for fid in fids:
        _give_to_stage(rs, catalogue, fid, stages, single)
    if bands:
        _derive_over_limit(rs, bands, single)


_resolve_unstaged = resolve_unstaged


def _give_to_stage(rs: RecordSet, catalogue: Catalogue, fid: str, stages: list, single: list) -> None:
    """One stage-less field: moved to the stage of each single-stage school that has it blank; for a
    school of several stages a note, and its stage cells that are blank marked invalid."""
    ex, frame = rs.extra, rs.frame
    assert ex is not None and rs.src is not None  # read record sets have both
    fd = catalogue.get("school", fid)
    assert fd is not None  # fids are catalogue fields
    vals = ex[fid].to_numpy(dtype="float64")
    given = np.flatnonzero(~np.isnan(vals))
    moved, kept = 0, 0
    for i in given:
        st = single[i]
        if st in fd.per_stage:
            col = f"{fid}_{st}"
            if pd.isna(frame.at[i, col]):  # type: ignore[arg-type]  # stubs: .at's scalar union is wider
                frame.at[i, col] = vals[i]
                rs.override[(col, int(rs.src[i]))] = rs.where(fid, i)[4]
                moved += 1
            continue
        kept += 1
        _, _, row, cell, header, _ = rs.where(fid, i)
        o = rs.origin.iloc[i]
        msg = Bi("rec.stageless", header=header,
                 stages="、".join(STAGE_ZH.get(x, x) for x in sorted(stages[i])) or "未知")
        rs.problems.append(Problem(o["file"], o["sheet"], row, header, f"{vals[i]:g}",
                                   Msg("rec.rule_stage_attribution"), msg,
                                   "note", fid, cell, int(rs.src[i]), rs.book))
        for s in fd.per_stage:
            if s in stages[i] and pd.isna(frame.at[i, f"{fid}_{s}"]):  # type: ignore[arg-type]  # as above
                rs.invalid.setdefault(f"{fid}_{s}", {})[i] = msg
    if moved:
        rs.log.append(Msg("rec.log_stageless_moved", field=fid, n=moved))
    if kept:
        rs.log.append(Msg("rec.log_stageless_kept", field=fid, n=kept))


def _derive_over_limit(rs: RecordSet, bands: list, single: list) -> None:
    """Classes over the form's limit (超过规定班额) of a single-stage school, from its class-size bands."""
    ex, frame = rs.extra, rs.frame
    assert ex is not None  # set by the reader
    derived = 0
    for st, limit in CLASS_LIMITS.items():
        over = [c for c in bands if int(c.split("_")[2]) > limit]
        if not over:
            continue
        total = ex[over].sum(axis=1, min_count=len(over)).to_numpy(dtype="float64")
        col = f"classes_over_limit_{st}"
        for i in np.flatnonzero(~np.isnan(total)):
            if single[i] == st and col in frame and pd.isna(frame.at[i, col]):  # type: ignore[arg-type]  # as above
                frame.at[i, col] = total[i]
                derived += 1
    if derived:
        rs.log.append(Msg("rec.log_bands", n=derived))
