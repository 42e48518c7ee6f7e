"""What the monitor keeps of each evaluated year: per verdict row, integer codes of its unit key (level,
county, school, stage, rule) and the engine's value, threshold, margin, outcome and ``relaxation``
column, taken from the assembled verdict columns. Text keys are coded once per distinct value (a year's
county ids, school ids, stages), never per verdict row; the run itself (records, spaces, evaluator,
verdict columns) can then be dropped.

``matrices`` aligns the years: one row per distinct unit, one column per year.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from junheng.verdicts.assemble import relaxation_text

KEYS = ["level", "county_id", "school_id", "stage", "rule_id"]
DESCRIBE = ["school_name", "rule_name", "operator", "unit"]


class Registry:
    """Distinct texts → stable integer codes, over all years (missing → "")."""

    def __init__(self) -> None:
        self.index = pd.Index([], dtype=object)

    def codes(self, values) -> np.ndarray:
        arr = np.asarray(values, dtype=object)
        miss = pd.isna(arr)
        if miss.any():
            arr = np.where(miss, "", arr)
        idx = self.index.get_indexer(pd.Index(arr)) if len(self.index) else np.full(len(arr), -1)
        if (idx < 0).any():
            new = pd.unique(arr[idx < 0])
            self.index = self.index.append(pd.Index(new, dtype=object))
            idx = self.index.get_indexer(pd.Index(arr))
        return idx.astype(np.int32)

    def __len__(self) -> int:
        return len(self.index)

    def values(self) -> np.ndarray:
        return self.index.to_numpy(dtype=object)


@dataclass
class YearRows:
    """One year's verdict rows: key codes and the engine's numbers."""
    codes: dict  # KEYS name → int32 codes
    value: np.ndarray
    threshold: np.ndarray
    margin: np.ndarray
    outcome: np.ndarray  # int8: 0 fail, 1 pass, 2 not_evaluable, 3 not_applicable
    relaxation: np.ndarray  # int32 code into Keeper.relax (-1: no relaxation)


@dataclass
class Keeper:
    """The registries shared by every year, and each year's rows."""
    reg: dict = field(default_factory=lambda: {k: Registry() for k in KEYS})
    names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))  # school code → latest name
    rules: dict = field(default_factory=dict)  # rule code → (name, operator, unit), latest year
    relax: Registry = field(default_factory=Registry)
    relax_meta: dict = field(default_factory=dict)  # relaxation text → (parameters, end date)
    years: dict = field(default_factory=dict)  # year → YearRows

    def keep(self, year: int, run) -> None:
        """Code a run's verdict columns (the run can be dropped afterwards)."""
        cols, n = run.columns.cols, len(run.columns)
        base_codes: dict = {}
        codes = {}
        for k in ("county_id", "school_id", "stage"):
            codes[k] = self._take_codes(cols[k], k, base_codes, n)
        codes["level"] = self._const_codes(cols["level"], "level", n)
        codes["rule_id"] = self._const_codes(cols["rule_id"], "rule_id", n)
        self._keep_names(cols["school_name"], cols["school_id"], base_codes)
        rule_codes = self.reg["rule_id"].codes([p[1] for p in cols["rule_id"]]).tolist()  # one part per rule
        for rc, name, op, unit in zip(rule_codes, cols["rule_name"], cols["operator"], cols["unit"]):
            self.rules[rc] = (name[1], op[1], unit[1])
        self._keep_relax_meta(run)
        rel = [p[1] if p[0] == "arr" else np.full(p[2], None, dtype=object) for p in cols["relaxation"]]
        rel_all = np.concatenate(rel) if rel else np.zeros(0, dtype=object)
        has = pd.notna(rel_all)
        relax = np.full(n, -1, dtype=np.int32)
        if has.any():
            relax[has] = self.relax.codes(rel_all[has])

        def floats(c):
            return np.concatenate(cols[c]).astype(float) if n else np.zeros(0)

        outcome = np.concatenate([p[1] for p in cols["outcome"]]).astype(np.int8) if n else np.zeros(0, np.int8)
        self.years[year] = YearRows(codes, floats("value"), floats("threshold"), floats("margin"), outcome, relax)

    def merge(self, other: Keeper) -> None:
        """The years another keeper coded (in a worker process), its codes turned into this one's: one
        lookup per distinct text, then one ``take`` per column. Merge in year order, as ``keep`` is called
        (a school's name, a rule's description are the latest year's)."""
        maps = {k: self.reg[k].codes(other.reg[k].values()) if len(other.reg[k]) else np.zeros(0, np.int32)
                for k in KEYS}
        if len(other.names):
            self._grow_names()
            named = np.flatnonzero(pd.notna(other.names))
            self.names[maps["school_id"][named]] = other.names[named]
        for rc, meta in other.rules.items():
            self.rules[int(maps["rule_id"][rc])] = meta
        rmap = self.relax.codes(other.relax.values()) if len(other.relax) else np.zeros(1, np.int32)
        for text, meta in other.relax_meta.items():
            self.relax_meta.setdefault(text, meta)
        for y, r in other.years.items():
            relax = np.where(r.relaxation >= 0, rmap[np.maximum(r.relaxation, 0)], -1).astype(np.int32)
            self.years[y] = YearRows({k: maps[k][r.codes[k]] for k in KEYS}, r.value, r.threshold, r.margin,
                                     r.outcome, relax)

    def _grow_names(self) -> None:
        if len(self.names) < len(self.reg["school_id"]):
            grown = np.full(len(self.reg["school_id"]), None, dtype=object)
            grown[:len(self.names)] = self.names
            self.names = grown

    def _take_codes(self, parts, key, base_codes, n) -> np.ndarray:
        out = np.empty(n, dtype=np.int32)
        at = 0
        for p in parts:  # one part per rule
            if p[0] == "take":
                b = (key, id(p[1]))  # the same array (no stage: [None]) serves several keys
                if b not in base_codes:
                    base_codes[b] = self.reg[key].codes(p[1])
                m = len(p[2])
                out[at:at + m] = base_codes[b][p[2]]
            elif p[0] == "const":
                m = p[2]
                out[at:at + m] = self.reg[key].codes([p[1]])[0]
            else:
                m = len(p[1])
                out[at:at + m] = self.reg[key].codes(p[1])
            at += m
        return out

    def _const_codes(self, parts, key, n) -> np.ndarray:
        code = self.reg[key].codes([p[1] for p in parts])
        return np.repeat(code, [p[2] for p in parts]).astype(np.int32) if n else np.zeros(0, np.int32)

    def _keep_names(self, name_parts, id_parts, base_codes) -> None:
        for pn, pi in zip(name_parts, id_parts):
            if pn[0] == "take" and pi[0] == "take" and ("school_id", id(pi[1])) in base_codes \
                    and ("n", id(pn[1])) not in base_codes:
                base_codes[("n", id(pn[1]))] = True
                sc = base_codes[("school_id", id(pi[1]))]
                self._grow_names()
                self.names[sc] = pn[1]

    def _keep_relax_meta(self, run) -> None:
        """Each relaxation text the verdict column can hold → (parameters, the day the relaxation ends), from
        the same parameter windows the engine wrote it from (``relaxation_text``)."""
        for res in run.evaluator.results.values():
            if getattr(res, "relaxed_keys", None) is None or res.relaxed_by is None:
                continue
            for key in res.relaxed_keys[1]:
                by = {pid: res.relaxed_by[pid] for pid in key}
                text = relaxation_text(by)
                if text not in self.relax_meta:
                    ends = [w.end for w in by.values() if w.end is not None]
                    self.relax_meta[text] = (sorted(by), min(ends).isoformat() if ends else None)


