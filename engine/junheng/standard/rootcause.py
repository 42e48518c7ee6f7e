"""One mistake, one error (issue 21).

A derived value whose expression is of the other kind than declared (a condition in a value declared a
number — ``type: condition`` forgotten —, or a number in one declared a condition) would make every use
of it a kind error too: a derived scope flag used by eight rules' ``applies_when`` and eight CVs'
``where =`` gave sixteen errors and no word about the cause. The checker reports the root once, at the
derived value, with the number of uses it affects, and does not repeat it at the uses.
"""
from __future__ import annotations

from junheng.language import nodes as _ast


def count_uses(std, name: str) -> tuple[int, list[str]]:
    """How many times ``name`` is read by the rules and the other derived values; the ids that read it."""
    n, users = 0, []
    objs = [(r.id, [e for _p, _s, e in r.exprs()]) for r in std.rules.values()]
    objs += [(d.id, list(d.expr.values())) for d in std.derived.values() if d.id != name]
    for oid, exprs in objs:
        k = 0
        for e in exprs:
            stack = [e.node]
            while stack:
                node = stack.pop()
                if isinstance(node, _ast.Name) and node.id == name:
                    k += 1
                stack.extend(node.children())
        if k:
            n += k
            users.append(oid)
    return n, users


def kind_root_message(did: str, declared: str, actual: str, uses: int, users: list[str]) -> str:
    zh = {"num": "数值", "bool": "条件", "text": "文本", "list": "列表"}
    fix = ("如果它是条件（是/否），请写 type: condition" if actual == "bool" else
           "如果它是数值，请删去 type: condition" if declared == "bool" else "请改写表达式")
    shown = "、".join(users[:6]) + ("等" if len(users) > 6 else "")
    en_fix = ("write type: condition if it is a yes/no value" if actual == "bool" else
              "remove type: condition if it is a number" if declared == "bool" else "rewrite the expression")
    return (f"派生值 '{did}' 声明为{zh.get(declared, declared)}，表达式却是{zh.get(actual, actual)}；{fix}。"
            f"它被使用 {uses} 处（{shown or '无'}），这些地方不再逐一报错 / derived value '{did}' is declared "
            f"{'a condition' if declared == 'bool' else 'a number'} but its expression is "
            f"{'a condition' if actual == 'bool' else 'a ' + actual}; {en_fix}. It is used {uses} time(s); "
            f"those uses are not reported again")
