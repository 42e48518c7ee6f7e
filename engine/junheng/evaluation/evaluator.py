"""Vectorised evaluation: each expression becomes whole-column numpy operations over a row space.

No Python loop runs over schools: a field is one array per space, a county aggregate is one
``bincount`` over group codes, a per-stage parameter is one array lookup by stage code. Every
intermediate a verdict needs (rule values, thresholds, outcomes, derived fields) is kept so
explanations can be built afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng.language import nodes as ast
from junheng.standard.checker import Compiled, natural_level, meet
from junheng.language.functions import FUNCTIONS, is_aggregate
from junheng.evaluation.logic import (ABSENT, FAIL, NOT_APPLICABLE, NOT_EVALUABLE, PASS, aggregate, and3, bool_from_outcome, compare,
                    not3, or3, outcome_from_bool, round_half_up)
from junheng.evaluation.units import Spaces


@dataclass
class RuleResult:
    rule: object
    space: str
    outcome: np.ndarray  # int8 codes
    value: np.ndarray | None = None  # compared value (rounded if the rule rounds)
    raw_value: np.ndarray | None = None
    threshold: np.ndarray | None = None
    threshold_param: np.ndarray | None = None  # which parameter gave the threshold, per row
    detail: dict | None = None  # at_least: per-rule pass/floor arrays
    tol: float = 0.0  # the standard's relative tolerance (margins, counterfactuals)
    empty_group: np.ndarray | None = None  # rows whose aggregate found no unit at all (e.g. a county without schools)
    empty_selection: np.ndarray | None = None  # rows whose aggregate's where/applicability selected no unit
    decided_by_bounds: np.ndarray | None = None  # rows an unknown if-condition left open but both branches decide
    relaxed: np.ndarray | None = None  # rows that pass only because a dated relaxation is in force
    relaxed_by: dict | None = None  # relaxation parameter id -> its window
    relaxed_keys: tuple | None = None  # (per-row code, list of relaxation-parameter tuples); code -1 = not relaxed

    @property
    def applicable(self):
        return (self.outcome != NOT_APPLICABLE) & (self.outcome != ABSENT)


class Evaluator:
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
        self._empty = None  # rows of the rule being evaluated where an aggregate met an empty set
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

    # ------------------------------------------------------------ expressions
    def node_values(self, node: ast.Node, space: str):
        m = getattr(self, "_" + type(node).__name__)
        return m(node, space)

    def _Number(self, node, space):
        return np.full(self.n(space), node.value)

    def _Bool(self, node, space):
        return np.full(self.n(space), 1.0 if node.value else 0.0)

    def _String(self, node, space):
        return np.full(self.n(space), node.value, dtype=object)

    def _Name(self, node, space):
        sym = self.t.get(node.id)
        if sym.kind in ("field", "column", "builtin"):
            return self.field_array(node.id, space)
        if sym.kind == "param":
            return self.param_array(node.id, space)
        if sym.kind == "derived":
            return self.derived_array(node.id, space)
        return self.rule_outcome_bool(node.id, space)

    def _BinOp(self, node, space):
        a = self.node_values(node.left, space)
        b = self.node_values(node.right, space)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if node.op == "+":
                r = a + b
            elif node.op == "-":
                r = a - b
            elif node.op == "*":
                r = a * b
            else:
                r = a / b
        return np.where(np.isfinite(r), r, np.nan)

    def _Neg(self, node, space):
        return -self.node_values(node.operand, space)

    def _Compare(self, node, space):
        if node.op in ("==", "!=") and isinstance(node.right, ast.String):
            fac = self._factor(node.left, space)
            if fac is not None:  # text field == "constant": once per distinct value
                codes, uniq = fac
                eq = np.array([u == node.right.value for u in uniq] + [False], dtype=float)[codes]
                r = eq if node.op == "==" else 1.0 - eq
                return np.where(codes < 0, np.nan, r)
        a = self.node_values(node.left, space)
        b = self.node_values(node.right, space)
        if a.dtype == object or b.dtype == object:
            miss = _text_missing(a) | _text_missing(b)
            eq = (a == b).astype(float)
            r = eq if node.op == "==" else 1.0 - eq
            return np.where(miss, np.nan, r)
        return compare(node.op, a, b, self.tol)

    def _And(self, node, space):
        return and3(self.node_values(node.left, space), self.node_values(node.right, space))

    def _Or(self, node, space):
        return or3(self.node_values(node.left, space), self.node_values(node.right, space))

    def _Not(self, node, space):
        return not3(self.node_values(node.operand, space))

    def _cond(self, node, space):
        """A condition of an ``if``, evaluated once per space (thresholds and their labels share it)."""
        key = ("cond", id(node), space)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = self.node_values(node, space)
        return hit

    def _factor(self, node, space):
        """(codes, distinct values) of a text field: text tests run once per distinct value."""
        if not isinstance(node, ast.Name):
            return None
        sym = self.t.get(node.id)
        if sym is None or sym.kind not in ("field", "column") or sym.vkind != "text":
            return None
        key = ("factor", node.id, space)
        hit = self.cache.get(key)
        if hit is None:
            x = self.field_array(node.id, space)
            if x.dtype != object:
                return None
            codes, uniq = pd.factorize(x)
            hit = self.cache[key] = (codes, np.asarray(uniq, dtype=object))
        return hit

    def _If(self, node, space):
        c = self._cond(node.cond, space)
        a = self.node_values(node.then, space)
        b = self.node_values(node.other, space)
        # three-valued: an unknown condition whose two branches give the same value gives that value
        if a.dtype == object or b.dtype == object:
            same = ~_text_missing(a) & ~_text_missing(b) & (a == b)
            out = np.where(c == 1, a, np.where(c == 0, b, np.where(same, a, None)))
            return out.astype(object)
        return np.where(c == 1, a, np.where(c == 0, b, np.where(a == b, a, np.nan)))

    # ------------------------------------------------------------ bounds of a value under unknown conditions
    def bounds(self, node, space):
        """(low, high) of a numeric expression when the conditions of its ``if``s may be unknown: an unknown
        condition gives the hull of both branches. Rows where the expression is known: low = high = value.
        Other unknowns (a missing field) stay NaN. Used to decide a comparison that both branches decide."""
        t = type(node).__name__
        if t == "If":
            c = self._cond(node.cond, space)
            alo, ahi = self.bounds(node.then, space)
            blo, bhi = self.bounds(node.other, space)
            unk = np.isnan(c)
            with np.errstate(invalid="ignore"):
                lo = np.where(c == 1, alo, np.where(c == 0, blo, np.fmin(alo, blo)))
                hi = np.where(c == 1, ahi, np.where(c == 0, bhi, np.fmax(ahi, bhi)))
            # fmin/fmax ignore one NaN: a branch that is itself unknown leaves the hull unknown
            bad = unk & (np.isnan(alo) | np.isnan(blo) | np.isnan(ahi) | np.isnan(bhi))
            return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
        if t == "BinOp":
            alo, ahi = self.bounds(node.left, space)
            blo, bhi = self.bounds(node.right, space)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if node.op == "+":
                    lo, hi = alo + blo, ahi + bhi
                elif node.op == "-":
                    lo, hi = alo - bhi, ahi - blo
                else:
                    if node.op == "/":
                        zero = (blo <= 0) & (bhi >= 0)  # a divisor range containing 0: unknown
                        blo, bhi = np.where(zero, np.nan, 1.0 / bhi), np.where(zero, np.nan, 1.0 / blo)
                    cands = np.stack([alo * blo, alo * bhi, ahi * blo, ahi * bhi])
                    lo, hi = cands.min(axis=0), cands.max(axis=0)
            lo = np.where(np.isfinite(lo), lo, np.nan)
            hi = np.where(np.isfinite(hi), hi, np.nan)
            return lo, hi
        if t == "Neg":
            lo, hi = self.bounds(node.operand, space)
            return -hi, -lo
        if t == "Call" and node.func in ("round", "ceil", "floor") or \
                (t == "Call" and node.func in ("min", "max") and len(node.args) > 1):
            parts = [self.bounds(a, space) for a in node.args]
            if node.func in ("min", "max"):
                f = np.minimum if node.func == "min" else np.maximum
                lo, hi = parts[0]
                for plo, phi in parts[1:]:
                    lo, hi = f(lo, plo), f(hi, phi)
                return lo, hi
            # monotone non-decreasing: apply to both ends (digits is a literal, see the checker)
            mono = lambda x: self._Call(node, space, override=x)  # noqa: E731
            return mono(parts[0][0]), mono(parts[0][1])
        x = self.node_values(node, space)
        return x, x

    def _decide_by_bounds(self, rule, space, ok, val_exprs, thr_exprs):
        """Rows left unknown by an unknown ``if`` condition that both branches decide alike: decided.
        Returns (ok, decided rows, value shown, threshold shown)."""
        unk = np.isnan(ok)
        if not unk.any():
            return ok, None
        vlo, vhi = self._stage_bounds(val_exprs, space)
        if rule.round is not None:
            vlo, vhi = round_half_up(vlo, rule.round), round_half_up(vhi, rule.round)
        tlo, thi = self._stage_bounds(thr_exprs, space)
        op, tol = rule.operator, self.tol
        if op in (">=", ">"):
            sure_pass, sure_fail = compare(op, vlo, thi, tol) == 1, compare(op, vhi, tlo, tol) == 0
            shown = (vlo, thi, vhi, tlo)
        elif op in ("<=", "<"):
            sure_pass, sure_fail = compare(op, vhi, tlo, tol) == 1, compare(op, vlo, thi, tol) == 0
            shown = (vhi, tlo, vlo, thi)
        else:
            return ok, None
        sure_pass &= unk
        sure_fail &= unk & ~sure_pass
        decided = sure_pass | sure_fail
        if not decided.any():
            return ok, None
        ok = np.where(sure_pass, 1.0, np.where(sure_fail, 0.0, ok))
        # shown: the decisive end of each side (e.g. for >= and a pass: the lowest value, the highest threshold)
        val = np.where(sure_pass, shown[0], shown[2])
        thr = np.where(sure_pass, shown[1], shown[3])
        return ok, (decided, val, thr)

    def _stage_bounds(self, exprs, space):
        if "*" in exprs:
            return self.bounds(exprs["*"].node, space)
        codes = self.sp.stage_codes(space)
        lo = hi = np.full(self.n(space), np.nan)
        for stage, e in exprs.items():
            elo, ehi = self.bounds(e.node, space)
            sel = codes == self.sp.stages.index(stage)
            lo, hi = np.where(sel, elo, lo), np.where(sel, ehi, hi)
        return lo, hi

    def _In(self, node, space):
        opts = [i.value for i in node.options.items]
        fac = self._factor(node.operand, space)
        if fac is not None:  # same result as below, computed per distinct value
            codes, uniq = fac
            lut = np.isin(np.asarray([str(u) for u in uniq], dtype=object).astype(str),
                          [str(o) for o in opts]).astype(float)
            r = np.where(codes < 0, np.nan, np.append(lut, np.nan)[codes])
            return not3(r) if node.negate else r
        x = self.node_values(node.operand, space)
        if x.dtype == object:
            miss = _text_missing(x)
            r = np.isin(x.astype(str), [str(o) for o in opts]).astype(float)
        else:
            miss = np.isnan(x)
            r = np.zeros(len(x))
            for o in opts:
                r = np.maximum(r, compare("==", x, np.full(len(x), float(o)), self.tol))
        r = np.where(miss, np.nan, r)
        return not3(r) if node.negate else r

    def _IsMissing(self, node, space):
        x = self.node_values(node.operand, space)
        miss = _text_missing(x) if x.dtype == object else np.isnan(x)
        r = miss.astype(float)
        return 1.0 - r if node.negate else r

    def _ListExpr(self, node, space):  # pragma: no cover - lists only appear as arguments
        raise TypeError("list outside a function")

    def _Call(self, node, space, override=None):
        """A function call: its implementation in the function table (language/functions.py)."""
        return FUNCTIONS[node.func].evaluate(self, node, space, override)

    def at_least_parts(self, node, space):
        """at_least(k, [rules], rest_reach = f), three-valued.

        fail  if a failing rule is below f × its threshold, or passes + unknowns < k;
        pass  if nothing is unknown, passes ≥ k and every failing rule reaches f × threshold;
        unknown otherwise (an unknown rule could still be below the floor).
        """
        k = self.node_values(node.args[0], space)
        ids = [i.id for i in node.args[1].items]
        floor = self.node_values(node.kwargs["rest_reach"], space) if "rest_reach" in node.kwargs else None
        n = self.n(space)
        passes, unknown, below = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
        for rid in ids:
            r = self.results[rid]
            o = r.outcome
            passes += o == PASS
            unknown += o == NOT_EVALUABLE
            if floor is not None:
                with np.errstate(invalid="ignore"):
                    reach = compare(">=", r.value, floor * r.threshold, self.tol)
                below |= (o == FAIL) & (reach == 0)
        definite_fail = below | (passes + unknown < k)
        definite_pass = (unknown == 0) & (passes >= k) & ~below
        return np.where(definite_fail, 0.0, np.where(definite_pass, 1.0, np.nan)), passes, unknown, below

    def aggregate_call(self, node, space):
        parts = list(node.args) + list(node.kwargs.values())
        src = "const"
        for p in parts:
            src = meet(src, natural_level(p, self.t))
        if src == "const":
            src = "stage"
        g = self.group(src, space) if not (src == "school" and space == "county_stage") else self.sp.s_county
        n = self.n(space) if not (src == "school" and space == "county_stage") else self.n("county")
        x = self.node_values(node.args[0], src) if node.args else None
        where = self.node_values(node.kwargs["where"], src) if "where" in node.kwargs else None
        arg = node.args[0] if node.args else None
        if isinstance(arg, ast.Call) and arg.func == "passed":
            arg = arg.args[0]
        refs = [arg.id] if isinstance(arg, ast.Name) and self.t.get(arg.id).kind == "rule" else []
        refs += _value_refs(node.args[0]) if node.args else []
        for rid in dict.fromkeys(refs):  # a unit a reduced rule does not apply to is not reduced (value(R) too)
            r = self.results[rid]
            app = self.broadcast(r.applicable.astype(float), r.space, src)
            where = app if where is None else and3(where, app)
        weight = self.node_values(node.kwargs["weight"], src) if "weight" in node.kwargs else None
        info = {}
        r = aggregate(node.func, g, n, x, where, weight, info)
        if src == "school" and space == "county_stage":
            r = r[self.sp.cs_county]
            info = {k: v[self.sp.cs_county] for k, v in info.items()}
        self._note_empty(info, space)
        return r

    def _note_empty(self, info: dict, space: str):
        """Remember, for the rule being evaluated, the rows where an aggregate met an empty set."""
        flags = self._empty
        if flags is None or space != flags["space"]:
            return
        for key in ("empty_group", "empty_selection"):
            flags[key] = flags[key] | info[key]

    # ------------------------------------------------------------ stage variants
    def eval_stage_exprs(self, exprs: dict, space: str):
        if "*" in exprs:
            return self.node_values(exprs["*"].node, space)
        codes = self.sp.stage_codes(space)
        out = None
        for stage, e in exprs.items():
            code = self.sp.stages.index(stage)
            v = self.node_values(e.node, space)
            if out is None:
                out = np.full(len(v), np.nan) if v.dtype != object else filled(len(v), None)
            out = np.where(codes == code, v, out)
        return out

    def threshold_labels(self, exprs: dict, space: str):
        """Which parameter each row's threshold came from (for 'if ... then P1 else P2' thresholds)."""
        n = self.n(space)
        names = [None]  # label codes: 0 = no parameter, k = names[k]

        def code(pid):
            if pid not in names:
                names.append(pid)
            return names.index(pid)

        def lab(node):
            if isinstance(node, ast.Name) and node.id in self.std.parameters:
                return code(node.id)
            if isinstance(node, ast.If):
                c = self._cond(node.cond, space)
                return np.where(c == 1, lab(node.then), np.where(c == 0, lab(node.other), 0))
            return 0

        if "*" in exprs:
            out = lab(exprs["*"].node)
        else:
            stage_codes = self.sp.stage_codes(space)
            out = 0
            for stage, e in exprs.items():
                out = np.where(stage_codes == self.sp.stages.index(stage), lab(e.node), out)
        table = np.asarray(names, dtype=object)
        if np.ndim(out) == 0:
            return filled(n, table[int(out)])
        return table[np.asarray(out, dtype=np.intp)]

    # ------------------------------------------------------------ rules
    def run(self, mark_relaxed: bool = True):
        for kind, oid in self.c.order:
            if kind == "derived":
                d = self.std.derived[oid]
                self.derived[oid] = self.eval_stage_exprs(d.expr, d.level)
            else:
                self.results[oid] = self.eval_rule(self.std.rules[oid])
        if mark_relaxed:
            self.mark_relaxed()
        return self

    # ------------------------------------------------------------ dated relaxations
    def relaxations(self) -> dict:
        """Parameters in force at the as-of date only through a version with an end date (the 2019 规程's
        transitional relaxations): id -> that version's window."""
        out = {}
        for pid in sorted({p for d in self.c.deps.values() for p in d.params}):
            v = self.std.parameters[pid].in_force(self.as_of)
            if v is not None and v.window.end is not None:
                out[pid] = v.window
        return out

    def mark_relaxed(self):
        """A verdict that passes only because a dated relaxation is in force: evaluate again, in one more
        vectorised pass over the rules that read a relaxation (directly, through derived values or
        through other rules), with those parameters out of force; pass now and not pass then = relaxed."""
        relax = self.relaxations()
        if not relax:
            return
        affected, order = set(), []
        for kind, oid in self.c.order:
            d = self.c.deps.get(oid)
            if d is not None and (d.params & set(relax) or d.derived & affected or d.rules & affected):
                affected.add(oid)
                order.append((kind, oid))
        probe = Evaluator(self.c, self.sp, self.as_of)
        probe.suppressed = set(relax)
        probe.derived = dict(self.derived)
        probe.results = dict(self.results)
        for kind, oid in order:
            if kind == "derived":
                d = self.std.derived[oid]
                probe.derived[oid] = probe.eval_stage_exprs(d.expr, d.level)
            else:
                res = self.results[oid]
                without = probe.results[oid] = probe.eval_rule(self.std.rules[oid])
                mask = (res.outcome == PASS) & (without.outcome != PASS)
                if mask.any():
                    res.relaxed = mask
                    res.relaxed_by = {pid: relax[pid] for pid in _params_through(self.c, oid) if pid in relax}
                    # per row: a threshold taken from a relaxation parameter names that one only
                    sets = [tuple(res.relaxed_by)]
                    code = np.where(mask, 0, -1)
                    if res.threshold_param is not None:
                        tp = np.asarray(res.threshold_param, dtype=object)
                        for pid in relax:
                            sel = mask & (tp == pid)
                            if sel.any():
                                sets.append((pid,))
                                code[sel] = len(sets) - 1
                    res.relaxed_keys = (code, sets)

    def eval_rule(self, rule) -> RuleResult:
        space = rule.space
        n = self.n(space)
        self._empty = {"space": space, "empty_group": np.zeros(n, dtype=bool),
                       "empty_selection": np.zeros(n, dtype=bool)}
        applicable = None
        if rule.applies_when is not None:
            applicable = self.node_values(rule.applies_when.node, space)
        absent = np.zeros(n, dtype=bool)
        if rule.stages and space in ("stage", "county_stage"):
            codes = self.sp.stage_codes(space)
            allowed = [self.sp.stages.index(s) for s in rule.stages if s in self.sp.stages]
            absent = ~np.isin(codes, allowed)
        res = RuleResult(rule, space, np.zeros(n, dtype=np.int8))
        res.tol = self.tol
        if rule.kind == "threshold":
            raw = self.eval_stage_exprs(rule.value, space)
            val = round_half_up(raw, rule.round) if rule.round is not None else raw
            thr = self.eval_stage_exprs(rule.threshold, space)
            ok = compare(rule.operator, val, thr, self.tol)
            res.raw_value, res.value, res.threshold = raw, val, thr
            res.threshold_param = self.threshold_labels(rule.threshold, space)
            if rule.has_if:
                ok, decided = self._decide_by_bounds(rule, space, ok, rule.value, rule.threshold)
                if decided is not None:
                    rows, shown_v, shown_t = decided
                    res.value = np.where(rows & np.isnan(val), shown_v, val)
                    res.threshold = np.where(rows & np.isnan(thr), shown_t, thr)
                    res.decided_by_bounds = rows
        elif rule.kind == "record":  # no limit: recorded (not_applicable, never a pass), unknown when not computable
            raw = self.eval_stage_exprs(rule.value, space)
            val = round_half_up(raw, rule.round) if rule.round is not None else raw
            res.raw_value, res.value = raw, val
            ok = np.where(np.isnan(val), np.nan, 1.0)
            applicable = np.where(np.isnan(val), 1.0, 0.0) if applicable is None else \
                np.where(applicable == 1, np.where(np.isnan(val), 1.0, 0.0), applicable)
        else:
            cond = rule.condition
            node = cond.get("*").node if "*" in cond else None
            if isinstance(node, ast.Call) and node.func == "at_least":
                ok, passes, unknown, below = self.at_least_parts(node, space)
                res.detail = {"passes": passes, "unknown": unknown, "below_floor": below}
            else:
                ok = self.eval_stage_exprs(cond, space)
        res.outcome = outcome_from_bool(ok, applicable)
        res.outcome[absent] = ABSENT
        res.empty_group, res.empty_selection = self._empty["empty_group"], self._empty["empty_selection"]
        self._empty = None
        return res


def _params_through(c, oid) -> list:
    """Parameters a rule or derived value reads, directly or through the derived values and rules it reads."""
    seen, out, stack = set(), [], [oid]
    while stack:
        x = stack.pop()
        if x in seen:
            continue
        seen.add(x)
        d = c.deps.get(x)
        if d is None:
            continue
        out.extend(sorted(d.params))
        stack.extend(sorted(d.derived | d.rules))
    return list(dict.fromkeys(out))


def _value_refs(node) -> list:
    """Rules R read as value(R) / threshold(R) in node, outside nested aggregates."""
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Call):
            if is_aggregate(n.func, len(n.args)):
                continue
            if n.func in ("value", "threshold") and n.args and isinstance(n.args[0], ast.Name):
                out.append(n.args[0].id)
                continue
        stack.extend(n.children())
    return out


def filled(n: int, value) -> np.ndarray:
    """np.full(n, value, dtype=object), 30x faster (np.full goes through copyto for object arrays)."""
    a = np.empty(n, dtype=object)
    a.fill(value)
    return a


def _text_missing(a):
    return pd.isna(a)
