"""The evaluator's state and the arrays an expression reads: fields, parameters in force, derived values
and rule outcomes, each as one array over a row space (stage, school, county_stage, county), and the index
arrays that move an array from one space to another (broadcast to a finer space, group into a coarser one).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng.evaluation.logic import bool_from_outcome
from junheng.evaluation.results import RuleResult
from junheng.evaluation.units import Spaces
from junheng.standard.checker import Compiled


class Inputs:
    def __init__(self, compiled: Compiled, spaces: Spaces, as_of=None):
        self.c = compiled
        self.std = compiled.std
        self.t = compiled.table
        self.sp = spaces
        self.as_of = as_of
        self.tol = self.std.tolerance
        self.cache: dict = {}
        self.derived: dict = {}
        self.results: dict[str, RuleResult] = {}
        self._empty: dict | None = None  # rows of the rule being evaluated where an aggregate met an empty set
        self.suppressed: set = set()  # parameters treated as out of force (the check of relaxed passes)

    # ------------------------------------------------------------ spaces
    def n(self, space):
        return self.sp.sizes[space]

    def broadcast(self, arr, src: str, dst: str):
        if src == dst or src == "const":
            return arr
        sp = self.sp
        if src == "county":
            idx = {"stage": sp.u_county, "school": sp.s_county, "county_stage": sp.cs_county}[dst]
        elif src == "school" and dst == "stage":
            idx = sp.u_school
        elif src == "county_stage" and dst == "stage":
            idx = sp.u_cs
        else:  # pragma: no cover - the checker rejects other combinations
            raise ValueError(f"cannot broadcast {src} to {dst}")
        return arr[idx]

    def group(self, src: str, dst: str):
        sp = self.sp
        if src == "stage":
            return {"school": sp.u_school, "county": sp.u_county, "county_stage": sp.u_cs}[dst]
        if src == "school" and dst == "county":
            return sp.s_county
        if src == "county_stage" and dst == "county":
            return sp.cs_county
        raise ValueError(f"cannot group {src} into {dst}")  # pragma: no cover

    # ------------------------------------------------------------ fields
    def field_array(self, name: str, space: str):
        key = ("field", name, space)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        sym = self.t.get(name)
        arr = self._field_array(sym, space)
        self.cache[key] = arr
        return arr

    def _frame_col(self, table: str, col: str, kind: str):
        frame = self.sp.schools if table == "school" else self.sp.counties
        if col in frame.columns:
            s = frame[col]
            if kind == "text":
                return s.to_numpy(dtype=object)
            return s.to_numpy(dtype="float64", na_value=np.nan) if s.dtype != object else \
                np.asarray(s.astype("float64"), dtype="float64")
        n = len(frame)
        return filled(n, None) if kind == "text" else np.full(n, np.nan)

    def _stage_matrix(self, table, fd, kind):
        cols = [self._frame_col(table, f"{fd.id}_{s}", kind) for s in self.sp.stages]
        return np.stack(cols, axis=1) if cols else np.zeros((0, 0))

    def _field_array(self, sym, space):
        sp = self.sp
        if sym.kind == "builtin":  # stage
            return sp.stage_names(space)
        if sym.kind == "column":
            col = sym.obj
            table = col.field.table
            arr = self._frame_col(table, col.id, sym.vkind)
            return self.broadcast(arr, "school" if table == "school" else "county", space)
        fd = sym.obj
        if fd.table == "county":
            if fd.per_stage:
                mat = self._stage_matrix("county", fd, sym.vkind)
                ci = sp.u_county if space == "stage" else sp.cs_county
                return mat[ci, sp.stage_codes(space)]
            return self.broadcast(self._frame_col("county", fd.id, sym.vkind), "county", space)
        if fd.per_stage:  # space == stage (checked)
            mat = self._stage_matrix("school", fd, sym.vkind)
            return mat[sp.u_school, sp.u_stage]
        total = self._frame_col("school", fd.id, sym.vkind)
        if fd.split and space == "stage":
            share_val = total[sp.u_school] * sp.u_share
            mat = self._stage_matrix("school", fd, sym.vkind)
            given = mat[sp.u_school, sp.u_stage]
            return np.where(np.isnan(given), share_val, given)
        return self.broadcast(total, "school", space)

    def param_array(self, name: str, space: str):
        key = ("param", name, space)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        p = self.std.parameters[name]
        v = p.in_force(self.as_of) if name not in self.suppressed else None
        n = self.n(space)
        if v is None:
            arr = np.full(n, np.nan)
        elif v.values is not None:
            lut = np.array([v.values.get(s, np.nan) for s in self.sp.stages], dtype="float64")
            arr = lut[self.sp.stage_codes(space)] if len(lut) else np.full(n, np.nan)
        else:
            arr = np.full(n, float(v.value))
        self.cache[key] = arr
        return arr

    def derived_array(self, name: str, space: str):
        d = self.std.derived[name]
        return self.broadcast(self.derived[name], d.level, space)

    def rule_outcome_bool(self, rid: str, space: str):
        r = self.results[rid]
        return self.broadcast(bool_from_outcome(r.outcome), r.space, space)


def filled(n: int, value) -> np.ndarray:
    """np.full(n, value, dtype=object), 30x faster (np.full goes through copyto for object arrays)."""
    a = np.empty(n, dtype=object)
    a.fill(value)
    return a


def text_missing(a):
    return pd.isna(a)
