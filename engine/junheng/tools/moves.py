"""Value changes beside flips (issue 21): verdicts whose outcome stays the same but whose value moved.

A province that changes a scope or a derived value can move many values without flipping any verdict
(five primary CVs from 0.488 to 0.487, next to a 0.50 limit); ``junheng diff`` lists them with the margin
to the limit on each side, closest to the limit first. ``moved`` is the threshold: a change of at most
``moved`` (absolute) is not listed; with 0, any change beyond the standard's rounding noise (relative
1e-9) is.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

REL_NOISE = 1e-9


def value_moves(va: pd.DataFrame, vb: pd.DataFrame, key: list, moved: float = 0.0) -> pd.DataFrame:
    """Rows of the outer join of two verdict tables with the same outcome and a value that moved."""
    cols = key + ["rule_name", "outcome", "value", "threshold", "margin"]
    a, b = va[cols].copy(), vb[cols].copy()
    for df in (a, b):
        for k in key:
            df[k] = df[k].astype(object).where(df[k].notna(), "")
    m = a.merge(b, on=key, how="inner", suffixes=("_a", "_b"))
    x = pd.to_numeric(m["value_a"], errors="coerce").to_numpy(dtype="float64")
    y = pd.to_numeric(m["value_b"], errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        delta = y - x
        noise = np.maximum(REL_NOISE * np.maximum(np.abs(x), np.abs(y)), float(moved))
        keep = (m["outcome_a"].to_numpy() == m["outcome_b"].to_numpy()) & np.isfinite(delta) & (np.abs(delta) > noise)
    out = m.loc[keep].copy()
    out["change"] = delta[keep]
    out["rule_name"] = out["rule_name_b"]
    out["outcome"] = out["outcome_b"]
    out = out.drop(columns=["rule_name_a", "rule_name_b", "outcome_a", "outcome_b"])
    close = pd.to_numeric(out["margin_b"], errors="coerce").abs().fillna(np.inf)
    out = out.assign(_close=close.to_numpy()).sort_values(["_close", "rule_id", "county_id", "school_id", "stage"])
    return out.drop(columns="_close").reset_index(drop=True)


def records(df: pd.DataFrame) -> list:
    """JSON-ready rows: NaN and "" become None."""
    clean = df.astype(object).where(df.notna() & (df.astype(str) != ""), None)
    return clean.to_dict("records")
