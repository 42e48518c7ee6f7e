"""The early warnings, column by column: which units, in which order, every field as an array (reason
texts included, filled from the templates column-wise). ``warnings_list`` turns them into dicts (HTML,
XLSX, terminal, tests); ``warnings_json`` writes the JSON list straight from the arrays (a national run
has hundreds of thousands of warnings)."""
from __future__ import annotations

import json
from string import Formatter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from junheng.monitor import jsonout as J
from junheng.i18n import t

TEXT_FIELDS = ["level", "county_id", "school_id", "school_name", "stage", "rule_id", "rule_name", "operator"]
NUMBER_FIELDS = ["threshold", "margin", "relative_margin", "trend"]


def _num(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)


def rows_of(m: np.ndarray, years) -> list:
    """Each row of a matrix as {year: value or None} (one conversion for the whole matrix)."""
    keys = [str(y) for y in years]
    if not m.size:
        return [{} for _ in range(len(m))]
    o = m.astype(object)
    o[np.isnan(m)] = None
    obj = o.tolist()
    return [dict(zip(keys, r)) for r in obj]


def fill(key: str, lang: str, rows: np.ndarray, **cols) -> np.ndarray:
    """A text template filled per row from columns (object array; None where ``rows`` is False)."""
    parts: list = []
    for literal, name, _, _ in Formatter().parse(t(lang, key)):  # the template as written (no kw)
        if literal:
            parts.append(literal)
        if name is not None:
            parts.append(pa.array(np.asarray(cols[name], dtype=object), type=J.LS, from_pandas=True))
    out = np.full(len(rows), None, dtype=object)
    if len(rows):
        joined = J.concat(*parts).to_numpy(zero_copy_only=False)
        out[rows] = joined[rows]
    return out


