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
    """The non-null parts of each row joined by sep ("" when none), in one arrow call. (pyarrow's
    binary_join_element_wise(null_handling="skip") drops the rows whose parts are all null, pyarrow
    26: those rows are left out of the call and put back as "".)"""
    n = len(parts[0])
    valid = np.zeros(n, dtype=bool)
    for p in parts:
        if p.null_count < len(p):
            valid |= np.asarray(p.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if not valid.any():
        return pa.array(np.full(n, "", dtype=object), type=_T)
    live = [p for p in parts if p.null_count < len(p)]
    if valid.all():
        return pc.binary_join_element_wise(*live, pa.scalar(sep, _T), null_handling="skip")
    sel = np.flatnonzero(valid)
    at = pa.array(sel)
    joined = pc.binary_join_element_wise(*[p.take(at) for p in live], pa.scalar(sep, _T), null_handling="skip")
    pos = np.full(n, len(sel), dtype=np.int64)
    pos[sel] = np.arange(len(sel))
    return pa.concat_arrays([joined.cast(_T), pa.array([""], type=_T)]).take(pa.array(pos))


class _Parts:
    """The reason parts of m rows as integer codes (-1: the part does not apply to the row) into a text
    list per part. Repeats are found and the distinct combinations joined with integer work; texts are
    built once per distinct value, never per row (a national partial file: 3.8 million not_evaluable rows,
    a few thousand distinct reasons)."""

    def __init__(self, m: int):
        self.m = m
        self.codes: list = []
        self.texts: list = []

    def const(self, where, text: str) -> None:
        """One text at positions where (a bool mask or indices)."""
        c = np.full(self.m, -1, dtype=np.int64)
        c[where] = 0
        self.codes.append(c)
        self.texts.append(np.array([text], dtype=object))

    def coded(self, codes: np.ndarray, texts: np.ndarray) -> None:
        """codes (length m, -1 where the part does not apply) into texts."""
        self.codes.append(np.asarray(codes, dtype=np.int64))
        self.texts.append(np.asarray(texts, dtype=object))

    def joined(self, sep: str) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """(texts, the text of each row, whether a row has no part): the parts of each row without repeats
        (the first kept) joined by sep, "" when none — one text per distinct combination of parts."""
        m = self.m
        if not self.codes:
            return pa.array([""], type=_T), np.zeros(m, dtype=np.int64), np.ones(m, dtype=bool)
        texts, at = [], [0]
        for c, t in zip(self.codes, self.texts):  # only the texts some row uses go into the dictionary
            used = np.zeros(len(t), dtype=bool)
            used[c[c >= 0]] = True
            texts.append(np.where(used, t, None))
            at.append(at[-1] + len(t))
        gid, gtexts = pd.factorize(np.concatenate(texts))  # one id per distinct text of any part
        g = [np.where(c >= 0, gid[np.maximum(c, 0) + at[k]], -1) for k, c in enumerate(self.codes)]
        for k in range(1, len(g)):  # dict.fromkeys: a text already given by an earlier part is dropped
            dup = np.zeros(m, dtype=bool)
            for e in range(k):
                dup |= g[k] == g[e]
            g[k] = np.where(dup, -1, g[k])
        empty = np.logical_and.reduce([x < 0 for x in g])
        codes, _ = pd.factorize(_signature([np.where(x < 0, -1, c) for x, c in zip(g, self.codes)],
                                           [len(t) for t in self.texts]))
        # factorize numbers combinations in order of first appearance: a row is the first of its
        # combination where its code exceeds every earlier one
        first = np.flatnonzero(codes > np.maximum.accumulate(np.concatenate([[-1], codes[:-1]])))
        texts_pa = pa.array(np.asarray(gtexts, dtype=object), type=_T)
        cols = [texts_pa.take(pa.array(x[first], mask=x[first] < 0)) for x in g]
        return _join_skip(cols, sep), codes, empty


def _signature(codes: list, sizes: list) -> np.ndarray:
    """One int64 per row, equal for rows whose part codes are all equal (mixed radix over the codes,
    -1 included; renumbered with factorize before it could overflow)."""
    sig = np.zeros(len(codes[0]), dtype=np.int64)
    size = 1
    for c, n in zip(codes, sizes):
        if size * (n + 1) >= 1 << 62:
            sig, u = pd.factorize(sig)
            size = len(u)
        sig = sig * (n + 1) + (c + 1)
        size *= n + 1
    return sig


def _invalid_table(ev, invalid: dict, col: str, lang: str):
    """(sorted record indices, text code of each, texts) of a column's invalid cells, the texts of
    ``_field_problem`` ('<col> 无效：<why>') one per distinct why; built once per column and language."""
    d = invalid.get(col)
    if not d:
        return None
    cache = ev.cache.setdefault("invalid_tables", {})
    hit = cache.get((col, lang))
    if hit is not None and hit[0] is d and hit[1] == len(d):
        return hit[2]
    keys = np.fromiter(d.keys(), dtype=np.int64, count=len(d))
    codes, uniq = pd.factorize(np.array(list(d.values()) + [None], dtype=object)[:-1])
    order = np.argsort(keys, kind="stable")
    table = (keys[order], codes[order], _invalid_texts(lang, col, np.asarray(uniq, dtype=object)))
    cache[(col, lang)] = (d, len(d), table)
    return table


def _invalid_texts(lang: str, col: str, whys: np.ndarray) -> np.ndarray:
    """``msg(lang, "reason.invalid_field", col=col, why=w)`` of every w. In Chinese a why (a catalogue Msg or a
    text) is its str, so the text is one concatenation per why (numpy's C loop: a messy national file has
    hundreds of thousands of distinct invalid cells); in English each Msg is rendered in English."""
    if lang != "en" and pd.api.types.infer_dtype(whys, skipna=False) == "string":
        pre, post = msg(lang, "reason.invalid_field", col=col, why="\0").split("\0")
        return np.add(np.add(pre, whys.astype(str).astype(object)), post)
    return np.array([msg(lang, "reason.invalid_field", col=col, why=w) for w in whys] + [None], dtype=object)[:-1]


def _school_type_codes(ev):
    """(code of every school's type, the distinct types), once per evaluator."""
    hit = ev.cache.get("school_type_codes")
    if hit is None:
        hit = pd.factorize(ev.sp.schools["school_type"].to_numpy(dtype=object), use_na_sentinel=False)
        ev.cache["school_type_codes"] = hit
    return hit


def _candidates(ev, sym, space, rws: np.ndarray):
    """The record columns ``_field_problem`` looks at for each row of rws, in its order: a list of (column
    code of each row (-1: none), column names, record index of each row or None), and the column whose
    name a missing value is reported under ((codes, names), or None: the field's own name)."""
    sp = ev.sp
    fd = sym.obj
    k = len(rws)
    cands: list = []
    first = None
    if space == "stage" and sym.kind == "field" and fd.table == "school":
        school = sp.u_school[rws]
        if fd.per_stage or fd.split:
            first = (sp.u_stage[rws].astype(np.int64), [f"{fd.id}_{s}" for s in sp.stages])
            cands.append((*first, school))
        if fd.split:
            cands.append((np.zeros(k, dtype=np.int64), [fd.id], school))
            tcode, types = _school_type_codes(ev)
            lists = [list(ev.std.school_types.get(t, [])) for t in types]
            for p in range(max((len(x) for x in lists), default=0)):
                names = sorted({"students_" + x[p] for x in lists if p < len(x)})
                at_p = np.array([names.index("students_" + x[p]) if p < len(x) else -1 for x in lists] + [-1],
                                dtype=np.int64)
                cands.append((at_p[tcode[school]], names, school))
        if first is None:
            first = (np.zeros(k, dtype=np.int64), [fd.id])
            cands.append((*first, school))
    elif sym.kind == "field" and fd.table == "school":
        first = (np.zeros(k, dtype=np.int64), [fd.id])
        cands.append((*first, rws if space == "school" else None))
    return cands, first


def field_problem_codes(ev, sym, space, rws: np.ndarray, invalid: dict, lang: str):
    """``reasons._field_problem`` for every row of rws as (code of each row, texts): '<col> 缺失' or
    '<col> 无效：<why>'. Integer work per row; each text built once."""
    fd = sym.obj
    k = len(rws)
    cands, first = _candidates(ev, sym, space, rws)
    key = "reason.missing_split" if fd is not None and getattr(fd, "split", False) and space == "stage" \
        else "reason.missing"
    name_codes, names = first if first is not None else (np.zeros(k, dtype=np.int64), [sym.name])
    texts = [np.array([msg(lang, key, name=column_text(ev, u, lang)) for u in names] + [None], dtype=object)[:-1]]
    size = len(names)
    found = np.full(k, -1, dtype=np.int64)
    offset: dict = {}
    for codes, cols, recs in cands:
        if recs is None:
            continue
        recs = np.asarray(recs, dtype=np.int64)
        for c, col in enumerate(cols):
            table = _invalid_table(ev, invalid, col, lang)
            if table is None:
                continue
            m = np.flatnonzero((codes == c) & (found < 0))
            if not len(m):
                continue
            keys, why, col_texts = table
            pos = np.minimum(np.searchsorted(keys, recs[m]), len(keys) - 1)
            hit = keys[pos] == recs[m]
            if not hit.any():
                continue
            if col not in offset:
                offset[col] = size
                texts.append(col_texts)
                size += len(col_texts)
            found[m[hit]] = offset[col] + why[pos[hit]]
    return np.where(found >= 0, found, name_codes), np.concatenate(texts)


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


def units_with_codes(ev, mask, src, space, rows, lang, what):
    """``reasons._units_with`` as one part: for each row, '<what>：name1、name2… 等 N 个' (the first
    MAX_LISTED units of its group, in unit order), as (code of each row, -1 where its group has none;
    one text per distinct group), or None when no row has one."""
    sp = ev.sp
    groups = unit_groups(ev, src, space, rows)
    if groups is None:
        return None
    g, target = groups
    bad = np.flatnonzero(mask)
    if not len(bad):
        return None
    gb = g[bad]
    order = np.argsort(gb, kind="stable")
    sb, sg = bad[order], gb[order]
    ut, inv = np.unique(np.asarray(target), return_inverse=True)
    lo, hi = np.searchsorted(sg, ut, "left"), np.searchsorted(sg, ut, "right")
    has = hi > lo
    if not has.any():
        return None
    lo, hi = lo[has], hi[has]
    nu = len(lo)
    sids = sp.schools["school_id"].to_numpy(dtype=object)
    names = sp.schools["school_name"].to_numpy(dtype=object) if "school_name" in sp.schools else sids
    school_of = sp.u_school if src == "stage" else (np.arange(len(sids)) if src == "school" else None)
    cols = []
    for r in range(MAX_LISTED):  # the r-th listed unit of each group
        ok = lo + r < hi
        units = sb[lo[ok] + r]
        if school_of is not None:
            nm = names[school_of[units]]
            shown = np.where(nm.astype(bool), nm, sids[school_of[units]]).astype(str).astype(object)  # name or id
        else:
            shown = units.astype(str).astype(object)
        part = np.full(nu, None, dtype=object)
        part[ok] = shown
        cols.append(pa.array(part, type=_T))
    listed = _join_skip(cols, msg(lang, "sep.list"))
    count = hi - lo
    more = np.full(nu, "", dtype=object)
    big = count > MAX_LISTED
    if big.any():
        codes, uniq = pd.factorize(count[big])
        more[big] = np.array([msg(lang, "reason.more", n=int(u)) for u in uniq] + [None], dtype=object)[:-1][codes]
    text = pc.binary_join_element_wise(pa.scalar(msg(lang, "colon", x=what), _T), listed, pa.array(more, type=_T),
                                       pa.scalar("", _T))
    code_of = np.full(len(ut), -1, dtype=np.int64)
    code_of[has] = np.arange(nu)
    return code_of[inv.reshape(-1)], np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)


