"""Verdict assembly: one row per (rule, unit), built column-wise from the stored rule arrays.

Reasons are built afterwards (``reasons.py``); ``not_evaluable`` always names the missing or invalid
inputs, or the rules / units it depends on.
"""
from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from junheng.evaluation.evaluator import Evaluator, RuleResult
from junheng.evaluation.logic import ABSENT
from junheng.verdicts.reasons import build_reasons

COLUMNS = ["level", "county_id", "school_id", "school_name", "stage", "rule_id", "rule_name", "area", "outcome",
           "value", "threshold", "operator", "unit", "margin", "threshold_param", "citation_document",
           "citation_article", "source_status", "reason", "relaxation"]


def margin_of(res: RuleResult, rows=None):
    """Distance to the threshold in the indicator's unit; positive = room to spare (of ``rows`` only
    when given: explain of one unit)."""
    if res.value is None:
        return None
    op = res.rule.operator
    # a rule with a value is compared against a threshold (record-only rules have no operator and no margin)
    all_thresholds = cast(np.ndarray, res.threshold)
    value, threshold = (res.value, all_thresholds) if rows is None else (res.value[rows], all_thresholds[rows])
    with np.errstate(invalid="ignore"):
        if op in (">=", ">"):
            m = value - threshold
        elif op in ("<=", "<"):
            m = threshold - value
        else:
            return None
        # float noise at the boundary (0.8999999 vs 0.9) is no margin at all
        noise = np.abs(m) <= tol_of(res) * np.maximum(np.abs(value), np.abs(threshold))
    return np.where(noise, 0.0, m)


def relaxation_texts(res: RuleResult) -> np.ndarray:
    """Per row: the dated relaxation a pass depends on ('G4_size_max_relaxed_single 2019-01-01 ~ 2022-12-31'),
    None for every other row."""
    out = np.empty(len(res.outcome), dtype=object)
    out.fill(None)
    if res.relaxed is not None:
        # relaxed, relaxed_keys and relaxed_by are set together
        assert res.relaxed_keys is not None and res.relaxed_by is not None
        relaxed_by = res.relaxed_by
        code, sets = res.relaxed_keys
        for k, key in enumerate(sets):  # a handful of distinct parameter sets
            out[code == k] = relaxation_text({pid: relaxed_by[pid] for pid in key})
    return out


def relaxation_text(relaxed_by: dict) -> str:
    by_window: dict[str, list] = {}
    for pid, w in relaxed_by.items():
        by_window.setdefault(str(w), []).append(pid)
    return "；".join(f"{'、'.join(pids)} {w}" for w, pids in by_window.items())


def tol_of(res: RuleResult) -> float:
    return getattr(res, "tol", 1e-9)


def assemble(ev: Evaluator, records_invalid: dict, lang: str = "zh") -> pd.DataFrame:
    """One frame for all rules, built column by column (no per-rule frames, one conversion per column).

    Column dtypes are those a per-rule ``pd.DataFrame`` + ``pd.concat`` would give: a column is
    ``str`` when every rule's part of it is text, else ``object`` (text parts keep NaN for missing).
    """
    return assemble_columns(ev, records_invalid, lang).frame()


OUTCOME_TEXT = ["fail", "pass", "not_evaluable", "not_applicable"]  # by outcome code 0..3


