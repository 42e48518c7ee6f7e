"""The pipeline: standard → static check → records → stage units → evaluation → verdicts."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from . import __version__
from .catalogue import load_catalogue
from .checker import Compiled, compile_standard
from .evaluate import Evaluator
from .loader import load_standard
from .records import RecordSet, empty_recordset, load_records
from .standard import Standard, parse_date
from .units import Spaces, build_spaces
from .verdicts import assemble_columns


@dataclass
class Run:
    standard: Standard
    compiled: Compiled
    schools: RecordSet
    counties: RecordSet
    spaces: Spaces
    evaluator: Evaluator
    verdicts: pd.DataFrame
    as_of: dt.date | None
    lang: str = "zh"
    timings: dict = field(default_factory=dict)
    as_of_given: bool = True  # False: no --as-of, the evaluation date is the day of the run

    def as_of_text(self, lang: str | None = None) -> str:
        """The evaluation date as every output states it: '2026-11-30（未指定评估日期，按运行当天）'."""
        if self.as_of is None:
            return "—"
        if self.as_of_given:
            return self.as_of.isoformat()
        zh = (lang or self.lang) == "zh"
        return self.as_of.isoformat() + ("（未指定评估日期，按运行当天）" if zh else " (no as-of date given: the day of the run)")

    def verdict_table(self):
        """The verdicts as an arrow table (text columns dictionary-encoded), built from the assembled
        columns when the frame has not been replaced, else from the frame."""
        lazy = self.__dict__.get("_columns")
        if lazy is not None:
            return lazy.table()
        from .output import verdict_table

        return verdict_table(self.verdicts)

    def verdict_count(self) -> int:
        lazy = self.__dict__.get("_columns")
        return len(lazy) if lazy is not None else len(self.verdicts)

    def outcome_counts(self) -> dict:
        lazy = self.__dict__.get("_columns")
        if lazy is not None:
            return lazy.outcome_counts()
        v = self.verdicts
        return v["outcome"].value_counts().to_dict() if len(v) else {}

    @property
    def rejected(self) -> list:
        return self.schools.rejected + self.counties.rejected

    def input_summary(self) -> list:
        out = []
        for rs in (self.schools, self.counties):
            for f in rs.files:
                rej = sum(1 for r in rs.rejected if r["file"] == f["path"])
                out.append({"path": f["path"], "table": f["table"], "sha256": f["sha256"], "rows": f["rows"],
                            "rows_evaluated": f["rows"] - rej, "rows_rejected": rej})
        return out

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for f in self.input_summary():
            h.update(f["sha256"].encode())
        return h.hexdigest()


def _get_verdicts(self) -> pd.DataFrame:
    frame = self.__dict__.get("_frame")
    if frame is None:
        frame = self.__dict__["_frame"] = self.__dict__["_columns"].frame()
    return frame


def _set_verdicts(self, value) -> None:
    """A frame, or the assembled columns (``verdicts.Verdicts``): the frame is then built on first use
    (a national run written to Parquet never builds it)."""
    from .verdicts import Verdicts

    if isinstance(value, Verdicts):
        self.__dict__["_columns"], self.__dict__["_frame"] = value, None
    else:
        self.__dict__["_columns"], self.__dict__["_frame"] = None, value


Run.verdicts = property(_get_verdicts, _set_verdicts, doc="The verdict frame (one row per rule and unit).")


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
    import time

    t0 = time.perf_counter()
    day, given = resolve_day(as_of)
    std, compiled = prepare(standard, standards_dirs, day)
    t1 = time.perf_counter()
    srs, crs = load_inputs(compiled, schools, counties)
    t2 = time.perf_counter()
    run = evaluate_records(std, compiled, srs, crs, day, county_file_given=bool(counties), lang=lang,
                           as_of_given=given)
    run.timings.update(load_standard=t1 - t0, read_inputs=t2 - t1)
    return run


def load_inputs(compiled, schools, counties=None):
    """Read, type and validate the record files (every problem collected; nothing evaluated yet)."""
    from .validate import validate_records

    cat = compiled.table.catalogue
    srs = load_records(schools, "school", cat)
    crs = load_records(counties, "county", cat) if counties else empty_recordset("county", cat)
    validate_records(srs, crs, cat, county_file_given=bool(counties))
    return srs, crs


def evaluate_records(std, compiled, srs: RecordSet, crs: RecordSet, day=None, county_file_given=True,
                     lang="zh", as_of_given: bool | None = None) -> Run:
    import time

    from .validate import validate_records

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
    verdicts = assemble_columns(ev, invalid, lang)  # the frame is built on first use of run.verdicts
    t2 = time.perf_counter()
    run = Run(std, compiled, srs, crs, spaces, ev, verdicts, day, lang, as_of_given=as_of_given)
    run.timings.update(evaluate=t1 - t0, assemble=t2 - t1)
    return run


__all__ = ["Run", "evaluate_files", "evaluate_records", "load_inputs", "prepare", "resolve_day", "__version__"]
