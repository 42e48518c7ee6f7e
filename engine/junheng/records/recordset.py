"""Records: the record set of one table (school or county) and the data problems found in it.

A ``RecordSet`` holds the accepted rows (``frame``, typed, canonical column ids), where each came from
(``origin``, ``segments``), the problems found (``ProblemTable`` of ``Problem``), the rejected rows and the
invalid cells. A row is *rejected* only when it cannot be placed at all (no id, duplicate id, no county — the
last one is decided in ``validate.py``, which sees both tables); a row with a bad cell is still evaluated,
the cell becomes missing and the rules that need it become ``not_evaluable`` with the problem as their
reason (``RecordSet.invalid``: column id -> {frame row index: message}). Every row read is either in
``frame`` or in ``rejected``: rows read = evaluated + rejected.

Built by ``loading.load_records`` (files → raw tables → ``column_typing`` → ``stages`` → ``rejections``).
"""
from __future__ import annotations

import bisect
import importlib
import re
import hashlib
from dataclasses import dataclass, field
from dataclasses import field as dc_field

import numpy as np
import pandas as pd

from junheng.i18n import localize, t as tr
from junheng.records.problems import ProblemTable
from junheng.standard.catalogue import Catalogue
KEY = {"school": "school_id", "county": "county_id"}
OTHER = {"school": "county", "county": "school"}
SHARED = {"county_id"}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _shown(v, limit: int = 24) -> str:
    """A code or name as a problem shows it: the first line only (a cell that swallowed rows), control
    characters (a bell pasted into a name) as one space, at most ``limit`` characters."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    text = str(v)
    first = text.split("\n", 1)[0]  # a cell that swallowed rows: its first line
    t = _CONTROL.sub(" ", first).strip()
    more = len(first) < len(text)
    return t + ("…" if more else "") if len(t) <= limit else t[:limit] + "…"


@dataclass
class Problem:
    file: str
    sheet: str | None
    row: int
    column: str
    value: str
    rule: str
    message: str
    action: str  # "cell ignored" | "row rejected" | "column ignored" | "cell missing" | "note"
    field: str = ""  # canonical column id the problem is about
    cell: str = ""  # spreadsheet cell such as "E52" when known
    src: int = -1  # the record's index among all rows read (-1: not about one record, e.g. a header)
    book: tuple | None = dc_field(default=None, repr=False, compare=False)  # (ids, names) of all rows read

    @property
    def record(self) -> tuple[str, str]:
        """(code, name) of the school or county the problem belongs to, as read ("" when unknown)."""
        if self.src < 0 or self.book is None or self.src >= len(self.book[0]):
            return "", ""
        ids, names = self.book
        return _shown(ids[self.src]), _shown(names[self.src])

    def to_json(self) -> dict:
        rid, rname = self.record
        return dict(file=self.file, sheet=self.sheet, row=self.row, cell=self.cell, column=self.column,
                    value=self.value, field=self.field, rule=self.rule, message=self.message, action=self.action,
                    record_id=rid, record_name=rname)

    def __str__(self) -> str:
        return self.render("zh")

    def render(self, lang: str = "zh") -> str:
        """``file[sheet]:row cell column value: message (rule; action)``, the frame in ``lang``."""
        sheet = f"[{self.sheet}]" if self.sheet else ""
        cell = f" {self.cell}" if self.cell else ""
        rid, rname = self.record
        rec = f" 〈{' '.join(x for x in (rid, rname) if x)}〉" if rid or rname else ""
        col = " " + tr(lang, "problem.column", column=self.column) if self.column else ""
        val = " " + tr(lang, "problem.value", value=_shown(self.value, 60)) if self.value not in ("", None) else ""
        what = f"{localize(self.rule, lang)}{tr(lang, 'sep.clause')}{action_text(self.action, lang)}"
        tail = tr(lang, "paren", x=what)
        return f"{self.file}{sheet}:{self.row}{cell}{rec}{col}{val}: {localize(self.message, lang)}{tail}"


ACTION_KEYS = {"cell ignored": "problem.action_cell_ignored", "row rejected": "problem.action_row_rejected",
               "column ignored": "problem.action_column_ignored", "cell missing": "problem.action_cell_missing",
               "note": "problem.action_note"}


def action_text(action: str, lang: str) -> str:
    """What was done (the code the problem files keep, "cell ignored") in words."""
    return tr(lang, ACTION_KEYS[action]) if action in ACTION_KEYS else str(action)


ProblemTable.item = Problem  # a table's rows read one at a time are Problems
ProblemTable.shown = staticmethod(_shown)


@dataclass
class RecordSet:
    table: str
    frame: pd.DataFrame  # accepted rows, canonical column ids, typed
    origin: pd.DataFrame  # file, sheet, row per accepted row
    problems: ProblemTable = field(default_factory=ProblemTable)  # columnar; iterates as Problem objects
    rejected: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    invalid: dict = field(default_factory=dict)  # column id -> {frame index: message}
    log: list[str] = field(default_factory=list)
    # where values came from, resolved lazily: segments (first row, RawTable, column id -> header),
    # src = index of each accepted row among all rows read, override = {(column, src): header}
    segments: list = field(default_factory=list)
    extra: pd.DataFrame | None = None  # kept non-catalogue values (stage-less totals, class bands)
    src: np.ndarray | None = None
    override: dict = field(default_factory=dict)
    validated: bool = False
    book: tuple = ((), ())  # (ids, names) of all rows read, for naming the record of each problem

    def __post_init__(self):
        if not isinstance(self.problems, ProblemTable):  # a list (tests, the planner's and monitor's copies)
            self.problems = ProblemTable(self.problems)

    @property
    def rows_read(self) -> int:
        return sum(f["rows"] for f in self.files)

    def where(self, col: str, i: int | np.integer) -> tuple:
        """(file, sheet, row, cell, header, original text) of accepted row i's value of column col."""
        o = self.origin.iloc[i]
        if self.src is None or not self.segments:
            return o["file"], o["sheet"], int(o["row"]), "", col, ""
        j = int(self.src[i])
        starts = [seg[0] for seg in self.segments]
        start, raw, headers = self.segments[bisect.bisect_right(starts, j) - 1]
        header = self.override.get((col, j)) or headers.get(col)
        if header is None:
            return o["file"], o["sheet"], int(o["row"]), "", col, ""
        k = j - start
        row, cell = raw.locate(header, k)
        text = raw.frame[header].iloc[k] if header in raw.frame.columns else ""
        return o["file"], raw.sheet[k], int(row), cell, raw.label(header), str(text)


