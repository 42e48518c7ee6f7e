"""Records: read files, map headers, normalise and validate values, and account for every row.

A row is *rejected* only when it cannot be placed at all (no school id, duplicate id, no county);
a row with a bad cell is still evaluated, the cell becomes missing and the rules that need it
become ``not_evaluable`` with the problem as their reason.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .headers import HeaderMap
from .normalize import to_bool, to_id, to_number, to_text
from .readers import read_records

KEY = {"school": "school_id", "county": "county_id"}


@dataclass
class Problem:
    file: str
    sheet: str | None
    row: int
    column: str
    value: str
    rule: str
    message: str
    action: str  # "cell ignored" | "row rejected" | "column ignored" | "note"
    field: str = ""  # canonical column id the problem is about

    def to_json(self) -> dict:
        return dict(file=self.file, sheet=self.sheet, row=self.row, column=self.column, value=self.value,
                    field=self.field, rule=self.rule, message=self.message, action=self.action)

    def __str__(self) -> str:
        sheet = f"[{self.sheet}]" if self.sheet else ""
        col = f" 列「{self.column}」" if self.column else ""
        val = f" 值「{self.value}」" if self.value not in ("", None) else ""
        return f"{self.file}{sheet}:{self.row}{col}{val}: {self.message}（{self.rule}；{self.action}）"


@dataclass
class RecordSet:
    table: str
    frame: pd.DataFrame  # accepted rows, canonical column ids, typed
    origin: pd.DataFrame  # file, sheet, row per accepted row
    problems: list[Problem] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    invalid: dict = field(default_factory=dict)  # column id -> {frame index: message}
    log: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f["rows"] for f in self.files)


def sha256_bytes(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def empty_recordset(table: str, catalogue: Catalogue) -> RecordSet:
    cols = [c.id for c in catalogue.columns(table)]
    return RecordSet(table, pd.DataFrame({c: pd.Series(dtype="object") for c in cols}),
                     pd.DataFrame({"file": [], "sheet": [], "row": []}))


def load_records(paths, table: str, catalogue: Catalogue) -> RecordSet:
    """Read one or more files of one table (school or county)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    hmap = HeaderMap(catalogue, table)
    frames, origins, problems, rejected, files, log = [], [], [], [], [], []
    for path in paths:
        raws = read_records(path)
        digest = sha256_bytes(path)
        n_file = 0
        for raw in raws:
            typed, problems_t, notes = _type_table(raw, hmap, catalogue, table)
            frames.append(typed)
            origins.append(pd.DataFrame({"file": raw.file, "sheet": raw.sheet, "row": raw.row}))
            problems.extend(problems_t)
            log.extend(notes)
            n_file += len(raw.frame)
        files.append({"path": str(path), "sha256": digest, "rows": n_file, "table": table})
    if frames:
        frame = pd.concat(frames, ignore_index=True)
        origin = pd.concat(origins, ignore_index=True)
    else:
        rs = empty_recordset(table, catalogue)
        rs.files = files
        return rs
    for c in catalogue.columns(table):
        if c.id not in frame.columns:
            frame[c.id] = np.nan if c.field.kind != "text" else None
    rs = RecordSet(table, frame, origin, problems, rejected, files, log=log)
    _reject_unkeyed(rs)
    return rs


