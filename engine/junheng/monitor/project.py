"""Projection of records into the coming years, field by field.

Every numeric input field (counts, areas, money, percentages, scores) of every school and county is
projected on its own by a least-squares linear trend over the observed years, clipped at 0 (percentages
also at 100), counts rounded half-up. An indicator's numerator and denominator are projected separately
that way (pupil numbers move on their own, a floor area stays), and the engine then evaluates the
projected records at a date in the projected year, so thresholds, dated relaxations, conditions and CVs
are the standard's own. Categories, yes/no facts and years (school type, built year) stay as in the last
year. A school's trend uses only the years since its last change of type; a field missing in the last
year stays missing. Vectorised: one pass per field over all schools.
"""
from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from junheng.records.problems import ProblemTable
from junheng.records.recordset import RecordSet

NUMERIC_TYPES = ("count", "number", "money", "percent", "score")


def projected_columns(compiled: list, table: str) -> list:
    """(column id, type) of the numeric catalogue columns of ``table`` whose field a rule reads (through
    derived fields) in any of the ``compiled`` standards (one per evaluation date): the others cannot change
    a verdict, so they are neither kept nor projected."""
    read: set = set()
    for comp in compiled:
        for fields in comp.inputs.values():
            read |= set(fields)
    return [(c.id, c.field.type) for c in compiled[0].table.catalogue.columns(table)
            if c.field.type in NUMERIC_TYPES and c.field.id in read]


def fit_lines(years, values: np.ndarray):
    """Least-squares line of each row of ``values`` (rows × years, NaN = no observation) over ``years``.

    Returns (slope, t̄, ȳ, points): the line is ȳ + slope·(t − t̄); one point gives slope 0; no point gives NaN.
    """
    t = np.asarray(years, dtype=float)[None, :]
    ok = ~np.isnan(values)
    n = ok.sum(axis=1)
    full = n == values.shape[1]
    if values.shape[1] > 0 and full.any():  # every year observed (most rows): fixed weights, one product
        tb = t.mean()
        dtv = t[0] - tb
        sxx = float((dtv * dtv).sum())
        # on the whole matrix (no copy of the complete rows: a row's mean and product do not depend on the
        # other rows); the rows that miss a year are then replaced by the general formula
        ybar = values.mean(axis=1)
        slope = values @ (dtv / sxx) if sxx > 0 else np.zeros(len(values))
        tbar = np.full(len(values), tb)
        part = np.flatnonzero(~full)
        if len(part):
            slope[part], tbar[part], ybar[part], _ = fit_lines(years, values[part])
        return slope, tbar, ybar, n
    with np.errstate(invalid="ignore", divide="ignore"):
        tbar = np.where(ok, t, 0.0).sum(axis=1) / n
        ybar = np.where(ok, values, 0.0).sum(axis=1) / n
        dt = np.where(ok, t - tbar[:, None], 0.0)
        sxx = (dt * dt).sum(axis=1)
        sxy = (dt * np.where(ok, values - ybar[:, None], 0.0)).sum(axis=1)
        slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    slope = np.where(n > 0, slope, np.nan)
    return slope, tbar, ybar, n


def aligned(frames: dict, key: str, ids) -> dict:
    """Row index of each id in each year's frame (-1 when absent)."""
    out = {}
    for y, f in frames.items():
        keys = f[key].astype(str)
        first = ~keys.duplicated()
        idx = pd.Index(keys[first]).get_indexer(pd.Index(np.asarray(ids, dtype=str)))
        pos = np.flatnonzero(first.to_numpy())
        out[y] = np.where(idx >= 0, pos[np.maximum(idx, 0)], -1)
    return out