def _same_rows(a: YearRows, b: YearRows) -> bool:
    return len(a.outcome) == len(b.outcome) and all(np.array_equal(a.codes[k], b.codes[k]) for k in KEYS)


def _unit_codes(keeper: Keeper, all_years: list) -> tuple:
    """(unit index of every verdict row of every year, in year order; each unit's key; the key's radixes).
    A unit's key packs its five codes into one integer; the keys are hashed (``pd.factorize``: units in
    order of first appearance). A year whose rows have the same keys in the same order as the year before
    (a projected year: the last year's records, the same rules) takes that year's indexes unhashed."""
    sizes = [max(len(keeper.reg[k]), 1) for k in KEYS]
    hashed: list = []
    own: dict = {}
    for i, y in enumerate(all_years):
        r = keeper.years[y]
        if i and _same_rows(keeper.years[all_years[i - 1]], r):
            own[y] = own[all_years[i - 1]]  # the earlier year's slot
            continue
        key = np.zeros(len(r.outcome), dtype=np.int64)
        for kname, size in zip(KEYS, sizes):
            key = key * size + r.codes[kname]
        own[y] = len(hashed)
        hashed.append(key)
    keys = np.concatenate(hashed) if hashed else np.zeros(0, np.int64)
    codes, ukey = pd.factorize(keys)  # first appearances: the same with or without the repeated years
    bounds = np.cumsum([0] + [len(k) for k in hashed])
    per_slot = [codes[bounds[j]:bounds[j + 1]] for j in range(len(hashed))]
    code = np.concatenate([per_slot[own[y]] for y in all_years]) if all_years else np.zeros(0, np.intp)
    return code, ukey, sizes