class Verdicts:
    """The verdicts of a run, column by column as assembled (per rule: a constant, a take from the
    unit keys, an array), turned into a pandas frame (``frame()``, the shape every consumer reads)
    or an arrow table (``table()``: text columns dictionary-encoded, for Parquet/CSV output of
    national runs) only when asked; each is built once."""

    def __init__(self, cols: dict, n: int, units: list | None = None, keys: dict | None = None):
        self.cols = cols
        self.n = n
        # per rule part: (space, kept unit rows); per space: its unit key columns as (values, position of
        # each unit) — the CSV writer builds each unit's key fields once (reports/files.py)
        self.units = units
        self.keys = keys
        self._frame: pd.DataFrame | None = None
        self._table: pa.Table | None = None

    def __len__(self) -> int:
        return self.n

    def outcome_counts(self) -> dict:
        codes = np.concatenate([p[1] for p in self.cols["outcome"]]) if self.n else np.zeros(0, np.int8)
        counts = np.bincount(codes.astype(np.intp), minlength=4)
        return {name: int(counts[i]) for i, name in enumerate(OUTCOME_TEXT) if counts[i]}

    def cell(self, column: str, pos: int):
        """One value (row pos of the verdicts, in frame order) without building the frame."""
        if getattr(self, "_starts", None) is None:
            self._starts = np.cumsum([0] + [_part_len(p) for p in self.cols["rule_id"]])
        k = int(np.searchsorted(self._starts, pos, side="right")) - 1
        p, i = self.cols[column][k], pos - int(self._starts[k])
        if column in FLOAT_COLUMNS:
            return float(p[i])
        if p[0] == "const":
            return p[1]
        if p[0] == "take":
            return p[1][p[2][i]]
        if p[0] == "codes":
            return OUTCOME_TEXT[int(p[1][i])]
        return p[1][i].as_py() if p[0] == "pa" else p[1][i]

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = _frame_of(self.cols, self.n)
        return self._frame

    def table(self):
        if self._table is None:
            self._table = _table_of(self.cols, self.n)
        return self._table


def assemble_columns(ev: Evaluator, records_invalid: dict, lang: str = "zh", reasons: bool = True) -> Verdicts:
    """The verdict columns of every rule (reasons included unless ``reasons`` is False: ``junheng monitor``
    keeps only the numbers of each year), not yet joined into a frame or table."""
    cols: dict[str, list] = {c: [] for c in COLUMNS}
    keys_cache: dict = {}
    units: list = []
    bases = _key_bases(ev)
    total = 0
    for rule in ev.c.rules:
        res = ev.results[rule.id]
        keep = res.outcome != ABSENT
        n = int(keep.sum())
        if n == 0:
            continue
        total += n
        if res.space not in keys_cache:
            keys_cache[res.space] = _key_parts(ev, res.space, bases)
        keys = keys_cache[res.space]
        idx = np.flatnonzero(keep)
        units.append((res.space, idx))
        cit = rule.citation
        cols["level"].append(("const", "county" if res.space == "county_stage" else res.space, n))
        for k, (base, pos) in keys.items():
            cols[k].append(("take", base, pos[idx]))
        cols["rule_id"].append(("const", rule.id, n))
        cols["rule_name"].append(("const", rule.name_en if (lang == "en" and rule.name_en) else rule.name, n))
        cols["area"].append(("const", rule.area, n))
        cols["outcome"].append(("codes", res.outcome[idx].astype(np.int8)))
        cols["value"].append(res.value[idx] if res.value is not None else np.full(n, np.nan))
        cols["threshold"].append(res.threshold[idx] if res.threshold is not None else np.full(n, np.nan))
        cols["operator"].append(("const", rule.operator, n))
        cols["unit"].append(("const", rule.unit, n))
        cols["margin"].append(margin_of(res)[idx] if res.value is not None and rule.operator in (">=", ">", "<=", "<")
                              else np.full(n, np.nan))
        cols["threshold_param"].append(("arr", res.threshold_param[idx]) if res.threshold_param is not None
                                       else ("const", None, n))
        cols["citation_document"].append(("const", (cit.document_number or cit.document) if cit else None, n))
        cols["citation_article"].append(("const", cit.article if cit else None, n))
        cols["source_status"].append(("const", cit.source_status if cit else None, n))
        cols["reason"].append(("pa", build_reasons(ev, res, keep, records_invalid, lang)) if reasons
                              else ("const", None, n))
        cols["relaxation"].append(("arr", relaxation_texts(res)[idx]) if res.relaxed is not None
                                  else ("const", None, n))
    return Verdicts(cols, total, units, keys_cache)


FLOAT_COLUMNS = ("value", "threshold", "margin")


