"""The pipeline: standard → static check → records → stage units → evaluation → verdicts."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from junheng.version import __version__
from junheng.i18n import Msg
from junheng.standard.catalogue import load_catalogue
from junheng.standard.checker import Compiled, compile_standard
from junheng.evaluation.evaluator import Evaluator
from junheng.standard.loader import load_standard
from junheng.records.frames import FrameSource
from junheng.records.loading import load_records
from junheng.records.readers import read_ahead
from junheng.records.recordset import RecordSet, empty_recordset
from junheng.standard.model import Standard, parse_date
from junheng.evaluation.units import Spaces, build_spaces
from junheng.verdicts.assemble import Verdicts, assemble_columns
import time
from junheng.records.validate import validate_records
from junheng.records.validate import _of_file


@dataclass
class Run:
    """One evaluation: the standard, the records, the row spaces, the evaluator's arrays and the
    verdicts (``columns``: assembled column by column; ``verdicts``: the pandas frame, built from them
    on first use). ``cache`` holds what explanations and reports compute from the run once
    (counterfactuals per language, the verdict index, per-county evaluators)."""
    standard: Standard
    compiled: Compiled
    schools: RecordSet
    counties: RecordSet
    spaces: Spaces
    evaluator: Evaluator
    columns: Verdicts
    as_of: dt.date | None
    lang: str = "zh"
    timings: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict, repr=False)
    as_of_given: bool = True  # False: no --as-of, the evaluation date is the day of the run

    def as_of_text(self, lang: str | None = None) -> str:
        """The evaluation date as every output states it: '2026-11-30（未指定评估日期，按运行当天）'."""
        if self.as_of is None:
            return "—"
        if self.as_of_given:
            return self.as_of.isoformat()
        zh = (lang or self.lang) == "zh"
        return self.as_of.isoformat() + ("（未指定评估日期，按运行当天）" if zh else " (no as-of date given: "
                                                                      "the day of the run)")

    @property
    def verdicts(self) -> pd.DataFrame:
        """The verdict frame (one row per rule and unit), built on first use (a national run written
        to Parquet never builds it)."""
        return self.columns.frame()

    def verdict_table(self):
        """The verdicts as an arrow table (text columns dictionary-encoded)."""
        return self.columns.table()

    def verdict_count(self) -> int:
        return len(self.columns)

    def outcome_counts(self) -> dict:
        return self.columns.outcome_counts()

    def reason_at(self, pos: int) -> str:
        """The reason text of verdict row ``pos`` (frame order), without building the frame."""
        return self.columns.cell("reason", pos)

    def cell(self, column: str, pos: int):
        return self.columns.cell(column, pos)

    @property
    def rejected(self) -> list:
        return self.schools.rejected + self.counties.rejected

    def input_summary(self) -> list:
        out = []
        for rs in (self.schools, self.counties):
            for f in rs.files:
                rej = sum(1 for r in rs.rejected if _of_file(r, f))
                out.append({"path": f["path"], "table": f["table"], "sha256": f["sha256"], "rows": f["rows"],
                            "rows_evaluated": f["rows"] - rej, "rows_rejected": rej})
        return out

    def nothing_to_evaluate(self) -> str:
        """A message when no school record could be evaluated (a blank form, a file without school rows,
        every row rejected), else "". The CLI exits non-zero and the workbench shows it in red."""
        if len(self.schools.frame):
            return ""
        read = self.schools.rows_read
        if not read:
            names = "、".join(f["path"] for f in self.schools.files)
            return Msg("run.no_rows", names=names)
        reasons: dict = {}
        for x in self.schools.rejected:
            key = x["reason"].split("（与")[0]
            reasons[key] = reasons.get(key, 0) + 1
        why = "；".join(f"{k} ×{v}" for k, v in reasons.items())
        return Msg("run.all_rejected", read=read, why=why)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for f in self.input_summary():
            h.update(f["sha256"].encode())
        return h.hexdigest()


@lru_cache(maxsize=32)
def _cached_standard(ref: str, dirs: tuple, as_of):
    std = load_standard(ref, dirs, collect=True)
    return std, compile_standard(std, load_catalogue(), as_of)


def prepare(ref: str, standards_dirs=(), as_of=None):
    return _cached_standard(ref, tuple(standards_dirs), as_of)


def resolve_day(as_of) -> tuple[dt.date, bool]:
    """(evaluation date, whether it was given): without a date the evaluation is as of today, and every
    output says so (thresholds with effective windows depend on it)."""
    day = parse_date(as_of) if isinstance(as_of, str) and as_of.strip() else as_of
    if isinstance(day, str):
        day = None
    return (day, True) if day is not None else (dt.date.today(), False)


def evaluate_files(standard: str, schools, counties=None, as_of=None, standards_dirs=(), lang="zh") -> Run:
    t0 = time.perf_counter()
    day, given = resolve_day(as_of)
    with read_ahead(schools, counties):  # CSV files parsed on a second thread while the standard loads
        std, compiled = prepare(standard, standards_dirs, day)
        t1 = time.perf_counter()
        srs, crs = load_inputs(compiled, schools, counties)
    t2 = time.perf_counter()
    run = evaluate_records(std, compiled, srs, crs, day, county_file_given=bool(counties), lang=lang,
                           as_of_given=given)
    run.timings.update(load_standard=t1 - t0, read_inputs=t2 - t1)
    return run


def evaluate_frames(standard: str, schools: pd.DataFrame, counties: pd.DataFrame | None = None, as_of=None,
                    standards_dirs=(), lang="zh") -> Run:
    """Evaluate records given as DataFrames (columns: field ids or Chinese labels, as in a file);
    messages name them "schools" and "counties" with the row position + 1."""
    return evaluate_files(standard, FrameSource(schools, "schools"),
                          FrameSource(counties, "counties") if counties is not None else None,
                          as_of, standards_dirs, lang)


def load_inputs(compiled, schools, counties=None):
    """Read, type and validate the record files (every problem collected; nothing evaluated yet)."""
    cat = compiled.table.catalogue
    srs = load_records(schools, "school", cat)
    crs = load_records(counties, "county", cat) if counties else empty_recordset("county", cat)
    validate_records(srs, crs, cat, county_file_given=bool(counties))
    return srs, crs


def evaluate_records(std, compiled, srs: RecordSet, crs: RecordSet, day=None, county_file_given=True,
                     lang="zh", as_of_given: bool | None = None, reasons: bool = True) -> Run:
    """The engine's evaluation of record sets at ``day`` (``reasons=False``: the reason texts are not built,
    for callers that keep only outcomes and numbers)."""
    if as_of_given is None:
        as_of_given = day is not None
    if day is None:
        day = dt.date.today()
    t0 = time.perf_counter()
    validate_records(srs, crs, compiled.table.catalogue, county_file_given)  # no-op when already done
    spaces = build_spaces(std, srs, crs, county_file_given)
    ev = Evaluator(compiled, spaces, day).run()
    t1 = time.perf_counter()
    invalid = {**{k: v for k, v in srs.invalid.items()}}
    verdicts = assemble_columns(ev, invalid, lang, reasons)  # the frame is built on first use of run.verdicts
    t2 = time.perf_counter()
    run = Run(std, compiled, srs, crs, spaces, ev, verdicts, day, lang, as_of_given=as_of_given)
    run.timings.update(evaluate=t1 - t0, assemble=t2 - t1)
    return run


__all__ = ["Run", "evaluate_files", "evaluate_frames", "evaluate_records", "load_inputs", "prepare", "resolve_day",
           "__version__"]
