"""Problems and invalid cells recorded column-wise: many rows of one column at once (issue 18).

``RecordSet.where`` locates one cell through pandas ``.iloc`` (about 1 ms a problem); a messy national file
has hundreds of thousands of problems. Here the places (file, sheet, row, cell, header, original text)
of all the rows of one column are found with numpy takes per file segment, the offending cells are set
missing with one assignment per column, and the problems are appended in the order the per-cell code
appends them (``tests/records/test_batch.py`` compares both on messy files). The only per-problem Python
work left is building the ``Problem`` objects themselves (one constructor call each, from arrays).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng.i18n import Bi, Msg
from junheng.records.cells import locate_many
from junheng.records.recordset import Problem, RecordSet


def _origin_cols(rs: RecordSet, idx: np.ndarray):
    o = rs.origin
    return (o["file"].to_numpy(dtype=object)[idx], o["sheet"].to_numpy(dtype=object)[idx],
            o["row"].to_numpy()[idx].astype(np.int64))


def where_many(rs: RecordSet, col: str, idx) -> tuple:
    """``RecordSet.where(col, i)`` for every i of idx: arrays (file, sheet, row, cell, header, text)."""
    idx = np.asarray(idx, dtype=np.int64)
    n = len(idx)
    file, sheet, row = _origin_cols(rs, idx)
    row = row.astype(object)
    cell = np.full(n, "", dtype=object)
    header = np.full(n, col, dtype=object)
    text = np.full(n, "", dtype=object)
    if rs.src is None or not rs.segments or not n:
        return file, sheet, row, cell, header, text
    j = np.asarray(rs.src, dtype=np.int64)[idx]
    starts = np.array([seg[0] for seg in rs.segments], dtype=np.int64)
    seg_of = np.searchsorted(starts, j, side="right") - 1
    over = {jj: h for (c, jj), h in rs.override.items() if c == col} if rs.override else {}
    for s in np.unique(seg_of):
        start, raw, headers = rs.segments[s]
        m = np.flatnonzero(seg_of == s)
        hdr = np.full(len(m), headers.get(col), dtype=object)
        if over:
            o = np.array([over.get(int(x)) for x in j[m]], dtype=object)  # rare: a key given twice
            hdr = np.where(pd.notna(o) & (o != ""), o, hdr)
        for h in pd.unique(hdr[pd.notna(hdr)]):
            mm = m[hdr == h]
            k = j[mm] - start
            r, c = locate_many(raw, h, k)
            sheet[mm] = np.asarray(raw.sheet, dtype=object)[k]
            row[mm] = r
            cell[mm] = c
            header[mm] = raw.label(h)
            if h in raw.frame.columns:
                text[mm] = raw.frame[h].to_numpy(dtype=object)[k]
    row = np.array([int(x) for x in row], dtype=object) if n else row
    return file, sheet, row, cell, header, np.array([str(t) for t in text], dtype=object)


def problems_for(rs: RecordSet, col: str, idx, rule: str, messages, action="cell ignored", values=None) -> list:
    """The Problems ``validate._problem`` makes for rows idx of column col (same fields, same order)."""
    idx = np.asarray(idx, dtype=np.int64)
    if not len(idx):
        return []
    f, sh, row, cell, header, text = where_many(rs, col, idx)
    v = text if values is None else (values if isinstance(values, np.ndarray) else [values] * len(idx))
    msgs = messages if isinstance(messages, np.ndarray) else [messages] * len(idx)  # one text or catalogue Msg
    src = np.asarray(rs.src, dtype=np.int64) if rs.src is not None else np.empty(0, dtype=np.int64)
    srcs = np.where(idx < len(src), src[np.minimum(idx, max(len(src) - 1, 0))] if len(src) else -1, -1)
    return [Problem(a, b, c, d, "" if e is None else str(e), rule, m, action, col, g, int(s), rs.book)
            for a, b, c, d, e, m, g, s in zip(f, sh, row, header, v, msgs, cell, srcs)]


def invalidate_many(rs: RecordSet, col: str, idx, messages) -> None:
    """``validate._invalidate`` for rows idx of column col: one dict update and one assignment."""
    idx = np.asarray(idx, dtype=np.int64)
    if not len(idx):
        return
    msgs = messages.tolist() if isinstance(messages, np.ndarray) else [messages] * len(idx)
    rs.invalid.setdefault(col, {}).update(zip(idx.tolist(), msgs))
    if col in rs.frame.columns:
        rs.frame.loc[idx, col] = np.nan


def fmt_g(values: np.ndarray) -> np.ndarray:
    """f"{v:g}" of every value, each distinct value formatted once."""
    values = np.asarray(values, dtype="float64")
    if not len(values):
        return np.empty(0, dtype=object)
    uniq, inv = np.unique(values, return_inverse=True)
    return np.array([f"{u:g}" for u in uniq], dtype=object)[inv.reshape(-1)]


def _append_in_row_order(rs: RecordSet, batches: list) -> None:
    """Append problems of several columns as the per-cell loop does: by row, then by column order.
    batches: [(idx array, problems list)] in column order."""
    if not batches:
        return
    rows = np.concatenate([b[0] for b in batches])
    part = np.concatenate([np.full(len(b[0]), k) for k, b in enumerate(batches)])
    probs = [p for b in batches for p in b[1]]
    order = np.lexsort((part, rows))
    rs.problems.extend(probs[i] for i in order)


def check_subset(rs: RecordSet, rule: str, vals: list, whole_cols: list, whole: np.ndarray, desc: str,
                 bad: np.ndarray, total: np.ndarray) -> None:
    """The problems and invalid cells of ``validate._check_subset``, column by column."""
    idx = np.flatnonzero(bad)
    if not len(idx):
        return
    joined = np.full(len(idx), "", dtype=object)
    for _, v in vals:  # "+".join of the present parts
        x = v[idx]
        has = ~np.isnan(x)
        g = fmt_g(x)
        joined = np.where(has, np.where(joined == "", g, joined + "+" + g), joined)
    msg = f"{desc}：" + joined + " = " + fmt_g(total[idx]) + f" > {'+'.join(whole_cols)} = " + fmt_g(whole[idx]) \
        + f" / {rule}"
    batches, first = [], []
    for k, (p, v) in enumerate(vals):
        m = ~np.isnan(v[idx])
        if m.any():
            batches.append((idx[m], problems_for(rs, p, idx[m], rule, msg[m])))
            first.append((int(idx[m][0]), k, p, idx[m], msg[m]))
    _append_in_row_order(rs, batches)
    for _, _, p, i, m in sorted(first):  # invalid dicts created in the order the per-cell loop creates them
        invalidate_many(rs, p, i, m)


def check_required(rs: RecordSet, cid: str, label: str, missing: np.ndarray) -> None:
    idx = np.flatnonzero(missing)
    rs.problems.extend(problems_for(rs, cid, idx, Msg("rec.rule_required", field=cid), Bi("rec.required", label=label),
                                    "cell missing"))


def check_class_bands(rs: RecordSet, band_cols: list, bad: np.ndarray, bands: np.ndarray, whole: np.ndarray) -> None:
    idx = np.flatnonzero(bad)
    if not len(idx):
        return
    msg = "各班额分段的班级数之和 " + fmt_g(bands[idx]) + " 与班级总数 " + fmt_g(whole[idx]) \
        + " 不相等，班额分段按缺失处理 / the class-size bands do not add up to the classes"
    rs.problems.extend(problems_for(rs, band_cols[0], idx, "班额分段之和", msg))
    for c in band_cols:
        invalidate_many(rs, c, idx, msg)
