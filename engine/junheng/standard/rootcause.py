"""One mistake, one error (issue 21).

A derived value whose expression is of the other kind than declared (a condition in a value declared a
number — ``type: condition`` forgotten —, or a number in one declared a condition) would make every use
of it a kind error too: a derived scope flag used by eight rules' ``applies_when`` and eight CVs'
``where =`` gave sixteen errors and no word about the cause. The checker reports the root once, at the
derived value, with the number of uses it affects, and does not repeat it at the uses.
"""
from __future__ import annotations

from junheng.i18n import Msg
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


KIND_KEYS = {"num": "kind.num", "bool": "kind.bool", "text": "kind.text", "list": "kind.list"}


def kind_root_message(did: str, declared: str, actual: str, uses: int, users: list[str]) -> Msg:
    """One error for a derived value of the wrong kind, with the count of its uses (a catalogue text)."""
    fix = "root.fix_bool" if actual == "bool" else "root.fix_num" if declared == "bool" else "root.fix_other"
    if not users:
        shown = Msg("root.users_none")
    elif len(users) > 6:
        shown = Msg("root.users_more", list=tuple(users[:6]))
    else:
        shown = Msg("root.users", list=tuple(users))
    return Msg("root.kind", id=did, declared=_kind(declared), actual=_kind(actual), fix=Msg(fix), uses=uses,
               users=shown)


def _kind(k: str):
    key = KIND_KEYS.get(k)
    return Msg(key) if key else k