def _type_table(raw, hmap: HeaderMap, catalogue: Catalogue, table: str):
    problems, notes = [], []
    out = pd.DataFrame(index=raw.frame.index)
    seen = {}
    where = f"{raw.file}" + (f"[{raw.sheet[0]}]" if raw.sheet and raw.sheet[0] and raw.layout == "table" else "")
    for header in raw.frame.columns:
        cid, factor = hmap.match(header)
        if cid is None:
            problems.append(Problem(raw.file, raw.sheet[0] if raw.sheet else None, 1, str(header), "", "表头",
                                    "无法识别的列，已忽略 / unknown column ignored", "column ignored"))
            continue
        if cid in seen:
            problems.append(Problem(raw.file, raw.sheet[0] if raw.sheet else None, 1, str(header), "", "表头",
                                    f"与列「{seen[cid]}」重复（都对应 {cid}）/ duplicate column", "column ignored"))
            continue
        seen[cid] = header
        if str(header) != cid:
            notes.append(f"{where}: 列「{header}」→ {cid}" + (f"（×{factor:g}）" if factor != 1 else ""))
        col = _column_def(catalogue, table, cid)
        s = raw.frame[header]
        if cid in ("school_id", "county_id"):
            values, probs = to_id(s), pd.Series(pd.NA, index=s.index, dtype="object")
            conv = []
        elif col.field.kind == "num":
            values, probs, conv = to_number(s, col.field.type, factor)
        elif col.field.kind == "bool":
            values, probs, conv = to_bool(s)
        else:
            values, probs, conv = to_text(s, col.field.values or None)
        for n in conv:
            notes.append(f"{where} 列「{header}」: {n}")
        out[cid] = values
        bad = probs.notna()
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem(raw.file, raw.sheet[i], raw.row[i], str(header), str(s.iloc[i]),
                                    f"{cid}（{col.field.type}）", str(probs.iloc[i]), "cell ignored", cid))
    return out, problems, notes


def _column_def(catalogue: Catalogue, table: str, cid: str):
    for c in catalogue.columns(table):
        if c.id == cid:
            return c
    raise KeyError(cid)  # pragma: no cover - HeaderMap only returns catalogue columns


def _reject_unkeyed(rs: RecordSet) -> None:
    """Reject rows without an id or with a duplicate id; carry invalid-cell notes to frame indices."""
    key = KEY[rs.table]
    frame, origin = rs.frame, rs.origin
    # invalid cells: attrs were per table; rebuild from problems (file,row) → frame index
    pos = {(o.file, o.sheet, o.row): i for i, o in enumerate(origin.itertuples(index=False))}
    for p in rs.problems:
        if p.action == "cell ignored":
            i = pos.get((p.file, p.sheet, p.row))
            if i is not None:
                rs.invalid.setdefault(p.field, {})[i] = f"「{p.value}」{p.message}"
    reject = pd.Series(False, index=frame.index)
    reasons = pd.Series("", index=frame.index, dtype="object")
    ids = frame[key] if key in frame else pd.Series(None, index=frame.index)
    no_id = ids.isna()
    reject |= no_id
    reasons[no_id] = f"缺少{'学校代码' if key == 'school_id' else '区县代码'} {key} / missing {key}"
    dup = ids.notna() & ids.duplicated(keep="first")
    reasons[dup & ~reject] = "代码重复（与前面一行相同）/ duplicate id"
    reject |= dup
    if rs.table == "school":
        no_county = frame["county_id"].isna() & ~reject
        reasons[no_county] = "缺少区县代码 county_id / missing county_id"
        reject |= no_county
    _apply_rejections(rs, reject, reasons)


def _apply_rejections(rs: RecordSet, reject: pd.Series, reasons: pd.Series) -> None:
    key = KEY[rs.table]
    if not reject.any():
        return
    idx = np.flatnonzero(reject.to_numpy())
    for i in idx:
        o = rs.origin.iloc[i]
        rid = rs.frame[key].iloc[i] if key in rs.frame else None
        rs.rejected.append({"table": rs.table, "file": o["file"], "sheet": o["sheet"], "row": int(o["row"]),
                            "id": rid, "reason": reasons.iloc[i]})
        rs.problems.append(Problem(o["file"], o["sheet"], int(o["row"]), key, "" if rid is None else str(rid),
                                   "记录键", reasons.iloc[i], "row rejected"))
    keep = ~reject.to_numpy()
    remap = {old: new for new, old in enumerate(np.flatnonzero(keep))}
    rs.frame = rs.frame.loc[keep].reset_index(drop=True)
    rs.origin = rs.origin.loc[keep].reset_index(drop=True)
    rs.invalid = {c: {remap[i]: m for i, m in d.items() if i in remap} for c, d in rs.invalid.items()}


def reject_where(rs: RecordSet, mask: np.ndarray, reason) -> None:
    """Reject accepted rows (e.g. a school whose county is not in the county table)."""
    reasons = pd.Series(reason if isinstance(reason, str) else list(reason), index=rs.frame.index, dtype="object") \
        if not isinstance(reason, pd.Series) else reason
    _apply_rejections(rs, pd.Series(mask, index=rs.frame.index), reasons)
