"""The functions an expression may call, with their arity and argument kinds.

Aggregates take an expression over a lower level (stage units or schools) and reduce it to the
level of the rule (school or county), one value per group. Every aggregate accepts ``where =``
to restrict the units it reduces.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FuncSpec:
    name: str
    min_args: int
    max_args: int | None  # None = unbounded
    kwargs: tuple = ()
    required_kwargs: tuple = ()
    aggregate: bool = False
    doc: str = ""


FUNCTIONS = {
    # element-wise
    "round": FuncSpec("round", 1, 2, doc="round(x, digits): 四舍五入 half-up rounding; digits a literal integer -15..15 (round(177, -2) = 200)"),
    "ceil": FuncSpec("ceil", 1, 1, doc="ceil(x): 向上取整"),
    "floor": FuncSpec("floor", 1, 1, doc="floor(x): 向下取整"),
    "abs": FuncSpec("abs", 1, 1, doc="abs(x)"),
    "coalesce": FuncSpec("coalesce", 2, None, doc="coalesce(a, b, ...): the first value that is not missing"),
    "value": FuncSpec("value", 1, 1, doc="value(R): the computed value of rule R"),
    "threshold": FuncSpec("threshold", 1, 1, doc="threshold(R): the threshold rule R was compared with"),
    "passed": FuncSpec("passed", 1, 1, doc="passed(R): rule R passed (unknown if not evaluable)"),
    "failed": FuncSpec("failed", 1, 1, doc="failed(R): rule R failed (unknown if not evaluable)"),
    "in_force": FuncSpec("in_force", 1, 1, doc="in_force(P): parameter P has a value in force at the as-of date"),
    "at_least": FuncSpec("at_least", 2, 2, kwargs=("rest_reach",),
                         doc="at_least(k, [R1, ...], rest_reach = f): at least k rules pass, and every other "
                             "reaches f × its threshold"),
    "count_passed": FuncSpec("count_passed", 1, 1, doc="count_passed([R1, ...]): how many of the rules pass"),
    "as_of_year": FuncSpec("as_of_year", 0, 0, doc="as_of_year(): the year of the evaluation date (--as-of, else "
                                                    "the day of the run), e.g. as_of_year() - certified_year >= 3"),
    "unknown": FuncSpec("unknown", 1, 1, doc='unknown("why"): a fact this standard cannot know (e.g. a provincial '
                                              'list); not evaluable, with the text as reason, until a more specific '
                                              'standard overrides the rule'),
    # aggregates (min/max with one argument are aggregates, with two or more element-wise)
    "min": FuncSpec("min", 1, None, kwargs=("where",), doc="min(x) over units, or min(a, b, ...)"),
    "max": FuncSpec("max", 1, None, kwargs=("where",), doc="max(x) over units, or max(a, b, ...)"),
    "sum": FuncSpec("sum", 1, 1, kwargs=("where",), aggregate=True, doc="sum(x) over the units of the group"),
    "mean": FuncSpec("mean", 1, 1, kwargs=("where",), aggregate=True, doc="mean(x) over units (unweighted)"),
    "count": FuncSpec("count", 0, 1, kwargs=("where",), aggregate=True, doc="count(cond): units where cond holds"),
    "share": FuncSpec("share", 1, 1, kwargs=("where",), aggregate=True, doc="share(cond): fraction of units"),
    "all": FuncSpec("all", 1, 1, kwargs=("where",), aggregate=True, doc="all(cond): every unit satisfies cond"),
    "any": FuncSpec("any", 1, 1, kwargs=("where",), aggregate=True, doc="any(cond): some unit satisfies cond"),
    "weighted_mean": FuncSpec("weighted_mean", 1, 1, kwargs=("weight", "where"), required_kwargs=("weight",),
                              aggregate=True, doc="weighted_mean(x, weight = w)"),
    "weighted_cv": FuncSpec("weighted_cv", 1, 1, kwargs=("weight", "where"), required_kwargs=("weight",),
                            aggregate=True,
                            doc="weighted_cv(x, weight = students): enrolment-weighted coefficient of variation"),
}

RULE_REF_FUNCS = {"value", "threshold", "passed", "failed"}


def is_aggregate(name: str, nargs: int) -> bool:
    spec = FUNCTIONS.get(name)
    if spec is None:
        return False
    if name in ("min", "max"):
        return nargs == 1
    return spec.aggregate