def matrices(keeper: Keeper, all_years: list):
    """units × years matrices of value, threshold, margin, outcome and relaxation code, aligned by unit key,
    and the units frame (keys and descriptions; a unit described by its latest year)."""
    code, ukey, sizes = _unit_codes(keeper, all_years)
    parts = [keeper.years[y].outcome for y in all_years]
    col = np.repeat(np.arange(len(all_years)), [len(p) for p in parts])
    n, ny = len(ukey), len(all_years)
    mats = {}
    for name in ("value", "threshold", "margin"):
        m = np.full((n, ny), np.nan)
        m[code, col] = np.concatenate([getattr(keeper.years[y], name) for y in all_years]) if parts else []
        mats[name] = m
    o = np.full((n, ny), -1, dtype=np.int8)
    o[code, col] = np.concatenate([keeper.years[y].outcome for y in all_years]) if parts else []
    mats["outcome"] = o
    rx = np.full((n, ny), -1, dtype=np.int32)
    rx[code, col] = np.concatenate([keeper.years[y].relaxation for y in all_years]) if parts else []
    mats["relaxation"] = rx
    # decode the unit keys back into texts
    ukey = np.asarray(ukey, dtype=np.int64)  # unit i's key
    units = {}
    school_code = rule_code = np.zeros(n, dtype=np.intp)
    for kname, size in zip(reversed(KEYS), reversed(sizes)):
        c = (ukey % size).astype(np.intp)
        ukey = ukey // size
        vals = keeper.reg[kname].values()
        units[kname] = vals[c] if len(vals) else np.full(len(c), "", dtype=object)
        if kname == "school_id":
            school_code = c
        if kname == "rule_id":
            rule_code = c
    # object columns: pandas would otherwise turn millions of key texts into arrow strings (and back)
    frame = pd.DataFrame({k: pd.Series(units[k], dtype=object) for k in KEYS})
    names = np.full(max(len(keeper.reg["school_id"]), 1), None, dtype=object)
    names[:len(keeper.names)] = keeper.names
    school_names = names[school_code]
    school_names[units["school_id"] == ""] = None  # county units
    frame["school_name"] = pd.Series(school_names, dtype=object)
    meta = np.array([keeper.rules.get(i, (None, None, None)) for i in range(len(keeper.reg["rule_id"]))] or
                    [(None, None, None)], dtype=object)
    for j, cname in enumerate(("rule_name", "operator", "unit")):
        frame[cname] = pd.Series(meta[rule_code, j] if n else [], dtype=object)
    return frame, mats
