"""Loading the record files of one table (school or county) into a ``RecordSet``: each file read into raw
tables (``readers``), each table typed (``column_typing``), the tables concatenated with the place of every
row, stage-less values given to a stage (``stages``) and rows without an id or with a duplicate one rejected
(``rejections``). The same file given twice is noted (its records are then rejected as duplicates).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from junheng.i18n import Bi, Msg
from junheng.records.column_typing import type_table
from junheng.records.frames import FrameSource
from junheng.records.headers import HeaderMap, class_band
from junheng.records.problems import ProblemTable
from junheng.records.readers import NamedFile, RawTable, input_format, read_records, source_name, source_path
from junheng.records.recordset import KEY, OTHER, SHARED, RecordSet, empty_recordset, sha256_bytes
from junheng.records.rejections import reject_unkeyed
from junheng.records.stages import resolve_unstaged
from junheng.standard.catalogue import Catalogue


def _belongs(raw: RawTable, table: str, hmap: HeaderMap, other: HeaderMap) -> bool:
    """Does a workbook sheet hold records of this table? (a template has both tables; forms have notes)"""
    own = {hmap.match(h)[0] for h in raw.frame.columns} - {None}
    oth = {other.match(h)[0] for h in raw.frame.columns} - {None}
    own_key, other_key = KEY[table], KEY[OTHER[table]]
    if other_key in oth and other_key not in own:
        return False
    if own_key in own and own_key not in SHARED:
        return True
    own_s, oth_s = own - SHARED, oth - SHARED
    if own_key in own:  # county_id of a county sheet
        return len(own_s) >= len(oth_s)
    return bool(own_s) and len(own_s) >= len(oth_s)


def _display(source) -> str:
    """How a record source is named in messages and outputs."""
    return str(source) if isinstance(source, FrameSource) else source_name(source)

class _Tables:
    """The typed tables of one table's files, gathered in reading order; the index of every record among all
    rows read is its position here (``n_total`` so far)."""

    def __init__(self, table: str, hmap: HeaderMap, other: HeaderMap):
        self.table, self.hmap, self.other = table, hmap, other
        self.frames: list = []
        self.origins: list = []
        self.extras: list = []
        self.files: list = []
        self.log: list = []
        self.problems = ProblemTable()
        self.invalid: dict = {}
        self.segments: list = []
        self.override: dict = {}
        self.rejects: dict = {}
        self.n_total = 0
        self.seen_digest: dict[str, str] = {}

    def known(self, h):
        """The field a header stands for (of either table), or None."""
        band = class_band(h)
        return self.hmap.match(h)[0] or self.other.match(h)[0] or (f"band:{band}" if band else None)

    def read(self, path, fileno: int, catalogue: Catalogue) -> None:
        """One file (or DataFrame): its tables of this table's records typed and added."""
        if isinstance(path, FrameSource):
            raws, digest = [path.raw_table()], path.sha256()
        else:
            raws = read_records(path, self.known)
            digest = sha256_bytes(source_path(path))
        if digest in self.seen_digest:
            self.log.append(Bi("rec.log_same_file", file=_display(path), other=self.seen_digest[digest]))
        self.seen_digest.setdefault(digest, _display(path))
        fmt = None if isinstance(path, FrameSource) else input_format(source_path(path))
        n_file = 0
        for raw in raws:
            self.log.extend(raw.notes)
            if raw.layout == "empty" or not len(raw.frame):
                continue
            if fmt is not None and fmt.workbook and not _belongs(raw, self.table, self.hmap, self.other):
                what = Msg("level.school" if self.table == "school" else "level.county")
                self.log.append(Msg("rec.not_table_sheet", where=f"{raw.file}[{raw.sheet[0]}]", what=what,
                                    n=len(raw.frame)))
                continue
            self.add(raw, type_table(raw, self.hmap, catalogue, self.table), fileno)
            n_file += len(raw.frame)
        self.files.append({"path": _display(path), "sha256": digest, "rows": n_file, "table": self.table,
                           "fileno": fileno})

    def add(self, raw: RawTable, t: dict, fileno: int) -> None:
        """A typed table: its records numbered after those read before it."""
        n_total = self.n_total
        self.frames.append(t["frame"])
        self.extras.append(t["extra"])
        self.origins.append(pd.DataFrame({"file": raw.file, "sheet": raw.sheet, "row": raw.row, "fileno": fileno}))
        t["problems"].shift_src(n_total)
        self.problems.extend(t["problems"])
        self.log.extend(t["notes"])
        for c, d in t["invalid"].items():
            self.invalid.setdefault(c, {}).update({n_total + i: m for i, m in d.items()})
        self.override.update({(c, n_total + i): h for (c, i), h in t["override"].items()})
        self.rejects.update({n_total + i: m for i, m in t["reject"].items()})
        self.segments.append((n_total, raw, t["locs"]))
        self.n_total += len(raw.frame)

    def record_set(self, catalogue: Catalogue) -> RecordSet:
        """The tables as one record set, every catalogue column present (absent ones blank)."""
        table = self.table
        frame = pd.concat(self.frames, ignore_index=True)
        extra = pd.concat(self.extras, ignore_index=True)
        origin = pd.concat(self.origins, ignore_index=True)
        absent = [c for c in catalogue.columns(table) if c.id not in frame.columns]
        if absent:  # added at once (one column at a time fragments the frame)
            frame = pd.concat([frame, pd.DataFrame({c.id: pd.Series(np.nan if c.field.kind != "text" else None,
                                                                    index=frame.index,
                                                                    dtype="float64" if c.field.kind != "text"
                                                                    else object)
                                                    for c in absent})], axis=1)
        rs = RecordSet(table, frame, origin, self.problems, [], self.files, self.invalid, self.log, self.segments,
                       extra, np.arange(len(frame), dtype=np.int64), self.override)
        name_col = "school_name" if table == "school" else "county_name"
        rs.book = (frame[KEY[table]].tolist(),
                   frame[name_col].tolist() if name_col in frame else [None] * len(frame))
        self.problems.set_book(rs.book)
        return rs


def load_records(paths, table: str, catalogue: Catalogue) -> RecordSet:
    """Read one or more files of one table (school or county)."""
    if isinstance(paths, (str, Path, NamedFile, FrameSource)):
        paths = [paths]
    tables = _Tables(table, HeaderMap(catalogue, table), HeaderMap(catalogue, OTHER[table]))
    for fileno, path in enumerate(paths):
        tables.read(path, fileno, catalogue)
    if not tables.frames:
        rs = empty_recordset(table, catalogue)
        rs.files, rs.log = tables.files, tables.log
        rs.problems = tables.problems
        return rs
    rs = tables.record_set(catalogue)
    if table == "school":
        resolve_unstaged(rs, catalogue)
    reject_unkeyed(rs, tables.rejects)
    return rs
