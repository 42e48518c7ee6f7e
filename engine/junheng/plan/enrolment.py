"""Projected enrolment for the target year of `junheng plan` (``--enrolment FILE`` or
``--enrolment-growth F``): the plan is made for the pupils the schools will have, not those they have.

* ``--enrolment-growth F``: every school's pupils of every stage × F, rounded half-up to whole pupils.
* ``--enrolment FILE`` (CSV, UTF-8): one row per school, ``school_id`` and any of the pupil columns
  ``students_primary``, ``students_junior``, ``students_senior`` (a blank cell keeps the current count);
  schools not in the file keep theirs. Every mistake is listed with its row and column.

Only the pupil counts change: classes, teachers, rooms and everything else are the records as given
(the output says so). The projected records are evaluated again by the engine before the plan is made.
"""
from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.errors import InputError
from junheng.evaluation.run import Run, evaluate_records
from junheng.records.problems import ProblemTable

STUDENT_COLUMNS = ("students_primary", "students_junior", "students_senior")
MAX_BYTES = 20_000_000
MAX_GROWTH = 10.0


def _half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5 + 1e-9)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _totals(frame: pd.DataFrame) -> dict:
    return {c: float(np.nansum(_column(frame, c))) for c in STUDENT_COLUMNS if c in frame.columns}


def by_growth(frame: pd.DataFrame, factor: float) -> pd.DataFrame:
    if not (0 < factor <= MAX_GROWTH):
        raise InputError(f"--enrolment-growth: 增长系数应在 0 到 {MAX_GROWTH:g} 之间 / the growth factor must be "
                         f"in (0, {MAX_GROWTH:g}]: {factor}")
    out = frame.copy()
    for c in STUDENT_COLUMNS:
        if c in out.columns:
            out[c] = _half_up(_column(out, c) * factor)  # a blank stays blank (nan)
    return out


def _read(path: str, data: bytes | None) -> pd.DataFrame:
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: {exc}") from exc
    if len(data) > MAX_BYTES:
        raise InputError(f"{path}: 文件过大 / file too large (> {MAX_BYTES} bytes)")
    try:
        return pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: 不是可读的 UTF-8 CSV / not a readable UTF-8 CSV: {exc}") from exc


def _check(path: str, table: pd.DataFrame, known: pd.Index) -> list:
    errors = []
    if "school_id" not in table.columns:
        return [f"{path}: 缺少 school_id 列 / a school_id column is required"]
    cols = [c for c in STUDENT_COLUMNS if c in table.columns]
    if not cols:
        return [f"{path}: 没有学生人数列 / no pupil column ({', '.join(STUDENT_COLUMNS)})"]
    ids = table["school_id"].str.strip()
    rows = np.arange(len(table)) + 2  # the header is row 1
    bad_id = ~ids.isin(known).to_numpy()
    errors += [f"{path}:第{r}行 row {r} school_id: 「{v}」不是学校数据中的学校 / not a school of the records"
               for r, v in zip(rows[bad_id], ids[bad_id])]
    dup = ids.duplicated(keep="first").to_numpy() & ~bad_id
    errors += [f"{path}:第{r}行 row {r} school_id: 「{v}」重复 / duplicate" for r, v in zip(rows[dup], ids[dup])]
    for c in cols:
        raw = table[c].str.strip()
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        bad = (raw != "").to_numpy() & ~(np.isfinite(num) & (num >= 0) & (num == np.floor(num)))
        errors += [f"{path}:第{r}行 row {r} {c}: 「{v}」应为非负整数 / must be a whole number ≥ 0"
                   for r, v in zip(rows[bad], raw[bad])]
    return errors


def by_file(frame: pd.DataFrame, path: str, data: bytes | None = None) -> tuple[pd.DataFrame, int]:
    """The records with the file's pupil counts; and how many schools the file gives."""
    table = _read(path, data)
    known = pd.Index(frame["school_id"].astype(str).str.strip()) if "school_id" in frame else pd.Index([])
    errors = _check(path, table, known)
    if errors:
        raise InputError(f"预测在校生文件有 {len(errors)} 处错误 / {len(errors)} error(s) in the enrolment file:\n"
                         + "\n".join(errors))
    out = frame.copy()
    pos = known.get_indexer(pd.Index(table["school_id"].str.strip()))
    for c in STUDENT_COLUMNS:
        if c not in table.columns or c not in out.columns:
            continue
        raw = table[c].str.strip()
        given = (raw != "").to_numpy()
        col = _column(out, c).copy()
        col[pos[given]] = pd.to_numeric(raw[given]).to_numpy(dtype="float64")
        out[c] = col
    return out, len(table)


def project(run: Run, growth: float | None = None, path: str | None = None, data: bytes | None = None,
            name: str | None = None) -> tuple[Run, dict]:
    """The run at the target year's enrolment (evaluated again) and what was done, for the output."""
    frame = run.spaces.schools
    before = _totals(frame)
    if path is not None:
        new, n = by_file(frame, name or path, data)
        how = {"method": "file", "file": name or str(path), "schools_in_file": n}
    else:
        new = by_growth(frame, float(growth if growth is not None else 1.0))
        how = {"method": "growth", "factor": float(growth if growth is not None else 1.0)}
    srs = dataclasses.replace(run.schools, frame=new, problems=ProblemTable(), rejected=[],
                              invalid=dict(run.schools.invalid), validated=False)
    crs = dataclasses.replace(run.counties, frame=run.counties.frame.copy(), problems=ProblemTable(), rejected=[],
                              invalid=dict(run.counties.invalid), validated=False)
    projected = evaluate_records(run.standard, run.compiled, srs, crs, run.as_of, county_file_given=True,
                                 lang=run.lang)
    how.update({"students_before": before, "students_after": _totals(new), "other_fields": "unchanged"})
    return projected, how
