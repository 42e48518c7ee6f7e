"""Reasons of not_evaluable verdicts built column-wise (issue 18).

``reasons._not_evaluable_reasons`` builds one list of parts per verdict and joins it in Python: a partial
national file (resource fields only) has millions of not_evaluable verdicts. Here every part is one arrow
text column over the rows (null where the part does not apply), in the order the per-row code appends
them; repeated parts are blanked with element-wise comparisons (``dict.fromkeys`` keeps the first) and
the parts joined with "；" in C. Python loops run over rules, fields, candidate columns, stages, school
types and distinct values, never over verdicts. ``reasons.ROWWISE`` keeps the per-row path as the
reference (tests/verdicts/test_unknown_reasons.py compares both).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from junheng.standard.checker import USABLE
from junheng.standard.catalogue import load_catalogue
from junheng.evaluation.logic import NOT_EVALUABLE
from junheng.formatting import fmt_num
from junheng.i18n import msg
from junheng.verdicts.outofforce import out_of_force_text

MAX_LISTED = 5
_T = pa.large_string()


def _join_skip(parts: list, sep: str) -> pa.Array:
    """The non-null parts of each row joined by sep ("" when none). (pyarrow's
    binary_join_element_wise(null_handling="skip") returns a short array when a part is all null.)"""
    acc = parts[0]
    for p in parts[1:]:
        both = pc.binary_join_element_wise(acc, pa.scalar(sep, _T), p, pa.scalar("", _T))
        acc = pc.if_else(pc.is_null(acc), p, pc.if_else(pc.is_null(p), acc, both))
    return pc.fill_null(acc, pa.scalar("", _T))


def _col(m: int, where: np.ndarray, texts) -> pa.Array:
    """A part: texts at positions where (a bool mask or indices), null elsewhere; one text or one per
    position. Built by an arrow take (null where no text goes), not as an object array of all m rows."""
    where = np.asarray(where)
    pos = np.flatnonzero(where) if where.dtype == bool else where.astype(np.int64)
    idx = np.full(m, -1, dtype=np.int64)
    if isinstance(texts, str):
        values = pa.array([texts], type=_T)
        idx[pos] = 0
    else:
        values = pa.array(np.asarray(texts, dtype=object), type=_T, from_pandas=True)
        idx[pos] = np.arange(len(pos))
    return values.take(pa.array(idx, mask=idx < 0))


def _invalid_lookup(invalid: dict, col: str):
    d = invalid.get(col)
    if not d:
        return None
    return pd.Series(list(d.values()), index=pd.Index(list(d.keys()), dtype="int64"), dtype=object)


def _invalid_texts(lang: str, col: str, whys: np.ndarray) -> np.ndarray:
    """``msg(lang, "reason.invalid_field", col=col, why=w)`` of every w. In Chinese a why (a catalogue Msg or a
    text) is its str, so the text is one concatenation per why (numpy's C loop: a messy national file has
    hundreds of thousands of distinct invalid cells); in English each Msg is rendered in English."""
    if lang != "en" and pd.api.types.infer_dtype(whys, skipna=False) == "string":
        pre, post = msg(lang, "reason.invalid_field", col=col, why="\0").split("\0")
        return np.add(np.add(pre, whys.astype(str).astype(object)), post)
    return np.array([msg(lang, "reason.invalid_field", col=col, why=w) for w in whys] + [None], dtype=object)[:-1]


def field_problem_texts(ev, sym, space, rws: np.ndarray, invalid: dict, lang: str) -> np.ndarray:
    """``reasons._field_problem`` for every row of rws: '<col> 缺失' or '<col> 无效：<why>'."""
    sp = ev.sp
    fd = sym.obj
    k = len(rws)
    cands = []  # (column name per row (array) , record index per row or None)
    first = None
    if space == "stage" and sym.kind == "field" and fd.table == "school":
        school = sp.u_school[rws]
        stage = np.asarray(sp.stages, dtype=object)[sp.u_stage[rws]]
        if fd.per_stage or fd.split:
            first = fd.id + "_" + stage
            cands.append((first, school))
        if fd.split:
            cands.append((np.full(k, fd.id, dtype=object), school))
            types = sp.schools["school_type"].to_numpy(dtype=object)[school]
            codes, uniq = pd.factorize(types, use_na_sentinel=False)
            lists = [list(ev.std.school_types.get(t, [])) for t in uniq]
            for p in range(max((len(x) for x in lists), default=0)):
                at_p = np.array([("students_" + x[p]) if p < len(x) else None for x in lists] + [None],
                                dtype=object)[:-1]
                cands.append((at_p[codes], school))
        if first is None:
            first = np.full(k, fd.id, dtype=object)
            cands.append((first, school))
    elif sym.kind == "field" and fd.table == "school":
        first = np.full(k, fd.id, dtype=object)
        cands.append((first, rws if space == "school" else None))
    found = np.full(k, None, dtype=object)
    cache: dict = {}
    for names, recs in cands:
        if recs is None:
            continue
        for col in pd.unique(names[pd.notna(names)]):
            if col not in cache:
                cache[col] = _invalid_lookup(invalid, col)
            look = cache[col]
            if look is None:
                continue
            m = np.flatnonzero((names == col) & pd.isna(found))
            if not len(m):
                continue
            why = look.reindex(np.asarray(recs, dtype=np.int64)[m]).to_numpy(dtype=object)
            hit = np.flatnonzero(pd.notna(why))
            if len(hit):  # one text per distinct message (a catalogue Msg shown in lang)
                codes, uniq = pd.factorize(why[hit])
                texts = _invalid_texts(lang, col, np.asarray(uniq, dtype=object))
                found[m[hit]] = texts[codes]
    name = first if first is not None else np.full(k, sym.name, dtype=object)
    key = "reason.missing_split" if fd is not None and getattr(fd, "split", False) and space == "stage" \
        else "reason.missing"
    codes, uniq = pd.factorize(name.astype(object))
    missing = np.array([msg(lang, key, name=column_text(ev, u, lang)) for u in uniq] + [None], dtype=object)[:-1][codes]
    return np.where(pd.isna(found), missing, found)


def unit_groups(ev, src: str, space: str, rows):
    """(group of each unit in ``src``, the group of each of ``rows`` in ``space``), or None when units of
    ``src`` do not group into ``space``. Schools group into a county-and-stage row by its county."""
    sp = ev.sp
    if src == "school" and space == "county_stage":
        return sp.s_county, sp.cs_county[rows]
    try:
        return ev.group(src, space), rows
    except (ValueError, KeyError):
        return None


def units_with_part(ev, mask, src, space, rows, lang, what) -> pa.Array | None:
    """``reasons._units_with`` as one part: for each row, '<what>：name1、name2… 等 N 个' (the first
    MAX_LISTED units of its group, in unit order), null where its group has none."""
    sp = ev.sp
    m = len(rows)
    groups = unit_groups(ev, src, space, rows)
    if groups is None:
        return None
    g, target = groups
    bad = np.flatnonzero(mask)
    if not len(bad):
        return None
    sids = sp.schools["school_id"].to_numpy(dtype=object)
    names = sp.schools["school_name"].to_numpy(dtype=object) if "school_name" in sp.schools else sids
    school_of = sp.u_school if src == "stage" else (np.arange(len(sids)) if src == "school" else None)
    gb = g[bad]
    order = np.argsort(gb, kind="stable")
    sb, sg = bad[order], gb[order]
    target = np.asarray(target)
    lo, hi = np.searchsorted(sg, target, "left"), np.searchsorted(sg, target, "right")
    has = hi > lo
    if not has.any():
        return None
    if school_of is not None:
        nm = names[school_of[sb]]
        shown = np.where(nm.astype(bool), nm, sids[school_of[sb]]).astype(str).astype(object)  # `name or id`
    else:
        shown = sb.astype(str).astype(object)
    cols = []
    for r in range(MAX_LISTED):  # the r-th listed unit of each row's group
        ok = has & (lo + r < hi)
        part = np.full(m, None, dtype=object)
        part[ok] = shown[lo[ok] + r]
        cols.append(pa.array(part, type=_T))
    listed = _join_skip(cols, msg(lang, "sep.list"))
    count = hi - lo
    more = np.full(m, "", dtype=object)
    big = count > MAX_LISTED
    if big.any():
        codes, uniq = pd.factorize(count[big])
        more[big] = np.array([msg(lang, "reason.more", n=int(u)) for u in uniq] + [None], dtype=object)[:-1][codes]
    text = pc.binary_join_element_wise(pa.scalar(msg(lang, "colon", x=what), _T), listed, pa.array(more, type=_T),
                                       pa.scalar("", _T))
    return pc.if_else(pa.array(has), text, pa.nulls(m, _T))


def not_evaluable_reasons(ev, res, rows, invalid: dict, lang: str, whys: list) -> pa.Array:  # noqa: C901
    """The reason of every not_evaluable row (rows), as the per-row code gives it, column-wise."""
    rule = res.rule
    space = res.space
    rows = np.asarray(rows)
    m = len(rows)
    fields = sorted(ev.c.inputs.get(rule.id, set()))
    parts: list = []
    checked, n_missing = 0, np.zeros(m, dtype=np.int64)
    # 0. an aggregate over an empty set
    for flags, key in ((res.empty_group, "no_units"), (res.empty_selection, "no_selected_units")):
        if flags is not None and flags.any():
            f = flags[rows]
            if f.any():
                parts.append(_col(m, f, msg(lang, key)))
    # 1. inputs of this row that are missing or invalid
    for f in fields:
        sym = ev.t.get(f)
        if sym is None:
            continue
        if sym.level not in USABLE[space] or (sym.needs_stage and space not in ("stage", "county_stage")):
            continue
        miss = np.asarray(pd.isna(ev.field_array(f, space))[rows], dtype=bool)
        checked += 1
        n_missing += miss
        j = np.flatnonzero(miss)
        if len(j):
            parts.append(_col(m, j, field_problem_texts(ev, sym, space, rows[j], invalid, lang)))
    # 2. applicability unknown
    if rule.applies_when is not None:
        a = ev.node_values(rule.applies_when.node, space)
        u = np.isnan(a[rows])
        if u.any():
            parts.append(_col(m, u, msg(lang, "applies_unknown", cond=rule.applies_when.text.strip())))
    # 3. rules it depends on
    for rid in sorted(ev.c.deps[rule.id].rules):
        r = ev.results[rid]
        if r.space in USABLE[space]:
            o = ev.broadcast(r.outcome, r.space, space)[rows]
            u = o == NOT_EVALUABLE
            if u.any():
                parts.append(_col(m, u, msg(lang, "dep_unknown", rules=rid)))
        else:
            p = units_with_part(ev, r.outcome == NOT_EVALUABLE, r.space, space, rows, lang,
                                msg(lang, "reason.rule_unknown", rule=r.rule.id))
            if p is not None:
                parts.append(p)
    # 4. finer-level fields read through an aggregate
    for f in fields:
        sym = ev.t.get(f)
        if sym is None or sym.level in USABLE[space]:
            continue
        arr = ev.field_array(f, sym.level if sym.level != "const" else space)
        p = units_with_part(ev, pd.isna(arr), sym.level, space, rows, lang,
                            msg(lang, "reason.missing", name=_label(ev, f, lang)))
        if p is not None:
            parts.append(p)
    # 5. unknown("why") of the standard, not on a row whose every input is missing
    if whys:
        w = (n_missing < checked) if checked else np.ones(m, dtype=bool)
        if w.any():
            parts.extend(_col(m, w, t) for t in whys)
    # the parts of each row without repeats (the first kept), joined
    for k in range(1, len(parts)):
        dup = None
        for earlier in range(k):
            eq = pc.fill_null(pc.equal(parts[k], parts[earlier]), False)
            dup = eq if dup is None else pc.or_(dup, eq)
        parts[k] = pc.if_else(dup, pa.nulls(m, _T), parts[k])
    if parts:
        out = _join_skip(parts, msg(lang, "sep.clause"))
        empty = np.asarray(pc.equal(out, "").to_numpy(zero_copy_only=False), dtype=bool)
    else:
        out = pa.array(np.full(m, "", dtype=object), type=_T)
        empty = np.ones(m, dtype=bool)
    if empty.any():
        no_value = out_of_force_text(ev.std, res.rule, ev.as_of, lang)  # a parameter with no version on the date
        if no_value:
            out = pc.if_else(pa.array(empty), pa.scalar(no_value, _T), out)
        else:
            out = _fill_invalid_result(ev, out, rows, np.flatnonzero(empty), fields, space, lang)
    return out


def column_text(ev, col, lang: str) -> str:
    """A record column in a Chinese reason: its catalogue label with the id in brackets
    (``通过县域义务教育基本均衡发展国家认定的年份（basic_balance_certified_year）``); in English, the id."""
    if lang != "zh" or not isinstance(col, str):
        return col
    labels = ev.cache.get("column_labels")
    if labels is None:
        cat = load_catalogue().with_extra(getattr(ev.std, "extra_fields", None) or {})
        labels = {c.id: c.label for table in ("school", "county") for c in cat.columns(table)}
        ev.cache["column_labels"] = labels
    label = labels.get(col)
    return f"{label}（{col}）" if label and label != col else col


def _label(ev, name, lang):
    sym = ev.t.get(name)
    fd = getattr(sym, "obj", None) if sym else None
    if sym and sym.kind == "field" and lang == "zh":
        return f"{fd.label or (list(fd.labels.values())[0] if fd.labels else name)}（{name}）" \
            if not fd.per_stage else f"{name}"
    return name


def _conv(v):
    try:
        return float(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def _fill_invalid_result(ev, out, rows, e, fields, space, lang):
    """Rows with no named cause: '结果无效（输入：a=1、b=—）' from the values of their first six inputs."""
    k = len(e)
    vals = np.full(k, "", dtype=object)
    for f in fields[:6]:
        sym = ev.t.get(f)
        if not (sym and sym.level in USABLE[space]):
            continue
        if sym.needs_stage and space not in ("stage", "county_stage"):
            shown = np.full(k, fmt_num(None), dtype=object)
        else:
            try:
                raw = np.asarray(ev.field_array(f, space), dtype=object)[rows[e]]
            except (TypeError, ValueError, IndexError):
                raw = np.full(k, None, dtype=object)
            codes, uniq = pd.factorize(raw, use_na_sentinel=False)
            shown = np.array([fmt_num(_conv(u)) for u in uniq] + [None], dtype=object)[:-1][codes]
        piece = f + "=" + shown
        vals = np.where(vals == "", piece, vals + msg(lang, "sep.list") + piece)
    pre, post = msg(lang, "invalid_result", inputs="\0").split("\0")
    fill = pre + np.where(vals == "", "—", vals).astype(object) + post
    pos = np.arange(len(out))
    pos[e] = len(out) + np.arange(k)
    return pa.concat_arrays([out, pa.array(fill, type=_T)]).take(pa.array(pos))
