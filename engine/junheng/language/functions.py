"""The functions an expression may call: one entry each, with its arity, keyword arguments and
documentation (what the checker reads) and its implementation over whole columns (what the
evaluator calls). Adding a function is one entry here.

An implementation is ``impl(ev, node, space, override)``: ``ev`` is the evaluator (its
``node_values``, ``broadcast``, ``results`` …), ``node`` the call, ``space`` the row space it is
evaluated in; ``override`` replaces the argument arrays of an element-wise function (the evaluator
uses it to bound a value whose input is unknown). It returns one float per row (NaN = unknown).

Aggregates take an expression over a lower level (stage units or schools) and reduce it to the
level of the rule (school or county), one value per group. Every aggregate accepts ``where =``
to restrict the units it reduces; their empty-set semantics are in ``evaluation.logic.aggregate``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from junheng.evaluation.logic import NOT_EVALUABLE, PASS, not3, round_half_up
from junheng.language import nodes as ast

Impl = Callable[..., np.ndarray]


@dataclass(frozen=True)
class FuncSpec:
    name: str
    min_args: int
    max_args: int | None  # None = unbounded
    kwargs: tuple = ()
    required_kwargs: tuple = ()
    aggregate: bool = False
    doc: str = ""
    evaluate: Impl | None = None


# ------------------------------------------------------------------ implementations

def literal_int(node) -> int:
    """The integer written as a literal (``2`` or ``-2``); the checker refuses anything else."""
    if isinstance(node, ast.Neg):
        return -literal_int(node.operand)
    return int(node.value)


def _args(ev, node, space, override):
    return [ev.node_values(a, space) for a in node.args] if override is None else [override]


def _elementwise(fn: Callable[[Any, list], np.ndarray]) -> Impl:
    """An implementation over the argument arrays, row by row (numpy over whole columns)."""
    def impl(ev, node, space, override=None):
        args = _args(ev, node, space, override)
        with np.errstate(invalid="ignore"):
            return fn(node, args)
    return impl


def _aggregate(ev, node, space, override=None):
    return ev.aggregate_call(node, space)


def _min_max(pick) -> Impl:
    """min/max: with one argument an aggregate over units, with more the element-wise extreme."""
    def combine(node, args):
        r = args[0]
        for a in args[1:]:
            r = pick(r, a)
        return r
    elementwise = _elementwise(combine)

    def impl(ev, node, space, override=None):
        if len(node.args) == 1:
            return ev.aggregate_call(node, space)
        return elementwise(ev, node, space, override)
    return impl


def _coalesce(node, args):
    r = args[0]
    for a in args[1:]:
        r = np.where(pd.isna(r) if r.dtype == object else np.isnan(r), a, r)
    return r


def _rule_value(ev, node, space, override=None):
    r = ev.results[node.args[0].id]
    arr = r.raw_value if node.func == "value" else r.threshold
    return ev.broadcast(arr, r.space, space)


def _passed(ev, node, space, override=None):
    return ev.rule_outcome_bool(node.args[0].id, space)


def _failed(ev, node, space, override=None):
    return not3(ev.rule_outcome_bool(node.args[0].id, space))


def _in_force(ev, node, space, override=None):
    p = ev.std.parameters[node.args[0].id]
    on = p.in_force(ev.as_of) is not None and p.id not in ev.suppressed
    return np.full(ev.n(space), 1.0 if on else 0.0)


def _unknown(ev, node, space, override=None):
    return np.full(ev.n(space), np.nan)


def _as_of_year(ev, node, space, override=None):
    return np.full(ev.n(space), float(ev.as_of.year) if ev.as_of is not None else np.nan)


def _at_least(ev, node, space, override=None):
    return ev.at_least_parts(node, space)[0]


def _count_passed(ev, node, space, override=None):
    outs = [ev.results[i.id].outcome for i in node.args[0].items]
    passed = sum((o == PASS).astype(float) for o in outs)
    unknown = np.zeros(ev.n(space), dtype=bool)
    for o in outs:
        unknown |= o == NOT_EVALUABLE
    return np.where(unknown, np.nan, passed)


# ------------------------------------------------------------------ the table

FUNCTIONS = {f.name: f for f in (
    # element-wise
    FuncSpec("round", 1, 2, doc="round(x, digits): 四舍五入 half-up rounding; digits a literal integer -15..15 "
                                "(round(177, -2) = 200)",
             evaluate=_elementwise(lambda node, a: round_half_up(
                 a[0], literal_int(node.args[1]) if len(node.args) > 1 else 0))),
    FuncSpec("ceil", 1, 1, doc="ceil(x): 向上取整", evaluate=_elementwise(lambda node, a: np.ceil(np.round(a[0], 9)))),
    FuncSpec("floor", 1, 1, doc="floor(x): 向下取整",
             evaluate=_elementwise(lambda node, a: np.floor(np.round(a[0], 9)))),
    FuncSpec("abs", 1, 1, doc="abs(x)", evaluate=_elementwise(lambda node, a: np.abs(a[0]))),
    FuncSpec("coalesce", 2, None, doc="coalesce(a, b, ...): the first value that is not missing",
             evaluate=_elementwise(_coalesce)),
    FuncSpec("value", 1, 1, doc="value(R): the computed value of rule R", evaluate=_rule_value),
    FuncSpec("threshold", 1, 1, doc="threshold(R): the threshold rule R was compared with", evaluate=_rule_value),
    FuncSpec("passed", 1, 1, doc="passed(R): rule R passed (unknown if not evaluable)", evaluate=_passed),
    FuncSpec("failed", 1, 1, doc="failed(R): rule R failed (unknown if not evaluable)", evaluate=_failed),
    FuncSpec("in_force", 1, 1, doc="in_force(P): parameter P has a value in force at the as-of date",
             evaluate=_in_force),
    FuncSpec("at_least", 2, 2, kwargs=("rest_reach",),
             doc="at_least(k, [R1, ...], rest_reach = f): at least k rules pass, and every other "
                 "reaches f × its threshold", evaluate=_at_least),
    FuncSpec("count_passed", 1, 1, doc="count_passed([R1, ...]): how many of the rules pass",
             evaluate=_count_passed),
    FuncSpec("as_of_year", 0, 0, doc="as_of_year(): the year of the evaluation date (--as-of, else "
                                     "the day of the run), e.g. as_of_year() - certified_year >= 3",
             evaluate=_as_of_year),
    FuncSpec("unknown", 1, 1, doc='unknown("why"): a fact this standard cannot know (e.g. a provincial '
                                  'list); not evaluable, with the text as reason, until a more specific '
                                  'standard overrides the rule', evaluate=_unknown),
    # aggregates (min/max with one argument are aggregates, with two or more element-wise)
    FuncSpec("min", 1, None, kwargs=("where",), doc="min(x) over units, or min(a, b, ...)",
             evaluate=_min_max(np.minimum)),
    FuncSpec("max", 1, None, kwargs=("where",), doc="max(x) over units, or max(a, b, ...)",
             evaluate=_min_max(np.maximum)),
    FuncSpec("sum", 1, 1, kwargs=("where",), aggregate=True, doc="sum(x) over the units of the group",
             evaluate=_aggregate),
    FuncSpec("mean", 1, 1, kwargs=("where",), aggregate=True, doc="mean(x) over units (unweighted)",
             evaluate=_aggregate),
    FuncSpec("count", 0, 1, kwargs=("where",), aggregate=True, doc="count(cond): units where cond holds",
             evaluate=_aggregate),
    FuncSpec("share", 1, 1, kwargs=("where",), aggregate=True, doc="share(cond): fraction of units",
             evaluate=_aggregate),
    FuncSpec("all", 1, 1, kwargs=("where",), aggregate=True, doc="all(cond): every unit satisfies cond",
             evaluate=_aggregate),
    FuncSpec("any", 1, 1, kwargs=("where",), aggregate=True, doc="any(cond): some unit satisfies cond",
             evaluate=_aggregate),
    FuncSpec("weighted_mean", 1, 1, kwargs=("weight", "where"), required_kwargs=("weight",), aggregate=True,
             doc="weighted_mean(x, weight = w)", evaluate=_aggregate),
    FuncSpec("weighted_cv", 1, 1, kwargs=("weight", "where"), required_kwargs=("weight",), aggregate=True,
             doc="weighted_cv(x, weight = students): enrolment-weighted coefficient of variation",
             evaluate=_aggregate),
)}

RULE_REF_FUNCS = {"value", "threshold", "passed", "failed"}


def is_aggregate(name: str, nargs: int) -> bool:
    spec = FUNCTIONS.get(name)
    if spec is None:
        return False
    if name in ("min", "max"):
        return nargs == 1
    return spec.aggregate
