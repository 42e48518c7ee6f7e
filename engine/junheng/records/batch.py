"""Problems and invalid cells recorded column-wise: many rows of one column at once (issue 18).

``RecordSet.where`` locates one cell through pandas ``.iloc`` (about 1 ms a problem); a messy national file
has hundreds of thousands of problems. Here the places (file, sheet, row, cell, header, original text)
of all the rows of one column are found with numpy takes per file segment, the offending cells are set
missing with one assignment per column, and the problems are appended in the order the per-cell code
appends them (``tests/records/test_batch.py`` compares both on messy files), as column chunks of the
record set's ``ProblemTable`` (no object per problem).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from junheng.i18n import Bi, Msg
from junheng.records.cells import locate_many, once_per, row_arrays
from junheng.records.problems import FIELDS, full, make_chunk, strs
from junheng.records.recordset import RecordSet


_ORIGINS: dict = {}  # id(origin frame) -> (weak reference, file, sheet, row arrays): converted once per frame


def _origin_arrays(origin: pd.DataFrame) -> tuple:
    return once_per(_ORIGINS, origin, lambda o: (o["file"].to_numpy(dtype=object), o["sheet"].to_numpy(dtype=object),
                                                 o["row"].to_numpy().astype(np.int64)))


def _origin_cols(rs: RecordSet, idx: np.ndarray):
    file, sheet, row = _origin_arrays(rs.origin)
    return file[idx], sheet[idx], row[idx]


def _texts(raw, header, k: np.ndarray) -> np.ndarray:
    """``str`` of raw's cells k under header, as objects (an arrow column without blanks: taken in C)."""
    col = raw.frame[header]
    a = getattr(col.array, "_pa_array", None)
    if a is not None and not a.null_count:
        return np.asarray(a.take(k).to_numpy(zero_copy_only=False), dtype=object)
    return col.iloc[k].to_numpy(dtype=object).astype(str).astype(object)


def where_many(rs: RecordSet, col: str, idx) -> tuple:
    """``RecordSet.where(col, i)`` for every i of idx: arrays (file, sheet, row, cell, header, text)."""
    idx = np.asarray(idx, dtype=np.int64)
    n = len(idx)
    file, sheet, row = _origin_cols(rs, idx)
    cell = full(n, "")
    header = full(n, col)
    text = full(n, "")
    if rs.src is None or not rs.segments or not n:
        return file, sheet, row, cell, header, text
    j = np.asarray(rs.src, dtype=np.int64)[idx]
    starts = np.array([seg[0] for seg in rs.segments], dtype=np.int64)
    seg_of = np.searchsorted(starts, j, side="right") - 1
    over = {jj: h for (c, jj), h in rs.override.items() if c == col} if rs.override else {}
    for s in np.unique(seg_of):
        start, raw, headers = rs.segments[s]
        m = np.flatnonzero(seg_of == s)
        if over:
            hdr = np.full(len(m), headers.get(col), dtype=object)
            o = np.array([over.get(int(x)) for x in j[m]], dtype=object)  # rare: a key given twice
            hdr = np.where(pd.notna(o) & (o != ""), o, hdr)
            groups = [(h, m[hdr == h]) for h in pd.unique(hdr[pd.notna(hdr)])]
        else:  # one header for the whole segment
            groups = [(headers[col], m)] if headers.get(col) is not None else []
        for h, mm in groups:
            k = j[mm] - start
            r, c = locate_many(raw, h, k)
            sheet[mm] = row_arrays(raw)[0][k]
            row[mm] = r
            cell[mm] = c
            header[mm] = raw.label(h)
            if h in raw.frame.columns:
                text[mm] = _texts(raw, h, k)
    return file, sheet, row, cell, header, text