def percent_text(rel: np.ndarray) -> np.ndarray:
    """``3.4%`` per row: relative margins × 100 to one decimal, half-up, column-wise."""
    r = np.nan_to_num(np.asarray(rel, dtype=float))
    tenths = np.floor(np.abs(r) * 1000 + 0.5).astype(np.int64)
    sign = np.where((r < 0) & (tenths > 0), "-", "")
    return J.concat(pa.array(sign, J.LS), pa.array(tenths // 10).cast(J.LS), ".",
                    pa.array(tenths % 10).cast(J.LS), "%").to_numpy(zero_copy_only=False)


def warning_columns(mon, ut: pd.DataFrame) -> dict:
    """Every warning's fields as arrays, ordered by county, then the earliest projected failure, then the
    smallest relative margin."""
    lang = mon.options.lang
    w = ut["warning"].to_numpy()
    pfy_all = ut["projected_fail_year"].to_numpy()
    sel = np.flatnonzero(w)
    county = pd.factorize(ut["county_id"].to_numpy(dtype=object)[sel], sort=True)[0]  # codes in text order
    order = np.lexsort((np.nan_to_num(ut["relative_margin"].to_numpy(float)[sel], nan=np.inf),
                        np.where(pfy_all[sel] > 0, pfy_all[sel], 99999), county))
    idx = sel[order]
    c: dict = {"index": idx}
    for f in TEXT_FIELDS:
        v = np.asarray(ut[f].to_numpy(), dtype=object)[idx]
        v = v.copy()
        if len(v):
            v[pd.isna(v) | (v == "")] = None
        c[f] = v
    for f in NUMBER_FIELDS:
        c[f] = ut[f].to_numpy(dtype=float)[idx]
    pfy = pfy_all[idx].astype(np.int64)
    c["projected_fail_year"] = pfy
    fail, near, relax = (ut[f].to_numpy(dtype=bool)[idx] for f in ("warn_projected_fail", "warn_near",
                                                                     "warn_relaxation"))
    ends = ut["relaxation_ends"].to_numpy(dtype=object)[idx]
    params = ut["relaxation_params"].to_numpy(dtype=object)[idx]
    c["relaxation_ends"], c["relaxation_params"] = ends, params
    c["relaxation_text"] = ut["relaxation_text"].to_numpy(dtype=object)[idx]
    c["warn_relaxation"] = relax
    c["reasons"] = [fill("monitor.reason_projected_fail", lang, fail, year=pfy.astype(str)),
                    fill("monitor.reason_near", lang, near, pct=percent_text(c["relative_margin"])),
                    fill("monitor.reason_relaxation", lang, relax, params=params, end=ends)]
    m = mon.matrices
    k = len(mon.years)
    c["values"], c["projected_values"] = m["value"][idx, :k], m["value"][idx, k:]
    c["thresholds"] = m["threshold"][idx]
    return c


def _relaxation_objects(c: dict) -> np.ndarray:
    """Per warning the ``relaxation`` object, or None; one object per distinct relaxation text."""
    out = np.full(len(c["index"]), None, dtype=object)
    rel = c["warn_relaxation"]
    if rel.any():
        codes, uniq = pd.factorize(c["relaxation_text"][rel])
        first = np.unique(codes, return_index=True)[1]
        objs = np.empty(len(uniq), dtype=object)
        for k, i in enumerate(first):  # a handful of distinct relaxations
            objs[k] = {"ends": c["relaxation_ends"][rel][i], "parameters": c["relaxation_params"][rel][i].split(","),
                       "verdict": uniq[k]}
        out[rel] = objs[codes]
    return out


def _head(c: dict, n: int) -> dict:
    """The first ``n`` warnings' columns."""
    return {k: ([x[:n] for x in v] if k == "reasons" else v[:n]) for k, v in c.items()}


def _cell_values(a: np.ndarray) -> list:
    """A float column as cell values (None for NaN)."""
    o = np.asarray(a, dtype=float).astype(object)
    o[np.isnan(np.asarray(a, dtype=float))] = None
    return o.tolist()


class WarningTable:
    """The warnings as columns, for the HTML, XLSX and terminal views: ``head(n)`` makes dicts of the first
    ``n`` only (the HTML's trend cards, the terminal's rows); ``sheet_rows`` gives every row as a tuple of
    cells, built column by column (no dict per warning)."""

    def __init__(self, mon, cols: dict):
        self.c = cols
        self.years, self.projected = list(mon.years), list(mon.projected)

    def __len__(self) -> int:
        return len(self.c["index"])

    def head(self, n: int) -> list:
        return _dicts(_head(self.c, n), self.years, self.projected)

    def sheet_rows(self, stage_labels: dict, sep: str):
        """(county, school code, school, stage label, rule, values per observed then projected year,
        threshold, margin, relative margin, trend, projected failure year, reasons) per warning."""
        c = self.c
        n = len(self)
        stage = pd.Series(c["stage"], dtype=object)
        stage = stage.map(lambda s: stage_labels.get(s, s) if s else "").tolist() if n else []
        reasons = pc.binary_join_element_wise(*[pa.array(np.asarray(r, dtype=object), type=J.LS, from_pandas=True)
                                                for r in c["reasons"]], pa.scalar(sep, J.LS),
                                              null_handling="skip")
        pfy = np.asarray(c["projected_fail_year"], dtype=object)
        pfy[np.asarray(c["projected_fail_year"]) <= 0] = None
        cols = [c["county_id"].tolist(), c["school_id"].tolist(), c["school_name"].tolist(), stage,
                c["rule_id"].tolist()]
        cols += [_cell_values(c["values"][:, j]) for j in range(c["values"].shape[1])]
        cols += [_cell_values(c["projected_values"][:, j]) for j in range(c["projected_values"].shape[1])]
        cols += [_cell_values(c[f]) for f in ("threshold", "margin", "relative_margin", "trend")]
        cols += [pfy.tolist(), reasons.to_pylist() if n else []]
        return zip(*cols)


def warnings_list(mon, ut: pd.DataFrame, cols: dict | None = None) -> list:
    """The warnings as dicts (the API and the tests; the views use ``WarningTable``)."""
    c = cols or warning_columns(mon, ut)
    return _dicts(c, mon.years, mon.projected)


def _dicts(c: dict, obs: list, proj: list) -> list:
    vals, pvals, ths = rows_of(c["values"], obs), rows_of(c["projected_values"], proj), \
        rows_of(c["thresholds"], obs + proj)
    relax = _relaxation_objects(c)
    reasons = [[r for r in rs if r is not None] for rs in zip(*c["reasons"])] if len(c["index"]) else []
    out = []
    for j in range(len(c["index"])):
        d = {f: c[f][j] for f in TEXT_FIELDS[:7]}
        d.update(values=vals[j], projected_values=pvals[j], thresholds=ths[j], threshold=_num(c["threshold"][j]),
                 operator=c["operator"][j], margin=_num(c["margin"][j]),
                 relative_margin=_num(c["relative_margin"][j]), trend=_num(c["trend"][j]),
                 projected_fail_year=int(c["projected_fail_year"][j]) or None, relaxation=relax[j],
                 reasons=reasons[j])
        out.append(d)
    return out


def warnings_json(mon, ut: pd.DataFrame, cols: dict | None = None) -> J.Raw:
    """The same list as ``warnings_list``, as JSON text built column-wise."""
    c = cols or warning_columns(mon, ut)
    n = len(c["index"])
    if not n:
        return J.Raw(None, 0)
    obs, proj = mon.years, mon.projected
    full = np.full(n, "null", dtype=object)
    rel = c["warn_relaxation"]
    if rel.any():  # one JSON text per distinct relaxation
        codes, _ = pd.factorize(c["relaxation_text"][rel])
        firsts = np.flatnonzero(rel)[np.unique(codes, return_index=True)[1]]
        objs = _relaxation_objects(c)
        dumped = np.array([json.dumps(objs[i], ensure_ascii=False) for i in firsts], dtype=object)
        full[rel] = dumped[codes]
    rel_frag = pa.array(full, type=J.LS)
    empty = pa.array(np.full(n, "{}", dtype=object), type=J.LS)
    fields = [(f, J.text(c[f])) for f in TEXT_FIELDS[:7]]
    fields += [("values", J.year_object(c["values"], obs) or empty),
               ("projected_values", J.year_object(c["projected_values"], proj) or empty),
               ("thresholds", J.year_object(c["thresholds"], obs + proj) or empty),
               ("threshold", J.number(c["threshold"])), ("operator", J.text(c["operator"])),
               ("margin", J.number(c["margin"])), ("relative_margin", J.number(c["relative_margin"])),
               ("trend", J.number(c["trend"])),
               ("projected_fail_year", J.integer(c["projected_fail_year"], c["projected_fail_year"] <= 0)),
               ("relaxation", rel_frag), ("reasons", J.text_list(c["reasons"]))]
    rows = J.obj(fields)
    assert pc.all(pc.is_valid(rows)).as_py()
    return J.join_rows(rows)
