"""Bounds of a numeric expression whose ``if`` conditions may be unknown (the hull of both branches), and
the rows of a threshold rule that both branches decide alike (``Evaluator.bounds``)."""
from __future__ import annotations

import numpy as np

from junheng.evaluation.expressions import Expressions
from junheng.evaluation.logic import compare, round_half_up


class Bounds(Expressions):
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