def _frame_of(cols: dict, n: int) -> pd.DataFrame:
    if not n:
        return pd.DataFrame({c: [] for c in COLUMNS})
    out = {}
    for c in COLUMNS:
        parts = cols[c]
        if c in FLOAT_COLUMNS:
            out[c] = np.concatenate(parts).astype("float64")
        elif c == "outcome":
            names = pa.array(OUTCOME_TEXT)
            codes = np.concatenate([p[1] for p in parts])
            out[c] = pd.Series(pd.array(names.take(pa.array(codes)), dtype=_STR))
        else:
            out[c] = _text_column(parts)
            if not isinstance(out[c], pd.Series):
                out[c] = pd.Series(out[c])
    return pd.DataFrame(out, columns=COLUMNS)


def _table_of(cols: dict, n: int):
    """The verdicts as an arrow table: floats as they are, reasons as text, every other text column
    dictionary-encoded straight from its parts (a rule's constant, the unit key arrays: no hashing of
    3.9 million strings). Missing text is null."""
    out = {}
    for c in COLUMNS:
        parts = cols[c]
        if c in FLOAT_COLUMNS:
            out[c] = pa.array(np.concatenate(parts).astype("float64") if parts else np.zeros(0), from_pandas=True)
        elif c == "outcome":
            codes = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int8)
            out[c] = pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)),
                                                    pa.array(OUTCOME_TEXT, type=pa.large_string()))
        elif c == "reason":
            out[c] = pa.chunked_array([p[1].cast(pa.large_string()) for p in parts], type=pa.large_string())
        else:
            out[c] = _dictionary_column(parts)
    return pa.table(out)


def _dictionary_column(parts):
    """One dictionary-encoded column from its parts: each distinct key array or constant once in the
    dictionary, the rows as int32 indices (null for a missing value), filled slice by slice."""
    total = sum(_part_len(p) for p in parts)
    idx = np.zeros(total, np.int32)
    ok = np.ones(total, bool)
    values, index_of_const, base_at = [], {}, {}
    size = at = 0
    for p in parts:
        n = _part_len(p)
        sl = slice(at, at + n)
        at += n
        if p[0] == "const":
            if p[1] is None:
                ok[sl] = False
                continue
            if p[1] not in index_of_const:
                index_of_const[p[1]] = size
                values.append(np.array([p[1]], dtype=object))
                size += 1
            idx[sl] = index_of_const[p[1]]
            continue
        if p[0] == "arr":  # per-rule values (threshold parameter names): their distinct values
            codes, uniq = pd.factorize(np.asarray(p[1], dtype=object))
            values.append(np.asarray(uniq, dtype=object))
            idx[sl] = np.maximum(codes, 0) + size
            ok[sl] = codes >= 0
            size += len(uniq)
            continue
        if p[0] == "take":
            base, pos = p[1], p[2]
        else:  # "pa": text as built
            base, pos = np.asarray(p[1].to_numpy(zero_copy_only=False), dtype=object), np.arange(n)
        key = id(base)
        if key not in base_at:
            missing = pd.isna(base)
            base_at[key] = (size, missing if missing.any() else None)
            values.append(np.asarray(base, dtype=object))
            size += len(base)
        first, missing = base_at[key]
        idx[sl] = pos
        idx[sl] += first
        if missing is not None:
            ok[sl] = ~missing[pos]
    dictionary = pa.array(np.concatenate(values) if values else np.zeros(0, dtype=object), type=pa.large_string(),
                          from_pandas=True)
    # the fill value is never used: missing values are null indices
    dictionary = pc.fill_null(dictionary, pa.scalar("", pa.large_string()))
    return pa.DictionaryArray.from_arrays(pa.array(idx, mask=None if ok.all() else ~ok), dictionary)


_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype


def _key_bases(ev: Evaluator) -> tuple:
    """The unit key arrays (county ids, school ids, names, stages), shared by every space's parts."""
    sp = ev.sp
    cids = sp.counties["county_id"].to_numpy(dtype=object)
    sids = sp.schools["school_id"].to_numpy(dtype=object) if len(sp.schools) else np.zeros(0, dtype=object)
    names = sp.schools["school_name"].to_numpy(dtype=object) if "school_name" in sp.schools else \
        np.full(len(sp.schools), None, dtype=object)
    stages = np.asarray(sp.stages, dtype=object)
    none = np.full(1, None, dtype=object)
    return cids, sids, names, stages, none


