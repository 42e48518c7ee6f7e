"""Which schools make a coefficient of variation large: each unit's value, weight and share of the
weighted variance of a county (and stage)."""
from __future__ import annotations

import numpy as np

from junheng.i18n import t


def is_cv_rule(rule) -> bool:
    return rule.kind == "threshold" and any("weighted_cv" in (e.text or "") for e in (rule.value or {}).values())


def cv_contributions(run, rule, row: int, lang: str = "zh", top: int = 10) -> list:
    """Each unit's value, weight and share of the weighted variance, largest first."""
    ev = run.evaluator
    sp = ev.sp
    expr = rule.value.get("*").node
    arg = expr.args[0]
    w_node = expr.kwargs["weight"]
    x = ev.node_values(arg, "stage")
    w = ev.node_values(w_node, "stage")
    members = np.flatnonzero(sp.u_cs == row) if rule.space == "county_stage" else np.flatnonzero(sp.u_county == row)
    if not len(members):
        return []
    xs, ws = x[members], w[members]
    ok = ~(np.isnan(xs) | np.isnan(ws))
    if not ok.all() or ws.sum() == 0:
        return []
    P = ws.sum()
    mean = (ws * xs).sum() / P
    contrib = (ws / P) * (xs - mean) ** 2
    total = contrib.sum()
    order = np.argsort(-contrib)[:top]
    sids = sp.schools["school_id"].to_numpy(dtype=object)
    names = sp.schools["school_name"].to_numpy(dtype=object)
    out = []
    for k in order:
        u = members[k]
        out.append({"school_id": sids[sp.u_school[u]], "school_name": names[sp.u_school[u]],
                    "value": number_or_text(xs[k]), "weight": number_or_text(ws[k]), "county_mean": number_or_text(mean),
                    "share_of_variance": number_or_text(contrib[k] / total) if total > 0 else 0.0,
                    "direction": t(lang, "explain.below_mean" if xs[k] < mean else "explain.above_mean")})
    return out


def number_or_text(v):
    """A float (None for NaN/None); text as it is."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return None if np.isnan(f) else f