def sha256_bytes(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def empty_recordset(table: str, catalogue: Catalogue) -> RecordSet:
    cols = [c.id for c in catalogue.columns(table)]
    return RecordSet(table, pd.DataFrame({c: pd.Series(dtype="object") for c in cols}),
                     pd.DataFrame({"file": [], "sheet": [], "row": []}), extra=pd.DataFrame())


def all_problems(*sets: RecordSet, include_ignored_columns: bool = False) -> ProblemTable:
    out = ProblemTable()
    for rs in sets:
        out.extend(rs.problems if include_ignored_columns else rs.problems.where_action(("column ignored",), False))
    return out


# names that moved to their own modules (loading, column typing, stages, rejections), still importable from
# here for code written against the one-module layout
_MOVED = {"load_records": "loading", "type_table": "column_typing", "_type_table": "column_typing",
          "TYPE_STAGES": "stages", "CLASS_LIMITS": "stages", "STAGE_ZH": "stages", "ALL_STAGES": "stages",
          "school_stage_masks": "stages", "school_stage_sets": "stages", "resolve_unstaged": "stages",
          "apply_rejections": "rejections", "reject_where": "rejections", "reject_unkeyed": "rejections"}


def __getattr__(name: str):
    if name in _MOVED:
        return getattr(importlib.import_module(f"junheng.records.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
