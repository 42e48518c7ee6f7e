"""Expression nodes as whole-column numpy operations: one method per node type of the language's AST
(``_Number`` … ``_Call``), three-valued conditions, aggregates over a coarser space (one ``bincount``), the
``at_least`` count, and the per-stage variants of an expression (``eval_stage_exprs``) with the parameter each
row's threshold came from (``threshold_labels``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng.evaluation.inputs import Inputs, filled, text_missing
from junheng.evaluation.logic import FAIL, NOT_EVALUABLE, PASS, aggregate, and3, compare, not3, or3
from junheng.language import nodes as ast
from junheng.language.functions import FUNCTIONS, is_aggregate
from junheng.standard.checker import meet, natural_level


class Expressions(Inputs):
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
            miss = text_missing(a) | text_missing(b)
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
            same = ~text_missing(a) & ~text_missing(b) & (a == b)
            out = np.where(c == 1, a, np.where(c == 0, b, np.where(same, a, None)))
            return out.astype(object)
        return np.where(c == 1, a, np.where(c == 0, b, np.where(a == b, a, np.nan)))

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
            miss = text_missing(x)
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
        miss = text_missing(x) if x.dtype == object else np.isnan(x)
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