def not_evaluable_reasons(ev, res, rows, invalid: dict, lang: str, whys: list) -> tuple[pa.Array, np.ndarray]:
    """The reason of every not_evaluable row (rows), as the per-row code gives it, column-wise: (distinct
    texts, the text of each row) — most rows share their reason with many others."""
    rows = np.asarray(rows)
    parts = _Parts(len(rows))
    fields = sorted(ev.c.inputs.get(res.rule.id, set()))
    _empty_group_parts(res, rows, parts, lang)
    checked, n_missing = _input_parts(ev, res, rows, fields, invalid, parts, lang)
    _applies_part(ev, res, rows, parts, lang)
    _dependency_parts(ev, res, rows, parts, lang)
    _finer_field_parts(ev, res, rows, fields, parts, lang)
    if whys:  # unknown("why") of the standard, not on a row whose every input is missing
        w = (n_missing < checked) if checked else np.ones(len(rows), dtype=bool)
        if w.any():
            for text in whys:
                parts.const(w, text)
    texts, codes, empty = parts.joined(msg(lang, "sep.clause"))
    if empty.any():
        e = np.flatnonzero(empty)
        no_value = out_of_force_text(ev.std, res.rule, ev.as_of, lang)  # a parameter with no version on the date
        more = pa.array([no_value], type=_T) if no_value else _invalid_result_texts(ev, rows, e, fields, res.space,
                                                                                     lang)
        codes = codes.copy()
        codes[e] = len(texts) + (0 if no_value else np.arange(len(e)))
        texts = pa.concat_arrays([texts.cast(_T), more])
    return texts, codes


