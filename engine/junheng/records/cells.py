"""Cell-level reader problems located column-wise (issue 18): all the bad cells of one column at once.

Kept free of ``recordset`` imports (the problem class is passed in) so that ``recordset`` and
``batch`` can both use it without an import cycle.
"""
from __future__ import annotations

import numpy as np

from junheng.i18n import Msg


def locate_many(raw, header, k: np.ndarray):
    """(rows, cells) of records k under header, as ``RawTable.locate`` gives them one by one."""
    k = np.asarray(k, dtype=np.int64)
    rows = np.asarray(raw.row, dtype=object)[k] if len(k) else np.empty(0, dtype=object)
    if raw.cells is not None:  # vertical forms: a few records, located as the reader found them
        out = [raw.locate(header, int(i)) for i in k]
        return np.array([r for r, _ in out] + [None], dtype=object)[:-1], \
            np.array([c for _, c in out] + [None], dtype=object)[:-1]
    if raw.columns and header in raw.columns:
        letter = str(raw.columns[header])
        return rows, np.array([letter + str(r) for r in rows], dtype=object)
    return rows, np.full(len(k), "", dtype=object)


def cell_problems_many(make, raw, header, shown_header: str, cid: str, s, probs, rule: str, problems: list,
                       invalid: dict) -> None:
    """What the reader's per-cell loop appends for the bad cells of one column (probs: message or NA per
    record), in record order: one ``make(...)`` problem per bad cell and its invalid-cell message."""
    idx = np.flatnonzero(probs.notna().to_numpy())
    if not len(idx):
        return
    rows, cells = locate_many(raw, header, idx)
    vals = s.to_numpy(dtype=object)[idx]
    texts = np.array([str(v) for v in vals] + [None], dtype=object)[:-1]
    msgs = np.array([m if isinstance(m, str) else str(m) for m in probs.to_numpy(dtype=object)[idx]] + [None],
                    dtype=object)[:-1]
    sheets = np.asarray(raw.sheet, dtype=object)[idx]
    ii = idx.tolist()
    problems.extend(make(raw.file, sh, r, shown_header, t, rule, m, "cell ignored", cid, c, i)
                    for sh, r, t, m, c, i in zip(sheets, rows, texts, msgs, cells, ii))
    invalid.setdefault(cid, {}).update(zip(ii, (Msg("rec.invalid_cell", value=v, problem=m)
                                                for v, m in zip(vals, msgs))))
