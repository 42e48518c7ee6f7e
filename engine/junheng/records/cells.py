"""Cell-level reader problems located column-wise (issue 18): all the bad cells of one column at once.

Kept free of ``recordset`` imports (the problem class is passed in) so that ``recordset`` and
``batch`` can both use it without an import cycle.
"""
from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pyarrow as pa

from junheng.i18n import Msg
from junheng.records.problems import strs


def once_per(cache: dict, obj, make) -> tuple:
    """``make(obj)`` (a tuple) kept in ``cache`` by ``id(obj)`` while obj lives: a per-table (or per-frame)
    conversion made once, not per column; entries of objects no longer alive are dropped."""
    hit = cache.get(id(obj))
    if hit is not None and hit[0]() is obj:
        return hit[1:]
    for k in [k for k, v in list(cache.items()) if v[0]() is None]:  # objects no longer alive
        cache.pop(k, None)  # (the workbench reads files on several threads)
    out = make(obj)
    cache[id(obj)] = (weakref.ref(obj), *out)
    return out


_ARRAYS: dict = {}  # id(raw) -> (weak reference, sheets, rows, row texts): the per-record lists as arrays, made once


def _make_arrays(raw) -> tuple:
    rows = np.asarray(raw.row, dtype=object)
    try:  # str of every row number, by arrow's cast (no Python string per row)
        texts = pa.array(np.asarray(raw.row, dtype=np.int64)).cast(pa.string()).to_numpy(zero_copy_only=False)
    except (TypeError, ValueError, pa.ArrowException):  # pragma: no cover - rows are whole numbers
        texts = np.array([str(r) for r in raw.row] + [None], dtype=object)[:-1]
    return np.asarray(raw.sheet, dtype=object), rows, np.asarray(texts, dtype=object)


def _arrays(raw) -> tuple:
    """(sheets, rows, row texts) of every record of raw, made once per table."""
    return once_per(_ARRAYS, raw, _make_arrays)


def row_arrays(raw) -> tuple[np.ndarray, np.ndarray]:
    """(sheet, row) of every record of raw as object arrays (converted once per table, not per column)."""
    hit = _arrays(raw)
    return hit[0], hit[1]


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
        return rows, letter + _arrays(raw)[2][k] if len(k) else np.empty(0, dtype=object)
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
    made = np.array([_invalid_cell(vals[f], msgs[f]) for f in first.tolist()] + [None], dtype=object)[:-1]
    invalid.setdefault(cid, {}).update(zip(idx.tolist(), made[at].tolist()))


_MADE: dict = {}  # (value, problem) -> its invalid-cell message: the same bad text recurs across columns
_MADE_MAX = 100_000


def _invalid_cell(value, problem) -> Msg:
    """``Msg("rec.invalid_cell", value=..., problem=...)``, made once per distinct (value, problem)."""
    try:
        key = (type(value), value, type(problem), getattr(problem, "key", None), str(problem))
        hit = _MADE.get(key)
    except TypeError:  # an unhashable value: made each time
        return Msg("rec.invalid_cell", value=value, problem=problem)
    if hit is None:
        if len(_MADE) >= _MADE_MAX:
            _MADE.clear()
        hit = _MADE[key] = Msg("rec.invalid_cell", value=value, problem=problem)
    return hit