def _empty_group_parts(res, rows, parts: _Parts, lang: str) -> None:
    """0. an aggregate over an empty set."""
    for flags, key in ((res.empty_group, "no_units"), (res.empty_selection, "no_selected_units")):
        if flags is not None and flags.any():
            f = flags[rows]
            if f.any():
                parts.const(f, msg(lang, key))


def usable(sym, space: str) -> bool:
    """Whether a symbol's value can be read in space (its level usable there; a per-stage value only in a
    stage space)."""
    return sym.level in USABLE[space] and not (sym.needs_stage and space not in ("stage", "county_stage"))


def _input_parts(ev, res, rows, fields, invalid, parts: _Parts, lang: str):
    """1. inputs of this row that are missing or invalid; (inputs checked, missing inputs of each row)."""
    space = res.space
    checked, n_missing = 0, np.zeros(len(rows), dtype=np.int64)
    for f in fields:
        sym = ev.t.get(f)
        if sym is None or not usable(sym, space):
            continue
        miss = np.asarray(pd.isna(ev.field_array(f, space))[rows], dtype=bool)
        checked += 1
        n_missing += miss
        j = np.flatnonzero(miss)
        if len(j):
            codes, texts = field_problem_codes(ev, sym, space, rows[j], invalid, lang)
            full = np.full(len(rows), -1, dtype=np.int64)
            full[j] = codes
            parts.coded(full, texts)
    return checked, n_missing