def _key_parts(ev: Evaluator, space: str, bases: tuple | None = None) -> dict:
    """The unit key columns of a space as (distinct values, position of each unit): a take, not a copy."""
    sp = ev.sp
    cids, sids, names, stages, none = bases or _key_bases(ev)
    if space == "stage":
        n = len(sp.u_school)
        return dict(county_id=(cids, sp.u_county), school_id=(sids, sp.u_school), school_name=(names, sp.u_school),
                    stage=(stages, sp.u_stage) if len(stages) else (none, np.zeros(n, dtype=np.intp)))
    if space == "school":
        n = len(sids)
        return dict(county_id=(cids, sp.s_county), school_id=(sids, np.arange(n)), school_name=(names, np.arange(n)),
                    stage=(none, np.zeros(n, dtype=np.intp)))
    if space == "county_stage":
        n = len(sp.cs_county)
        z = np.zeros(n, dtype=np.intp)
        return dict(county_id=(cids, sp.cs_county), school_id=(none, z), school_name=(none, z),
                    stage=(stages, sp.cs_stage) if len(stages) else (none, z))
    n = len(cids)
    z = np.zeros(n, dtype=np.intp)
    return dict(county_id=(cids, np.arange(n)), school_id=(none, z), school_name=(none, z), stage=(none, z))


def _part_values(part):
    if part[0] == "take":
        return part[1][part[2]]
    if part[0] == "pa":
        return np.asarray(part[1].to_numpy(zero_copy_only=False), dtype=object)
    return part[1]


def _part_len(part) -> int:
    if part[0] == "const":
        return part[2]
    return len(part[2]) if part[0] == "take" else len(part[1])


def _all_str(base, cache) -> bool:
    """Is every value of a key column a str (then any non-empty take of it is text, no NaN)?"""
    key = ("all_str", id(base))
    if key not in cache:
        cache[key] = len(base) > 0 and pd.api.types.infer_dtype(base, skipna=False) == "string"
    return cache[key]


def _is_text(part, cache) -> bool:
    if part[0] == "const":
        return isinstance(part[1], str)
    if part[0] == "pa":  # reasons: built as arrow text
        return len(part[1]) > 0 and part[1].null_count == 0 or \
            pd.api.types.infer_dtype(_part_values(part), skipna=True) == "string"
    if part[0] == "take" and len(part[2]) and _all_str(part[1], cache):
        return True
    return pd.api.types.infer_dtype(_part_values(part), skipna=True) == "string"


def _repeat_text(text, n: int):
    """n copies of one text as an arrow large_string array, buffers built directly (pa.repeat appends
    element by element)."""
    if text is None:
        return pa.nulls(n, pa.large_string())
    b = text.encode("utf-8")
    offsets = np.arange(n + 1, dtype=np.int64) * len(b)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(b * n)])


def _to_pa(part, cache):
    if part[0] == "const":
        return _repeat_text(part[1], part[2])
    if part[0] == "pa":
        return part[1].cast(pa.large_string())
    if part[0] == "take":
        key = id(part[1])
        if key not in cache:
            cache[key] = pa.array(part[1], type=pa.large_string(), from_pandas=True)
        return cache[key].take(pa.array(part[2]))
    return pa.array(part[1], type=pa.large_string(), from_pandas=True)


def _text_column(parts):
    """Concatenate column parts with the dtype per-rule frames + concat would give (see assemble)."""
    cache = {}
    text = [_is_text(p, cache) for p in parts]
    if all(text):
        chunks = [_to_pa(p, cache) for p in parts]
        return pd.array(pa.chunked_array(chunks, type=pa.large_string()), dtype=_STR)
    out = np.empty(sum(_part_len(p) for p in parts), dtype=object)
    at = 0
    for p, is_text in zip(parts, text):
        if p[0] == "const":
            n = p[2]
            out[at:at + n] = p[1]
        else:
            a = _part_values(p)
            n = len(a)
            out[at:at + n] = a
            # a text part went through the str dtype: its missing values are NaN
            if is_text and not (p[0] == "take" and _all_str(p[1], cache)):
                seg = out[at:at + n]
                seg[pd.isna(seg)] = np.nan
        at += n
    return pd.Series(out, dtype=object)
