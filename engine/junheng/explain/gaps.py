"""The form-gap report: for a standard and the files given, the fields its rules need that no file
provides, grouped by the rules they leave undecided ("文件中没有 城乡类型、办学性质：G13_school、G13 无法判定").

A rule is listed only when it is decided nowhere (no pass or fail in the whole run) and some field it
reads is absent from every file of its table; a field counts as given when any of its columns
(``students_primary`` …, a stage-less form item such as 专任教师总人数) is in a file, even if blank.
"""
from __future__ import annotations

import numpy as np

from junheng.evaluation.logic import FAIL, PASS

KEYS = {"school_id", "county_id", "school_name"}


def provided_fields(rs, catalogue) -> set:
    """Field ids of a record set's table that appear as a column (or stage-less item) in its files."""
    col_field = {c.id: c.field.id for c in catalogue.columns(rs.table)}
    out = set()
    for _start, _raw, locs in rs.segments:
        for key in locs:
            fid = col_field.get(key, key)
            if catalogue.get(rs.table, fid) is not None:
                out.add(fid)
    return out


def _label(fd) -> str:
    if fd.label:
        return fd.label
    if fd.labels:
        return next(iter(fd.labels.values()))
    return fd.id


def form_gaps(run, lang: str = "zh") -> list[dict]:
    """[{fields: [id…], labels: [label…], table, rules: [id…], areas: [area…], text}], one entry per
    set of missing fields, in rule order."""
    cat = run.compiled.table.catalogue
    given = {"school": provided_fields(run.schools, cat), "county": provided_fields(run.counties, cat)}
    groups: dict = {}
    for rule in run.compiled.rules:
        res = run.evaluator.results.get(rule.id)
        if res is None:
            continue
        o = np.asarray(res.outcome)
        if ((o == PASS) | (o == FAIL)).any():
            continue
        missing = []
        for f in sorted(run.compiled.inputs.get(rule.id, set())):
            if f in KEYS:
                continue
            table = "school" if cat.get("school", f) is not None else "county" if cat.get("county", f) else None
            if table is not None and f not in given[table]:
                missing.append((table, f))
        if not missing:
            continue
        g = groups.setdefault(tuple(missing), {"rules": [], "areas": []})
        g["rules"].append(rule.id)
        if rule.area and rule.area not in g["areas"]:
            g["areas"].append(rule.area)
    out = []
    for missing, g in groups.items():
        labels = [_label(cat.get(t, f)) for t, f in missing]
        shown = "、".join(labels) if lang == "zh" else ", ".join(cat.get(t, f).label_in("en") for t, f in missing)
        rules = "、".join(g["rules"]) if lang == "zh" else ", ".join(g["rules"])
        text = (f"文件中没有 {shown}：{rules} 无法判定" if lang == "zh"
                else f"the files have no {shown}: {rules} cannot be decided")
        out.append({"fields": [f for _, f in missing], "labels": labels,
                    "tables": sorted({t for t, _ in missing}), "rules": g["rules"], "areas": g["areas"],
                    "text": text})
    return out
