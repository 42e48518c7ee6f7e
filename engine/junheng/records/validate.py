"""Cross-field and cross-table checks on loaded records, all problems at once.

Run once per pair of record sets, before the row spaces are built (``run.evaluate_records``):

* county links: a school without 区县代码 belongs to the only county of the county table (when
  there is exactly one; the real school form has no county item); a school whose county is not in
  the county table is rejected. This is the one place that decides it.
* required values (学校名称, 学校类型) present;
* a 九年一贯制/十二年一贯制 school has both primary and junior enrolment; a single-stage school has
  no enrolment of another compulsory stage;
* part ≤ whole: degree counts (专科+本科+硕士+博士) ≤ full-time teachers of the stage (or of the
  school, from 专任教师总人数), in-zone students ≤ students, backbone / PE-art teachers ≤ teachers,
  classes over the limit ≤ classes, indoor sports area ≤ teaching area, county counts likewise.

A violation marks the offending cells invalid (value set to missing, message in
``RecordSet.invalid``) so only the rules that need them become ``not_evaluable``, with the reason.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng.records import batch
from junheng.records.problem_list import SUMMARY_ABOVE, print_summary
from junheng.records.problems import ProblemTable
from junheng.records.recordset import Problem, RecordSet
from junheng.records.rejections import reject_where
from junheng.records.stages import school_stage_masks
from junheng.i18n import Bi, BiTight, Msg, localize, t as tr

STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "高中"}
PER_CELL = False  # True: the per-cell reference path (tests compare the column-wise path with it)
NO_COUNTY = "未填区县代码"  # the county of schools given without 区县代码 and without a county file
STAGE_KEYS = {"primary": "stage.primary", "junior": "stage.junior", "senior": "stage.senior"}
BOTH_STAGES = batch.BOTH_STAGES  # school types that must have primary and junior enrolment
OWN_STAGE = batch.OWN_STAGE  # single-stage school types and their compulsory stage

# (rule id, parts, whole, per stage?, description)
SCHOOL_SUBSETS = [
    ("degree_le_teachers", ["teachers_college", "teachers_bachelor", "teachers_master", "teachers_doctor"],
     "teachers", True, "各学历专任教师数之和不应超过专任教师数"),
    ("in_zone_le_students", ["in_zone_students"], "students", True, "划片范围内学生数不应超过学生数"),
    ("backbone_le_teachers", ["backbone_teachers"], "teachers", True, "骨干教师数不应超过专任教师数"),
    ("pe_art_le_teachers", ["pe_teachers", "music_teachers", "fine_art_teachers", "art_teachers"], "teachers",
     True, "体育、艺术专任教师数之和不应超过专任教师数"),
    ("senior_title_le_teachers", ["teachers_senior_title"], "teachers", True, "中级及以上职称教师数不应超过专任教师数"),
    ("over_limit_le_classes", ["classes_over_limit"], "classes", True, "超班额班级数不应超过班级数"),
    ("indoor_le_teaching_area", ["indoor_sports_area"], "teaching_aux_area", False,
     "室内体育用房面积不应超过教学及辅助用房总面积"),
    ("certified_le_teachers", ["certified_teachers"], "teachers", False, "持证专任教师数不应超过专任教师总数"),
    ("trained_le_teachers", ["trained_360h_teachers"], "teachers", False, "培训满360学时教师数不应超过专任教师总数"),
    ("migrant_le_students", ["migrant_students"], "students", False, "随迁子女数不应超过在校生数"),
]
COUNTY_SUBSETS = [
    ("rotated_le_eligible", ["rotated"], "rotation_eligible", "实际交流轮岗教师数不应超过符合交流条件教师总数"),
    ("backbone_le_rotated", ["rotated_backbone"], "rotated", "交流骨干教师数不应超过实际交流轮岗教师数"),
    ("quota_le_total", ["senior_quota_allocated"], "senior_quota_total", "分配指标数不应超过优质高中招生计划总数"),
    ("migrant_le_eligible", ["migrant_in_public", "migrant_in_purchased"], "migrant_eligible",
     "公办及购买服务学校就读随迁子女数之和不应超过符合条件的随迁子女总数"),
    ("disabled_le_children", ["disabled_enrolled"], "disabled_children", "残疾儿童入学人数不应超过适龄残疾儿童总数"),
]


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col in frame.columns:
        return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64")
    return np.full(len(frame), np.nan)


def _problem(rs: RecordSet, i: int | np.integer, col: str, rule: str, message: str, action="cell ignored", value=None):
    f, sh, row, cell, header, text = rs.where(col, i)
    v = value if value is not None else text
    src = int(rs.src[i]) if rs.src is not None and i < len(rs.src) else -1
    rs.problems.append(Problem(f, sh, row, header, "" if v is None else str(v), rule, message, action, col, cell, src,
                               rs.book))


def _invalidate(rs: RecordSet, i: int | np.integer, col: str, message: str) -> None:
    rs.invalid.setdefault(col, {})[i] = message
    if col in rs.frame.columns:
        rs.frame.at[i, col] = np.nan


def link_counties(srs: RecordSet, crs: RecordSet, county_file_given: bool) -> None:
    sf = srs.frame
    if not len(sf):
        return
    known = list(dict.fromkeys(crs.frame["county_id"].dropna().tolist())) if county_file_given else []
    missing = sf["county_id"].isna().to_numpy()
    if missing.any() and len(known) == 1:
        sf.loc[missing, "county_id"] = known[0]
        rule, why = Msg("rec.rule_county_link"), Bi("rec.county_assigned", county=known[0])
        if PER_CELL:
            for i in np.flatnonzero(missing):
                _problem(srs, i, "county_id", rule, why, "note", value="")
        else:
            srs.problems.add_chunk(batch.problems_for(srs, "county_id", np.flatnonzero(missing), rule, why, "note",
                                                      values=""))
        srs.log.append(Msg("rec.log_county_assigned", n=int(missing.sum()), county=known[0]))
        missing = np.zeros(len(sf), dtype=bool)
    if missing.any() and not county_file_given:
        # a school form has no 区县代码: without a county file the schools are still evaluated at school and
        # stage level, under one county standing for "not given"; county rules then name the county data missing
        sf.loc[missing, "county_id"] = NO_COUNTY
        srs.log.append(Bi("rec.log_no_county", n=int(missing.sum()), county=NO_COUNTY))
        missing = np.zeros(len(sf), dtype=bool)
    reasons = pd.Series("", index=sf.index, dtype="object")
    reasons[missing] = BiTight("rec.no_county_id")
    reject = missing.copy()
    if county_file_given:
        unknown = ~missing & ~sf["county_id"].isin(set(known)).to_numpy()
        at = np.flatnonzero(unknown)
        codes, uniq = pd.factorize(sf["county_id"].to_numpy(dtype=object)[at], use_na_sentinel=False)
        texts = np.array([Bi("rec.unknown_county", county=u) for u in uniq] + [None], dtype=object)[:-1]
        reasons.iloc[at] = texts[codes]  # type: ignore[call-overload]  # one reason per distinct unknown county
        reject |= unknown
    if reject.any():
        reject_where(srs, reject, reasons)


def check_required(rs: RecordSet, catalogue) -> None:
    for c in catalogue.columns(rs.table):
        if not c.field.required or c.id in ("school_id", "county_id") or c.id not in rs.frame:
            continue
        col = rs.frame[c.id]
        if not PER_CELL:
            batch.check_required(rs, c.id, c.label, col.isna().to_numpy())
            continue
        for i in np.flatnonzero(col.isna().to_numpy()):
            _problem(rs, i, c.id, Msg("rec.rule_required", field=c.id), Bi("rec.required", label=c.label),
                     "cell missing")


def check_stages(rs: RecordSet) -> None:
    if not PER_CELL:
        return batch.check_stages(rs, _num(rs.frame, "students_primary"), _num(rs.frame, "students_junior"))
    f = rs.frame
    types = f["school_type"].tolist() if "school_type" in f else [None] * len(f)
    sp, sj = _num(f, "students_primary"), _num(f, "students_junior")
    for i, t in enumerate(types):
        if t in BOTH_STAGES:
            for s, v in (("primary", sp[i]), ("junior", sj[i])):
                if np.isnan(v) and i not in rs.invalid.get(f"students_{s}", {}):
                    msg = Bi("rec.both_stages", type=t, stage=Msg(STAGE_KEYS[s]))
                    _problem(rs, i, f"students_{s}", Msg("rec.rule_both_stages"), msg, "cell missing")
                    rs.invalid.setdefault(f"students_{s}", {})[i] = msg
        own = OWN_STAGE.get(t)
        if own:
            other = "junior" if own == "primary" else "primary"
            v = sj[i] if other == "junior" else sp[i]
            if v > 0:
                msg = Bi("rec.type_stage", type=t, stage=Msg(STAGE_KEYS[other]), n=f"{v:g}", other=other)
                _problem(rs, i, f"students_{other}", Msg("rec.rule_type_stage"), msg)
                _invalidate(rs, i, f"students_{other}", msg)


def _check_subset(rs: RecordSet, rule: str, parts: list, whole_cols: list, whole: np.ndarray, desc: str,
                  rows=None) -> None:
    vals = [(p, _num(rs.frame, p)) for p in parts]
    present = [p for p, _ in vals]
    if not present:
        return
    stack = np.vstack([v for _, v in vals])
    any_part = ~np.isnan(stack).all(axis=0)
    total = np.nansum(stack, axis=0)
    with np.errstate(invalid="ignore"):
        bad = any_part & ~np.isnan(whole) & (total > whole + 1e-9)
    if rows is not None:
        bad &= rows
    if not PER_CELL:
        return batch.check_subset(rs, rule, vals, whole_cols, whole, desc, bad, total)
    for i in np.flatnonzero(bad):
        shown = "+".join(f"{v[i]:g}" for _, v in vals if not np.isnan(v[i]))
        msg = f"{desc}：{shown} = {total[i]:g} > {'+'.join(whole_cols)} = {whole[i]:g} / {rule}"
        for p, v in vals:
            if not np.isnan(v[i]):
                _problem(rs, i, p, rule, msg)
                _invalidate(rs, i, p, msg)


def check_school_subsets(rs: RecordSet, catalogue) -> None:
    f = rs.frame
    ex = rs.extra if rs.extra is not None else pd.DataFrame(index=f.index)
    n = len(f)
    for rule, parts, whole, per_stage, desc in SCHOOL_SUBSETS:
        if per_stage:
            for s in ("primary", "junior"):
                cols = [f"{p}_{s}" for p in parts if f"{p}_{s}" in f.columns]
                if not cols or f"{whole}_{s}" not in f.columns:
                    continue
                _check_subset(rs, rule, cols, [f"{whole}_{s}"], _num(f, f"{whole}_{s}"), desc + f"（{STAGE_ZH[s]}）")
            # whole-school total given without stage (专任教师总人数) for a school with several stages
            if whole in ex.columns:
                total_whole = pd.to_numeric(ex[whole], errors="coerce").to_numpy(dtype="float64")
                staged = np.zeros(n, dtype=bool)
                for s in ("primary", "junior"):
                    staged |= ~np.isnan(_num(f, f"{whole}_{s}"))
                cols = [f"{p}_{s}" for p in parts for s in ("primary", "junior") if f"{p}_{s}" in f.columns]
                _check_subset(rs, rule, cols, [f"{whole}（不分学段）"], total_whole, desc + "（全校）", rows=~staged)
        else:
            if whole == "teachers":
                if whole in ex.columns:
                    w = pd.to_numeric(ex[whole], errors="coerce").to_numpy(dtype="float64")
                else:
                    w = np.full(n, np.nan)
                tp, tj = _num(f, "teachers_primary"), _num(f, "teachers_junior")
                m = school_stage_masks(f)
                both = m["primary"] & m["junior"]
                onlyp = m["primary"] & ~m["junior"] & ~m["senior"]
                onlyj = m["junior"] & ~m["primary"] & ~m["senior"]
                alt = np.where(both, tp + tj, np.where(onlyp, tp, np.where(onlyj, tj, np.nan)))
                w = np.where(np.isnan(w), alt, w)
                names = ["teachers"]
            elif whole == "students":
                m = school_stage_masks(f)
                w = np.zeros(n)
                for s in ("primary", "junior", "senior"):
                    w = w + np.where(m[s], _num(f, f"students_{s}"), 0.0)
                w[~(m["primary"] | m["junior"] | m["senior"])] = np.nan
                names = ["students"]
            else:
                w = _num(f, whole)
                names = [whole]
            cols = [p for p in parts if p in f.columns]
            _check_subset(rs, rule, cols, names, w, desc)


BAND_COLS = ["classes_band_25", "classes_band_26_30", "classes_band_31_35", "classes_band_36_40", "classes_band_41_45",
             "classes_band_46_50", "classes_band_51_55", "classes_band_56_60", "classes_band_61_65",
             "classes_band_66_up"]


def check_class_bands(rs: RecordSet) -> None:
    """The class-size bands of the form add up to the school's classes (班级总数, or the stage class counts):
    otherwise every band is invalid (G5 is then not_evaluable, naming this problem)."""
    f = rs.frame
    if not all(c in f.columns for c in BAND_COLS) or not len(f):
        return
    stack = np.vstack([_num(f, c) for c in BAND_COLS])
    complete = ~np.isnan(stack).any(axis=0)
    bands = np.nansum(stack, axis=0)
    ex = rs.extra if rs.extra is not None else pd.DataFrame(index=f.index)
    whole = pd.to_numeric(ex["classes"], errors="coerce").to_numpy(dtype="float64") if "classes" in ex.columns \
        else np.full(len(f), np.nan)
    cp, cj = _num(f, "classes_primary"), _num(f, "classes_junior")
    staged = np.where(np.isnan(cp) & np.isnan(cj), np.nan, np.nan_to_num(cp) + np.nan_to_num(cj))
    whole = np.where(np.isnan(whole), staged, whole)
    with np.errstate(invalid="ignore"):
        bad = complete & ~np.isnan(whole) & (np.abs(bands - whole) > 1e-9)
    if not PER_CELL:
        return batch.check_class_bands(rs, BAND_COLS, bad, bands, whole)
    for i in np.flatnonzero(bad):
        msg = (f"各班额分段的班级数之和 {bands[i]:g} 与班级总数 {whole[i]:g} 不相等，班额分段按缺失处理 / the "
               "class-size "
               f"bands do not add up to the classes")
        _problem(rs, i, BAND_COLS[0], "班额分段之和", msg)
        for c in BAND_COLS:
            _invalidate(rs, i, c, msg)


def check_county_subsets(rs: RecordSet) -> None:
    for rule, parts, whole, desc in COUNTY_SUBSETS:
        cols = [p for p in parts if p in rs.frame.columns]
        if cols and whole in rs.frame.columns:
            _check_subset(rs, rule, cols, [whole], _num(rs.frame, whole), desc)


def validate_records(srs: RecordSet, crs: RecordSet, catalogue, county_file_given: bool = True) -> None:
    """All cross-field and cross-table checks; idempotent (a second call does nothing)."""
    if srs.validated and crs.validated:
        return
    link_counties(srs, crs, county_file_given)
    check_required(srs, catalogue)
    if len(crs.frame):
        check_required(crs, catalogue)
    check_stages(srs)
    check_school_subsets(srs, catalogue)
    check_class_bands(srs)
    check_county_subsets(crs)
    srs.validated = crs.validated = True


def problems_of(*sets: RecordSet) -> ProblemTable:
    """Data problems that count for --strict (unknown columns and notes are reported, not counted)."""
    out = ProblemTable()
    for rs in sets:
        out.extend(rs.problems.where_action(("column ignored", "note"), False))
    return out


def _of_file(rejected: dict, f: dict) -> bool:
    """Does a rejected row come from this file entry? (by position: the same file given twice is two entries)"""
    if "fileno" in f and rejected.get("fileno", -1) >= 0:
        return rejected["fileno"] == f["fileno"]
    return rejected["file"] == f["path"]


def file_summary(*sets: RecordSet) -> list:
    """Per file: rows read, rows evaluated (accepted), rows rejected and why. read = evaluated + rejected."""
    out = []
    for rs in sets:
        for f in rs.files:
            rej = [r for r in rs.rejected if _of_file(r, f)]
            reasons: dict = {}
            for r in rej:
                key = r["reason"].split("（与")[0] if "重复" in r["reason"] else r["reason"]
                reasons[key] = reasons.get(key, 0) + 1
            out.append({"path": f["path"], "table": rs.table, "rows_read": f["rows"],
                        "rows_evaluated": f["rows"] - len(rej), "rows_rejected": len(rej), "reasons": reasons})
    return out


def report(err, srs: RecordSet, crs: RecordSet, quiet: bool = False, lang: str = "zh") -> ProblemTable:
    """Print (to the stderr console) what was converted, every problem with its place, and the row counts."""
    problems = problems_of(srs, crs)
    if quiet:
        return problems
    log = srs.log + crs.log
    if log:
        err.print(f"[dim]{tr(lang, 'load.log', n=len(log))}[/]")
        for line in log:
            err.print(f"  {localize(line, lang)}", markup=False, highlight=False)
    notes = srs.problems.where_action(("note",), True) + crs.problems.where_action(("note",), True)
    for p in notes:
        err.print(f"  {tr(lang, 'load.note')} {p.render(lang)}", markup=False, highlight=False)
    if problems:
        n_rej = len(srs.rejected) + len(crs.rejected)
        err.print(f"[yellow]{tr(lang, 'load.problems', n=len(problems), rejected=n_rej)}[/]")
        if len(problems) > SUMMARY_ABOVE:  # counts and the first few; the whole list: --problems FILE
            print_summary(err, problems, lang)
        else:
            for p in problems:
                err.print(f"  {p.render(lang)}", markup=False, highlight=False)
    ignored = srs.problems.where_action(("column ignored",), True) + \
        crs.problems.where_action(("column ignored",), True)
    if ignored:
        err.print(f"[dim]{tr(lang, 'load.ignored', n=len(ignored))}" +
                  tr(lang, "sep.list").join(sorted({p.column for p in ignored})) + "[/]", highlight=False)
    for s in file_summary(srs, crs):
        why = tr(lang, "sep.clause").join(f"{localize(k, lang)} ×{v}" for k, v in s["reasons"].items())
        table = tr(lang, "level.school" if s["table"] == "school" else "level.county")
        err.print(tr(lang, "load.file", path=s["path"], table=table, read=s["rows_read"],
                    evaluated=s["rows_evaluated"], rejected=s["rows_rejected"])
                  + (tr(lang, "paren", x=why) if why else ""), markup=False, highlight=False)
    return problems
