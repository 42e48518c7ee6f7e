"""Cell-level reader problems located column-wise (issue 18): all the bad cells of one column at once.

Kept free of ``recordset`` imports (the problem class is passed in) so that ``recordset`` and
``batch`` can both use it without an import cycle.
"""
from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from junheng.i18n import Msg
from junheng.records.problems import strs


_ARRAYS: dict = {}  # id(raw) -> (weak reference, sheets, rows): the per-record lists as arrays, made once


def row_arrays(raw) -> tuple[np.ndarray, np.ndarray]:
    """(sheet, row) of every record of raw as object arrays (converted once per table, not per column)."""
    hit = _ARRAYS.get(id(raw))
    if hit is not None and hit[0]() is raw:
        return hit[1], hit[2]
    for k in [k for k, v in list(_ARRAYS.items()) if v[0]() is None]:  # tables no longer alive
        _ARRAYS.pop(k, None)  # (the workbench reads files on several threads)
    out = (np.asarray(raw.sheet, dtype=object), np.asarray(raw.row, dtype=object))
    _ARRAYS[id(raw)] = (weakref.ref(raw), *out)
    return out


def locate_many(raw, header, k: np.ndarray):
    """(rows, cells) of records k under header, as ``RawTable.locate`` gives them one by one."""
    k = np.asarray(k, dtype=np.int64)
    rows = row_arrays(raw)[1][k] if len(k) else np.empty(0, dtype=object)
    if raw.cells is not None:  # vertical forms: a few records, located as the reader found them
        out = [raw.locate(header, int(i)) for i in k]
        return np.array([r for r, _ in out] + [None], dtype=object)[:-1], \
            np.array([c for _, c in out] + [None], dtype=object)[:-1]
    if raw.columns and header in raw.columns:
        letter = str(raw.columns[header])
        return rows, np.char.add(letter, rows.astype(np.int64).astype(str)).astype(object)
    return rows, np.full(len(k), "", dtype=object)


def cell_problems_many(make, raw, header, shown_header: str, cid: str, s, probs, rule: str, problems,
                       invalid: dict) -> None:
    """What the reader's per-cell loop appends for the bad cells of one column (probs: message or NA per
    record), in record order: the problems as one column chunk of ``problems`` (a ``ProblemTable``; ``make``,
    the Problem class, is used when it is a list) and each cell's invalid-cell message, one catalogue Msg
    per distinct (value, message)."""
    idx = np.flatnonzero(probs.notna().to_numpy())
    if not len(idx):
        return
    rows, cells = locate_many(raw, header, idx)
    vals = s.iloc[idx].to_numpy(dtype=object)  # the bad cells only (an arrow column converts cell by cell)
    texts = strs(vals)
    pm = probs.to_numpy(dtype=object)[idx]
    mcodes, muniq = pd.factorize(pm)
    msgs = np.array([m if isinstance(m, str) else str(m) for m in muniq] + [None], dtype=object)[:-1][mcodes]
    sheets = row_arrays(raw)[0][idx]
    if isinstance(problems, list):
        problems.extend(make(raw.file, sh, r, shown_header, t, rule, m, "cell ignored", cid, c, i)
                        for sh, r, t, m, c, i in zip(sheets, rows, texts, msgs, cells, idx.tolist()))
    else:
        problems.add(len(idx), file=raw.file, sheet=sheets, row=np.asarray(rows, dtype=np.int64), column=shown_header,
                     value=texts, rule=rule, message=msgs, action="cell ignored", field=cid, cell=cells, src=idx)
    tcodes, tuniq = pd.factorize(texts)
    pair, first = np.unique(tcodes.astype(np.int64) * max(len(muniq), 1) + mcodes, return_index=True)
    at = np.searchsorted(pair, tcodes.astype(np.int64) * max(len(muniq), 1) + mcodes)
    made = np.array([Msg("rec.invalid_cell", value=vals[f], problem=msgs[f]) for f in first.tolist()] + [None],
                    dtype=object)[:-1]
    invalid.setdefault(cid, {}).update(zip(idx.tolist(), made[at].tolist()))
