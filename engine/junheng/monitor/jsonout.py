"""JSON text built column by column (arrow string kernels): one fragment per row for each field, joined
row-wise and then into one list, with no Python loop over rows. Used for the monitor's ``warnings``
list, which a national run makes hundreds of thousands long.

Text is escaped as ``json.dumps(..., ensure_ascii=False)`` does (backslash, quote, control characters);
numbers are written in their shortest round-trip form (``2400`` for 2400.0, which JSON reads as the
same number), NaN and infinities as ``null``.
"""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

LS = pa.large_string()
CONTROL = [chr(c) for c in range(32)]


def _escape(a: pa.Array) -> pa.Array:
    a = pc.replace_substring(a, "\\", "\\\\")
    a = pc.replace_substring(a, '"', '\\"')
    if len(a) and pc.any(pc.match_substring_regex(a, "[\\x00-\\x1f]")).as_py():
        for c in CONTROL:  # 32 passes only when some text holds a control character
            a = pc.replace_substring(a, c, json.dumps(c)[1:-1])
    return a


def text(values) -> pa.Array:
    """JSON strings (``null`` for None/NaN); each distinct text escaped once."""
    a = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else \
        pa.array(np.asarray(values, dtype=object), type=LS, from_pandas=True)
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    a = a.cast(LS)
    d = pc.dictionary_encode(a)
    frag = concat('"', _escape(d.dictionary), '"')
    out = frag.take(d.indices)
    return pc.fill_null(out, "null")


def number(values) -> pa.Array:
    """JSON numbers (``null`` for NaN and infinities)."""
    v = np.asarray(values, dtype=float)
    a = pa.array(v, mask=~np.isfinite(v)).cast(LS)
    return pc.fill_null(a, "null")


def integer(values, none_when=None) -> pa.Array:
    v = np.asarray(values, dtype=np.int64)
    mask = None if none_when is None else np.asarray(none_when, dtype=bool)
    return pc.fill_null(pa.array(v, mask=mask).cast(LS), "null")


def boolean(values) -> pa.Array:
    return pa.array(np.where(np.asarray(values, dtype=bool), "true", "false"), type=LS)


def concat(*parts) -> pa.Array:
    """Row-wise concatenation of arrays and literal texts."""
    args = [pa.scalar(p, LS) if isinstance(p, str) else p.cast(LS) for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", LS))


def obj(fields: list) -> pa.Array:
    """``{"key": fragment, ...}`` per row from (key, fragment array) pairs."""
    parts: list = []
    for i, (k, frag) in enumerate(fields):
        parts.append(("{" if i == 0 else ",") + json.dumps(k, ensure_ascii=False) + ":")
        parts.append(frag)
    parts.append("}" if fields else "{}")
    return concat(*parts)


def year_object(matrix: np.ndarray, years) -> pa.Array | None:
    """``{"2022": v, "2023": v}`` per row of a rows × years matrix (None when there are no years)."""
    if not len(years):
        return None
    return obj([(str(y), number(matrix[:, j])) for j, y in enumerate(years)])


def text_list(columns: list) -> pa.Array:
    """``["a", "b"]`` per row from a few nullable text columns (a null is left out of the row's list)."""
    n = len(columns[0]) if columns else 0
    frags = [text(c) for c in columns]
    valid = np.stack([np.asarray(pc.is_valid(pa.array(np.asarray(c, dtype=object), from_pandas=True)))
                      for c in columns], axis=1) if columns else np.zeros((0, 0), bool)
    flat = pa.concat_arrays(frags) if frags else pa.array([], LS)
    k = len(columns)
    idx = (np.arange(k)[None, :] * n + np.arange(n)[:, None])[valid]  # row-major: row by row
    offsets = np.concatenate([[0], np.cumsum(valid.sum(axis=1))]).astype(np.int64)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), flat.take(pa.array(idx)))
    return concat("[", pc.binary_join(lists, pa.scalar(",", LS)), "]")


def join_rows(rows: pa.Array) -> Raw:
    """``[row, row, ...]``: each row followed by a comma, the arrow text buffer taken as it is (no Python
    string of the whole list is made; ``Raw.write`` sends the bytes to the file)."""
    joined = concat(rows, ",")
    return Raw(joined, len(rows))


class Raw:
    """A JSON list to put into a document as it is (``render.write_json``): rows already JSON, each
    followed by a comma in one arrow text array."""

    def __init__(self, rows: pa.Array | None, count: int):
        self.rows = rows
        self.count = count

    def __len__(self) -> int:
        return self.count

    def chunks(self):
        """The bytes of the list: ``[``, the rows (the last comma left out), ``]``."""
        yield b"["
        if self.rows is not None and len(self.rows):
            a = self.rows
            offsets = np.frombuffer(a.buffers()[1], dtype=np.int64)[a.offset:a.offset + len(a) + 1]
            data = a.buffers()[2]
            yield memoryview(data)[int(offsets[0]):int(offsets[-1]) - 1]
        yield b"]"

    @property
    def text(self) -> str:
        return b"".join(bytes(c) for c in self.chunks()).decode("utf-8")
