"""Vectorised evaluation: each expression becomes whole-column numpy operations over a row space.

No Python loop runs over schools: a field is one array per space, a county aggregate is one
``bincount`` over group codes, a per-stage parameter is one array lookup by stage code. Every
intermediate a verdict needs (rule values, thresholds, outcomes, derived fields) is kept so
explanations can be built afterwards.

The evaluator is built in layers, one module each: ``inputs`` (state, spaces, field/parameter/derived
arrays), ``expressions`` (AST nodes, aggregates, stage variants), ``bounds`` (unknown ``if`` conditions),
``relaxation`` (dated relaxations); this module evaluates the rules in order. ``RuleResult`` lives in
``results``; it and ``filled`` are importable from here as before.
"""
from __future__ import annotations

import numpy as np

from junheng.evaluation import relaxation
from junheng.evaluation.bounds import Bounds
from junheng.evaluation.inputs import filled
from junheng.evaluation.logic import ABSENT, compare, outcome_from_bool, round_half_up
from junheng.evaluation.results import RuleResult
from junheng.language import nodes as ast

__all__ = ["Evaluator", "RuleResult", "filled"]


class Evaluator(Bounds):
    """Evaluates a compiled standard over the row spaces: derived values and rules in dependency order."""

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
        """Parameters in force at the as-of date only through a version with an end date: id -> window."""
        return relaxation.relaxations(self)

    def mark_relaxed(self):
        """Mark the verdicts that pass only because a dated relaxation is in force (``relaxation.py``)."""
        relaxation.mark_relaxed(self, Evaluator(self.c, self.sp, self.as_of))

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
        assert self._empty is not None  # set at the start of eval_rule
        res.empty_group, res.empty_selection = self._empty["empty_group"], self._empty["empty_selection"]
        self._empty = None
        return res
