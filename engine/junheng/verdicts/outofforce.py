"""Parameters without a value on the evaluation date.

A rule that reads a parameter with no version in force on the evaluation date (every version ends before
it, or starts after it) has nothing to compare with: its verdict is not_evaluable, and the reason must say
so — "参数 … 在评估日期没有生效的取值" — not "计算结果无效（如除数为零）". A parameter that the rule only tests
with ``in_force(P)`` (the transitional relaxations) is left out: being out of force is what the test asks.
"""
from __future__ import annotations

from junheng.language import nodes as _ast

TEXT = {
    "zh": "参数 {params} 在评估日期（{day}）没有生效的取值",
    "en": "parameter {params} has no value in force on the evaluation date ({day})",
}


def _names(obj, gated: set) -> set:
    """Bare names read by a rule's or derived value's expressions; names inside ``in_force(P)`` go to ``gated``."""
    exprs = [e for _p, _s, e in obj.exprs()] if hasattr(obj, "exprs") else list(obj.expr.values())
    out = set()
    for e in exprs:
        stack = [e.node]
        while stack:
            n = stack.pop()
            if isinstance(n, _ast.Call) and n.func == "in_force":
                gated.update(a.id for a in n.args if isinstance(a, _ast.Name))
                continue
            if isinstance(n, _ast.Name):
                out.add(n.id)
            stack.extend(n.children())
    return out


def params_out_of_force(std, rule, as_of) -> list[str]:
    """Ids of the parameters ``rule`` reads (directly or through derived values) with no version in force."""
    gated: set = set()
    seen, todo, names = set(), [rule], set()
    while todo:
        obj = todo.pop()
        for n in _names(obj, gated):
            if n in seen:
                continue
            seen.add(n)
            if n in std.derived:
                todo.append(std.derived[n])
            else:
                names.add(n)
    return sorted(p for p in names if p in std.parameters and p not in gated
                  and std.parameters[p].in_force(as_of) is None)


def out_of_force_text(std, rule, as_of, lang: str = "zh") -> str:
    """The reason text, or "" when every parameter the rule reads has a value on the date."""
    pids = params_out_of_force(std, rule, as_of)
    if not pids:
        return ""
    day = as_of.isoformat() if as_of is not None else ("无日期" if lang == "zh" else "no date")
    return TEXT["en" if lang == "en" else "zh"].format(params="、".join(pids) if lang != "en" else ", ".join(pids),
                                                       day=day)