def field_matrix(frames: dict, years: list, rows: dict, col: str, invalid: dict | None = None,
                 ident: dict | None = None) -> np.ndarray:
    """ids × years of one column (NaN where the id or the column is absent, or the cell was found invalid).
    ``ident``: per year, True when its rows are the ids' rows in order (the column is taken as it is)."""
    n = len(next(iter(rows.values())))
    out = np.full((n, len(years)), np.nan)
    for j, y in enumerate(years):
        f = frames[y]
        if col not in f.columns:
            continue
        v = pd.to_numeric(f[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = (invalid or {}).get(y, {}).get(col)
        if bad:
            v = v.copy()
            v[np.fromiter(bad.keys(), dtype=np.intp)] = np.nan
        r = rows[y]
        if len(r) == len(v) and ident is not None and ident.get(y):  # the year's rows are the ids' rows
            out[:, j] = v
        else:
            out[:, j] = np.where(r >= 0, v[np.maximum(r, 0)] if len(v) else np.nan, np.nan)
    return out


def segment_mask(frames: dict, years: list, rows: dict, col: str) -> np.ndarray:
    """ids × years: True for the years since the id's last change of ``col`` (e.g. school type)."""
    last = years[-1]
    cur = frames[last][col].astype(str).to_numpy()[np.maximum(rows[last], 0)]
    same = np.ones((len(cur), len(years)), dtype=bool)
    for j, y in enumerate(years):
        r = rows[y]
        vals = frames[y][col].astype(str).to_numpy()
        v = np.where(r >= 0, vals[np.maximum(r, 0)] if len(vals) else "", cur)
        same[:, j] = v == cur
    # a year counts only when every later year has the same value
    later_same = np.flip(np.logical_and.accumulate(np.flip(same, axis=1), axis=1), axis=1)
    return later_same


def project_frame(frames: dict, years: list, key: str, columns: list, targets: list, segment_col=None,
                  invalid: dict | None = None) -> dict:
    """{target year: frame}: the last year's rows with every numeric column projected to the target year.

    ``columns``: the catalogue columns as (id, type) pairs; ``invalid``: per year, the record set's invalid
    cells (column → {row: message}), left out of the fit.
    """
    last = years[-1]
    base = frames[last].reset_index(drop=True)
    ids = base[key].astype(str).to_numpy()
    rows = aligned(frames, key, ids)
    ident = {y: len(r) == len(frames[y]) and bool(np.array_equal(r, np.arange(len(r)))) for y, r in rows.items()}
    mask = segment_mask(frames, years, rows, segment_col) if segment_col and segment_col in base.columns else None
    new: dict = {t: {} for t in targets}

    def one(cid: str, ftype: str) -> tuple:
        m = field_matrix(frames, years, rows, cid, invalid, ident)
        if mask is not None:
            m = np.where(mask, m, np.nan)
        slope, tbar, ybar, _ = fit_lines(years, m)
        present = ~np.isnan(m[:, -1])
        out = []
        for t in targets:
            v = ybar + slope * (t - tbar)
            v = np.maximum(v, 0.0)
            if ftype == "percent":
                v = np.minimum(v, 100.0)
            if ftype == "count":  # half-up; a line through whole numbers lands on exact halves, which
                v = np.floor(np.round(v, 9) + 0.5)  # float noise (±1e-13) must not decide
            out.append(np.where(present, v, np.nan))
        return cid, out

    todo = [(cid, ftype) for cid, ftype in columns if ftype in NUMERIC_TYPES and cid in base.columns]
    # column by column on two threads: numpy releases the GIL inside each whole-column operation
    with ThreadPoolExecutor(2) as pool:
        for cid, vals in pool.map(lambda c: one(*c), todo):
            for t, v in zip(targets, vals):
                new[t][cid] = v
    # each frame built once (setting columns one by one copies the frame's blocks every time)
    return {t: pd.DataFrame({c: new[t][c] if c in new[t] else base[c] for c in base.columns}, index=base.index)
            for t in targets}


def projected_recordset(last: RecordSet, frame: pd.DataFrame, year: int) -> RecordSet:
    """The last year's record set with projected values. Not validated again: the cross-field checks
    (degrees ≤ teachers...) are for reported data, and fields projected one by one may cross them; a cell
    invalid in the last year stays invalid (not evaluable) in every projected year."""
    return dataclasses.replace(
        last, frame=frame, problems=ProblemTable(), rejected=[], invalid=last.invalid, log=[], validated=True,
        files=[{"path": f"projection {year}", "sha256": "", "rows": len(frame), "table": last.table}])
