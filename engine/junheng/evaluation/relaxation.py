"""Dated relaxations (the 2019 规程's transitional parameters): which parameters are in force only through a
version with an end date, and which passing verdicts pass only because of them (one more vectorised pass
over the rules that read them, with those parameters out of force)."""
from __future__ import annotations

import numpy as np

from junheng.evaluation.logic import PASS


def relaxations(ev) -> dict:
    """Parameters in force at the as-of date only through a version with an end date (the 2019 规程's
    transitional relaxations): id -> that version's window."""
    out = {}
    for pid in sorted({p for d in ev.c.deps.values() for p in d.params}):
        v = ev.std.parameters[pid].in_force(ev.as_of)
        if v is not None and v.window.end is not None:
            out[pid] = v.window
    return out


def mark_relaxed(ev, probe) -> None:
    """A verdict of ``ev`` that passes only because a dated relaxation is in force: evaluate again with
    ``probe`` (a fresh evaluator over the same spaces) in one more vectorised pass over the rules that read a
    relaxation (directly, through derived values or through other rules), with those parameters out of force;
    pass now and not pass then = relaxed."""
    relax = relaxations(ev)
    if not relax:
        return
    affected: set = set()
    order = []
    for kind, oid in ev.c.order:
        d = ev.c.deps.get(oid)
        if d is not None and (d.params & set(relax) or d.derived & affected or d.rules & affected):
            affected.add(oid)
            order.append((kind, oid))
    probe.suppressed = set(relax)
    probe.derived = dict(ev.derived)
    probe.results = dict(ev.results)
    for kind, oid in order:
        if kind == "derived":
            d = ev.std.derived[oid]
            probe.derived[oid] = probe.eval_stage_exprs(d.expr, d.level)
        else:
            res = ev.results[oid]
            without = probe.results[oid] = probe.eval_rule(ev.std.rules[oid])
            mask = (res.outcome == PASS) & (without.outcome != PASS)
            if mask.any():
                _mark(ev, res, oid, mask, relax)


def _mark(ev, res, oid, mask, relax) -> None:
    res.relaxed = mask
    res.relaxed_by = {pid: relax[pid] for pid in params_through(ev.c, oid) if pid in relax}
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


def params_through(c, oid) -> list:
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
