"""Rejected rows: a row that cannot be placed at all (no id, a duplicate id, a row the reader could not
read whole, a school whose county is not in the county table) leaves the frame and is listed in
``RecordSet.rejected`` with its reason and place, as a problem too. Rows read = evaluated + rejected.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from junheng.i18n import Bi, Msg
from junheng.records.recordset import KEY, Problem, RecordSet


def reject_unkeyed(rs: RecordSet, unreadable: dict | None = None) -> None:
    """Reject rows without an id or with a duplicate id (the first occurrence is kept), and rows the
    reader could not read whole (``unreadable``: row -> reason, e.g. a stray quote swallowing rows)."""
    key = KEY[rs.table]
    frame = rs.frame
    reject = pd.Series(False, index=frame.index)
    reasons = pd.Series("", index=frame.index, dtype="object")
    if unreadable:
        bad = np.fromiter(unreadable, dtype=np.int64)
        reject.iloc[bad] = True
        reasons.iloc[bad] = list(unreadable.values())  # type: ignore[call-overload]  # stubs: list value
    ids = frame[key] if key in frame else pd.Series(None, index=frame.index)
    no_id = ids.isna() & ~reject
    reject |= no_id
    reasons[no_id] = Bi("rec.no_id", what=Msg("col.school_id" if key == "school_id" else "rec.county_code"), key=key)
    dup = ids.notna() & ids.where(~reject, None).duplicated(keep="first") & ~reject
    if dup.any():
        first = {}
        for j, v in enumerate(ids.where(~reject, None).tolist()):
            if v is not None and v not in first:
                first[v] = j
        for i in np.flatnonzero(dup.to_numpy()):
            f, sh, row, *_ = rs.where(key, first[ids.iloc[i]])
            reason = Bi("rec.duplicate_id", id=ids.iloc[i], where=Path(f).name + (f"[{sh}]" if sh else ""), row=row)
            reasons.iloc[i] = reason  # type: ignore[call-overload]  # stubs: an object value in an object column
    reject |= dup
    apply_rejections(rs, reject, reasons)


def apply_rejections(rs: RecordSet, reject, reasons) -> None:
    key = KEY[rs.table]
    reject = pd.Series(np.asarray(reject, dtype=bool), index=rs.frame.index)
    if not reject.any():
        return
    if isinstance(reasons, str):
        reasons = pd.Series(reasons, index=rs.frame.index, dtype="object")
    for i in np.flatnonzero(reject.to_numpy()):
        o = rs.origin.iloc[i]
        rid = rs.frame[key].iloc[i] if key in rs.frame else None
        f, sh, row, cell, header, text = rs.where(key, i)
        reason = reasons.iloc[i]
        rs.rejected.append({"table": rs.table, "file": o["file"], "sheet": o["sheet"], "row": int(o["row"]),
                            "id": rid, "reason": reason, "fileno": int(o.get("fileno", -1))})
        rs.problems.append(Problem(o["file"], o["sheet"], int(o["row"]), header if cell else key,
                                   "" if rid is None else str(rid), Msg("rec.rule_key"), reason, "row rejected", key,
                                   cell, int(rs.src[i]) if rs.src is not None else -1, rs.book))
    keep = ~reject.to_numpy()
    kept = np.flatnonzero(keep)
    remap = {old: new for new, old in enumerate(kept)}
    rs.frame = rs.frame.loc[keep].reset_index(drop=True)
    rs.origin = rs.origin.loc[keep].reset_index(drop=True)
    if rs.extra is not None and len(rs.extra.columns):
        rs.extra = rs.extra.loc[keep].reset_index(drop=True)
    elif rs.extra is not None:
        rs.extra = pd.DataFrame(index=range(len(kept)))
    if rs.src is not None:
        rs.src = rs.src[kept]
    rs.invalid = {c: {remap[i]: m for i, m in d.items() if i in remap} for c, d in rs.invalid.items()}


_apply_rejections = apply_rejections
_reject_unkeyed = reject_unkeyed


def reject_where(rs: RecordSet, mask: np.ndarray, reason) -> None:
    """Reject accepted rows (e.g. a school whose county is not in the county table)."""
    reasons = reason if isinstance(reason, pd.Series) else (
        pd.Series(reason, index=rs.frame.index, dtype="object") if isinstance(reason, str)
        else pd.Series(list(reason), index=rs.frame.index, dtype="object"))
    apply_rejections(rs, pd.Series(mask, index=rs.frame.index), reasons)