def problems_for(rs: RecordSet, col: str, idx, rule: str, messages, action="cell ignored", values=None) -> dict:
    """The problems ``validate._problem`` makes for rows idx of column col (same fields, same order), as a
    column chunk for ``ProblemTable.add_chunk``."""
    idx = np.asarray(idx, dtype=np.int64)
    f, sh, row, cell, header, text = where_many(rs, col, idx)
    v = text if values is None else (strs(values) if isinstance(values, np.ndarray) else
                                     np.full(len(idx), "" if values is None else str(values), dtype=object))
    msgs = messages if isinstance(messages, np.ndarray) else full(len(idx), messages)
    src = np.asarray(rs.src, dtype=np.int64) if rs.src is not None else np.empty(0, dtype=np.int64)
    srcs = np.where(idx < len(src), src[np.minimum(idx, max(len(src) - 1, 0))] if len(src) else -1, -1)
    return make_chunk(len(idx), dict(file=f, sheet=sh, row=row, column=header, value=v, rule=rule, message=msgs,
                                 action=action, field=col, cell=cell, src=srcs), rs.book)


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
    batches: [(idx array, column chunk)] in column order."""
    if not batches:
        return
    rows = np.concatenate([b[0] for b in batches])
    part = np.concatenate([np.full(len(b[0]), k) for k, b in enumerate(batches)])
    order = np.lexsort((part, rows))
    merged: dict = {f: np.concatenate([b[1][f] for b in batches])[order] for f in FIELDS}
    merged["book"] = rs.book
    rs.problems.add_chunk(merged)


def check_subset(rs: RecordSet, rule: str, vals: list, whole_cols: list, whole: np.ndarray, desc: str,
                 bad: np.ndarray, total: np.ndarray) -> None:
    """The problems and invalid cells of ``validate._check_subset``, column by column."""
    idx = np.flatnonzero(bad)
    if not len(idx):
        return
    parts = []
    for _, v in vals:  # "+".join of the present parts: arrow joins the columns, a missing part skipped
        x = v[idx]
        parts.append(pa.array(fmt_g(x), type=pa.string(), mask=np.isnan(x)))
    joined = pc.binary_join_element_wise(*parts, "+", null_handling="skip")
    msg = pc.binary_join_element_wise(f"{desc}：", joined, " = ", pa.array(fmt_g(total[idx]), type=pa.string()),
                                      f" > {'+'.join(whole_cols)} = ", pa.array(fmt_g(whole[idx]), type=pa.string()),
                                      f" / {rule}", "")
    msg = np.asarray(msg.to_numpy(zero_copy_only=False), dtype=object)
    batches, first = [], []
    for k, (p, v) in enumerate(vals):
        m = ~np.isnan(v[idx])
        if m.any():
            batches.append((idx[m], problems_for(rs, p, idx[m], rule, msg[m])))
            first.append((int(idx[m][0]), k, p, idx[m], msg[m]))
    _append_in_row_order(rs, batches)
    for _, _, p, i, m in sorted(first):  # invalid dicts created in the order the per-cell loop creates them
        invalidate_many(rs, p, i, m)


BOTH_STAGES = ("九年一贯制", "十二年一贯制")
OWN_STAGE = {"小学": "primary", "教学点": "primary", "初中": "junior", "完全中学": "junior"}
STAGE_KEYS = {"primary": "stage.primary", "junior": "stage.junior"}


def _msgs_by(make, *keys: np.ndarray) -> np.ndarray:
    """make(*key) for every row of the key columns, called once per distinct key."""
    n = len(keys[0])
    if not n:
        return np.empty(0, dtype=object)
    frame = pd.DataFrame({k: v for k, v in enumerate(keys)})
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(frame))
    made = [make(*u) for u in uniq]
    return np.array(made + [None], dtype=object)[:-1][codes]


def check_stages(rs: RecordSet, sp: np.ndarray, sj: np.ndarray) -> None:
    """``validate.check_stages`` column-wise: a nine- or twelve-year school without primary or junior
    enrolment (cell missing), a single-stage school with enrolment of the other compulsory stage (cell
    invalid); problems in the per-school order, invalid cells in the order the per-school loop sets them."""
    f = rs.frame
    n = len(f)
    types = f["school_type"].to_numpy(dtype=object) if "school_type" in f else np.full(n, None, dtype=object)
    both = pd.Series(types).isin(BOTH_STAGES).to_numpy()
    batches, marks = [], []  # marks: (column, rows, messages, set the value missing)
    for s, v in (("primary", sp), ("junior", sj)):
        had = rs.invalid.get(f"students_{s}", {})
        known = np.zeros(n, dtype=bool)
        if had:
            keys = np.fromiter(had, dtype=np.int64, count=len(had))
            known[keys[(keys >= 0) & (keys < n)]] = True
        idx = np.flatnonzero(both & np.isnan(v) & ~known)
        stage = Msg(STAGE_KEYS[s])
        msg = _msgs_by(lambda t, st=stage: Bi("rec.both_stages", type=t, stage=st), types[idx])
        batches.append((idx, problems_for(rs, f"students_{s}", idx, Msg("rec.rule_both_stages"), msg,
                                          "cell missing")))
        marks.append((f"students_{s}", idx, msg, False))
    own = pd.Series(types).map(OWN_STAGE).to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        bad = {"junior": (own == "primary") & (sj > 0), "primary": (own == "junior") & (sp > 0)}
    for other, v in (("junior", sj), ("primary", sp)):
        idx = np.flatnonzero(bad[other])
        stage = Msg(STAGE_KEYS[other])
        msg = _msgs_by(lambda t, x, st=stage, o=other: Bi("rec.type_stage", type=t, stage=st, n=f"{x:g}", other=o),
                       types[idx], v[idx])
        batches.append((idx, problems_for(rs, f"students_{other}", idx, Msg("rec.rule_type_stage"), msg)))
        marks.append((f"students_{other}", idx, msg, True))
    _append_in_row_order(rs, batches)  # a school has one type: the own-type parts never share a row
    _mark_in_row_order(rs, marks)


def _mark_in_row_order(rs: RecordSet, marks: list) -> None:
    """Invalid cells of several parts set as a loop over rows (then parts) sets them: dict keys created in
    the order of their first row, each column's entries in row order."""
    by_col: dict = {}
    for k, (col, idx, msg, blank) in enumerate(marks):
        by_col.setdefault(col, []).append((idx, msg, k, blank))
    firsts = []
    for col, parts in by_col.items():
        rows = np.concatenate([p[0] for p in parts])
        if not len(rows):
            continue
        part = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
        msgs = np.concatenate([p[1] for p in parts])
        blank = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
        order = np.lexsort((part, rows))
        firsts.append((int(rows[order[0]]), int(part[order[0]]), col, rows[order], msgs[order], blank[order]))
    for _, _, col, rows, msgs, blank in sorted(firsts, key=lambda x: x[:2]):
        rs.invalid.setdefault(col, {}).update(zip(rows.tolist(), msgs.tolist()))
        if col in rs.frame.columns and blank.any():
            rs.frame.loc[rows[blank], col] = np.nan


def check_required(rs: RecordSet, cid: str, label: str, missing: np.ndarray) -> None:
    idx = np.flatnonzero(missing)
    rs.problems.add_chunk(problems_for(rs, cid, idx, Msg("rec.rule_required", field=cid),
                                       Bi("rec.required", label=label), "cell missing"))


def check_class_bands(rs: RecordSet, band_cols: list, bad: np.ndarray, bands: np.ndarray, whole: np.ndarray) -> None:
    idx = np.flatnonzero(bad)
    if not len(idx):
        return
    msg = "各班额分段的班级数之和 " + fmt_g(bands[idx]) + " 与班级总数 " + fmt_g(whole[idx]) \
        + " 不相等，班额分段按缺失处理 / the class-size bands do not add up to the classes"
    rs.problems.add_chunk(problems_for(rs, band_cols[0], idx, "班额分段之和", msg))
    for c in band_cols:
        invalidate_many(rs, c, idx, msg)