def _applies_part(ev, res, rows, parts: _Parts, lang: str) -> None:
    """2. applicability unknown."""
    rule = res.rule
    if rule.applies_when is not None:
        a = ev.node_values(rule.applies_when.node, res.space)
        u = np.isnan(a[rows])
        if u.any():
            parts.const(u, msg(lang, "applies_unknown", cond=rule.applies_when.text.strip()))


def _dependency_parts(ev, res, rows, parts: _Parts, lang: str) -> None:
    """3. rules it depends on: at this level or coarser by id, at a finer level the units of the group."""
    space = res.space
    for rid in sorted(ev.c.deps[res.rule.id].rules):
        r = ev.results[rid]
        if r.space in USABLE[space]:
            u = ev.broadcast(r.outcome, r.space, space)[rows] == NOT_EVALUABLE
            if u.any():
                parts.const(u, msg(lang, "dep_unknown", rules=rid))
        else:
            p = units_with_codes(ev, r.outcome == NOT_EVALUABLE, r.space, space, rows, lang,
                                 msg(lang, "reason.rule_unknown", rule=r.rule.id))
            if p is not None:
                parts.coded(*p)


def _finer_field_parts(ev, res, rows, fields, parts: _Parts, lang: str) -> None:
    """4. finer-level fields read through an aggregate (e.g. weight = students)."""
    space = res.space
    for f in fields:
        sym = ev.t.get(f)
        if sym is None or sym.level in USABLE[space]:
            continue
        arr = ev.field_array(f, sym.level if sym.level != "const" else space)
        p = units_with_codes(ev, pd.isna(arr), sym.level, space, rows, lang,
                             msg(lang, "reason.missing", name=_label(ev, f, lang)))
        if p is not None:
            parts.coded(*p)


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


def _invalid_result_texts(ev, rows, e, fields, space, lang):
    """Rows e (of rows) with no named cause: '结果无效（输入：a=1、b=—）' from the values of their first six
    inputs, one text per row."""
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
    return pa.array(fill, type=_T)
