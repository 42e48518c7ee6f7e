"""Numbers as every output writes them: ``fmt_num`` (0.9, 4.2, 2000, 0.487: at most 4 decimals) and
its vectorised forms ``fmt_array`` / ``fmt_distinct`` (each distinct value formatted once, in C)."""
from __future__ import annotations

import numpy as np


def fmt_array(arr):
    """fmt_num over a whole array, vectorised: each distinct value is formatted once."""
    arr = np.round(np.asarray(arr, dtype="float64"), 4)
    if not len(arr):
        return np.zeros(0, dtype=object)
    uniq, inv = np.unique(arr, return_inverse=True)  # NaN sorts last, one per NaN: collapse them
    text = np.asarray(fmt_distinct(uniq).to_numpy(zero_copy_only=False), dtype=object)
    return text[inv.reshape(-1)]


def fmt_distinct(uniq):
    """Numbers already rounded to 4 decimals as fmt_num writes them, as an arrow string array.

    A value below 1e11 is q / 10^4 for an integer q (exact in a double), so its ``%.4f`` text is the
    digits of q with a point before the last four: built in C from q (no per-value Python string).
    Larger or non-finite values go through ``%.4f`` as before."""
    import pyarrow as pa
    import pyarrow.compute as pc

    uniq = np.asarray(uniq, dtype="float64")
    small = np.isfinite(uniq) & (np.abs(uniq) < 1e11)
    q = np.rint(np.where(small, uniq, 0.0) * 1e4).astype(np.int64)
    a = np.abs(q)
    whole = pc.cast(pa.array(a // 10000), pa.large_string())
    def lit(x):
        return pa.scalar(x, pa.large_string())

    frac = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pa.array(a % 10000), pa.large_string()), 4, "0"), "0")
    frac = pc.if_else(pa.array(a % 10000 == 0), lit(""), pc.binary_join_element_wise(lit("."), frac, lit("")))
    sign = pc.if_else(pa.array(q < 0), lit("-"), lit(""))
    text = pc.binary_join_element_wise(sign, whole, frac, lit(""))
    if small.all():
        return text
    out = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    for i in np.flatnonzero(~small):
        v = uniq[i]
        out[i] = "—" if np.isnan(v) else _fmt4_text(v)
    return pa.array(out, type=pa.large_string())


def _fmt4_text(v) -> str:
    t = f"{v:.4f}"
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return "0" if t == "-0" else t


def fmt_num(v) -> str:
    """Numbers as a person writes them: 0.9, 4.2, 2000, 0.487 (at most 4 decimals)."""
    if v is None or v != v:
        return "—"
    if isinstance(v, (bool,)):
        return str(v)
    r = round(float(v), 4)
    if r == int(r) and abs(r) < 1e15:
        return str(int(r))
    return f"{r:.4f}".rstrip("0").rstrip(".")
