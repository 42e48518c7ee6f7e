"""Data problems as a columnar table (issue 18): one array per field instead of one object per problem.

A messy national file has about 720,000 problems. The column-wise checks (``batch.py``, ``cells.py``)
add them as *column chunks* (file, sheet, row, column, value, rule, message, action, field, cell, src:
arrays of one length, plus the record book the chunk's ``src`` indexes); the few problems found one at
a time (a header, a duplicate column, a rejected row) are appended as ``Problem`` objects (*row
chunks*). Order is the order of appending, as with the list this replaces.

The outputs read the columns (``columns``, ``to_json``, ``counts``; ``problem_list.py``); code that
iterates, indexes or adds (``list + table``) still gets ``Problem`` objects, built on the fly for the
items it touches, so the workbench, the HTML report, the planner and the monitor need no change.

The ``Problem`` class lives in ``recordset.py`` (it registers itself here as ``ProblemTable.item``).
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FIELDS = ("file", "sheet", "row", "column", "value", "rule", "message", "action", "field", "cell", "src")
_INTS = ("row", "src")
# a code or name that _shown would change: control characters, longer than the limit, or not starting and
# ending with a letter or digit (so Python's strip() may remove something); those few go through _shown
_ODD = r"[\x00-\x1f\x7f-\x9f]|^[^\p{L}\p{N}]|[^\p{L}\p{N}]$"


def strs(values) -> np.ndarray:
    """``str(v)`` of every value as an object array, None as "" (numpy's C loop, no Python per value)."""
    a = np.asarray(values, dtype=object)
    if not len(a):
        return np.empty(0, dtype=object)
    none = a == None  # noqa: E711  # element-wise: which values are None
    out = a.astype(str).astype(object)
    if none.any():
        out[none] = ""
    return out


def shown_many(values, limit: int, one) -> np.ndarray:
    """``one(v, limit)`` (``recordset._shown``) of every value; values it leaves as they are (most codes and
    names) are recognised with arrow and copied, the rest go through ``one``."""
    a = np.asarray(values, dtype=object)
    try:
        arr = pa.array(a, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all texts (numbers in a JSON file): one by one
        return np.array([one(v, limit) for v in a] + [None], dtype=object)[:-1]
    odd = pc.or_(pc.match_substring_regex(arr, _ODD), pc.greater(pc.utf8_length(arr), limit))
    odd = pc.fill_null(odd, False).to_numpy(zero_copy_only=False)
    out = pc.fill_null(arr, "").to_numpy(zero_copy_only=False).astype(object)
    at = np.flatnonzero(odd)
    if len(at):
        out[at] = np.array([one(v, limit) for v in a[at]] + [None], dtype=object)[:-1]
    return out


def full(n: int, v) -> np.ndarray:
    """An object array of n times v, v itself (``np.full`` would turn a catalogue Msg into a plain str)."""
    out = np.empty(n, dtype=object)
    out.fill(v)
    return out


def make_chunk(n: int, cols: dict, book) -> dict:
    out: dict[str, Any] = {}
    for f in FIELDS:
        v = cols.get(f, -1 if f == "src" else "")
        if isinstance(v, np.ndarray) and v.ndim == 1:
            assert len(v) == n, f  # every column of a chunk has its length
            out[f] = v.astype(np.int64) if f in _INTS else v.astype(object, copy=False)
        elif f in _INTS:
            out[f] = np.full(n, int(v), dtype=np.int64)
        else:
            out[f] = full(n, v)  # the same object (a catalogue Msg) in every row
    out["book"] = book
    return out


class ProblemTable:
    """Problems in the order they were found, stored column-wise (see the module text)."""

    item: ClassVar[Any] = None  # the Problem class (set by recordset)
    shown: ClassVar[Any] = None  # recordset._shown: a code or name as a problem shows it (set by recordset)
    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it replaces

    def __init__(self, items: Iterable | None = None):
        self._chunks: list = []  # list of Problem (row chunk) or dict of arrays (column chunk)
        self._n = 0
        if items is not None:
            self.extend(items)

    # -- adding ------------------------------------------------------------------------------------
    def add(self, n: int, book=None, **cols) -> None:
        """n problems given as columns (arrays of length n, or one value for every row)."""
        if n:
            self._chunks.append(make_chunk(n, cols, book))
            self._n += n

    def add_chunk(self, chunk: dict) -> None:
        n = len(chunk["row"])
        if n:
            self._chunks.append(chunk)
            self._n += n

    def append(self, p) -> None:
        if not self._chunks or not isinstance(self._chunks[-1], list):
            self._chunks.append([])
        self._chunks[-1].append(p)
        self._n += 1

    def extend(self, items: Iterable) -> None:
        if isinstance(items, ProblemTable):
            for c in items._chunks:
                if isinstance(c, list):
                    for p in c:
                        self.append(p)
                else:
                    self.add_chunk(c)
            return
        for p in items:
            self.append(p)

    def shift_src(self, k: int) -> None:
        """Record indices of one file's problems moved by k (files read one after another)."""
        for c in self._chunks:
            if isinstance(c, list):
                for p in c:
                    if p.src >= 0:
                        p.src += k
            else:
                c["src"] = np.where(c["src"] >= 0, c["src"] + k, c["src"])

    def set_book(self, book) -> None:
        for c in self._chunks:
            if isinstance(c, list):
                for p in c:
                    p.book = book
            else:
                c["book"] = book

    # -- list behaviour ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def __iter__(self) -> Iterator:
        make = self.item
        for c in self._chunks:
            if isinstance(c, list):
                yield from c
            else:
                book = c["book"]
                for vals in zip(*(c[f].tolist() for f in FIELDS)):
                    yield make(*vals, book)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return list(self.take(np.arange(self._n)[k]))
        i = int(k) + (self._n if k < 0 else 0)
        if not 0 <= i < self._n:
            raise IndexError(k)
        return next(iter(self.take(np.array([i]))))

    def __add__(self, other) -> ProblemTable:
        out = ProblemTable(self)
        out.extend(other)
        return out

    def __radd__(self, other) -> ProblemTable:
        out = ProblemTable(other)
        out.extend(self)
        return out

    def __eq__(self, other) -> bool:
        if isinstance(other, (ProblemTable, list)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"ProblemTable({self._n} problems)"

    # -- columns -----------------------------------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        """One field of every problem (row and src as int64, the rest as objects)."""
        parts = []
        for c in self._chunks:
            if isinstance(c, list):
                parts.append(np.array([getattr(p, name) for p in c] + [None], dtype=object)[:-1])
            else:
                parts.append(c[name])
        if not parts:
            return np.empty(0, dtype=np.int64 if name in _INTS else object)
        out = np.concatenate(parts)
        return out.astype(np.int64) if name in _INTS else out

    def take(self, idx) -> ProblemTable:
        """The problems at positions idx (ascending), as a new table."""
        idx = np.asarray(idx, dtype=np.int64)
        out = ProblemTable()
        start = 0
        for c in self._chunks:
            n = len(c) if isinstance(c, list) else len(c["row"])
            lo, hi = np.searchsorted(idx, [start, start + n])
            k = idx[lo:hi] - start
            if len(k):
                if isinstance(c, list):
                    for j in k.tolist():
                        out.append(c[j])
                else:
                    out.add_chunk({f: (c[f][k] if f != "book" else c[f]) for f in c})
            start += n
        return out

    def select(self, mask) -> ProblemTable:
        return self.take(np.flatnonzero(np.asarray(mask, dtype=bool)))

    def where_action(self, actions, keep: bool) -> ProblemTable:
        """The problems whose action is (keep=True) or is not (keep=False) one of actions."""
        return self.select(np.isin(self.column("action"), list(actions)) == keep)

    def records(self) -> tuple[np.ndarray, np.ndarray]:
        """(record_id, record_name) of every problem (``Problem.record``), each book's codes and names
        shown once with ``shown_many``."""
        one = type(self).shown
        rid, rname = [], []
        shown: dict = {}
        for c in self._chunks:
            if isinstance(c, list):
                recs = [p.record for p in c]
                rid.append(np.array([r[0] for r in recs] + [None], dtype=object)[:-1])
                rname.append(np.array([r[1] for r in recs] + [None], dtype=object)[:-1])
                continue
            book, src = c["book"], c["src"]
            n = len(src)
            if book is None:
                rid.append(np.full(n, "", dtype=object))
                rname.append(np.full(n, "", dtype=object))
                continue
            if id(book) not in shown:
                shown[id(book)] = (shown_many(book[0], 24, one), shown_many(book[1], 24, one))
            ids, names = shown[id(book)]
            ok = (src >= 0) & (src < len(ids))
            at = np.where(ok, src, 0)
            empty = np.full(n, "", dtype=object)
            rid.append(np.where(ok, ids[at], empty) if len(ids) else empty)
            rname.append(np.where(ok, names[at], empty) if len(ids) else empty)
        if not rid:
            return np.empty(0, dtype=object), np.empty(0, dtype=object)
        return np.concatenate(rid), np.concatenate(rname)

    def to_json(self) -> list:
        """``[p.to_json() for p in problems]``, built from the columns."""
        cols = self.json_columns()
        names = list(cols)
        return [dict(zip(names, vals)) for vals in zip(*(cols[k].tolist() for k in names))]

    def json_columns(self) -> dict:
        """The fields of ``Problem.to_json`` as columns, in its order."""
        rid, rname = self.records()
        cols = {f: self.column(f) for f in ("file", "sheet", "row", "cell", "column", "value", "field", "rule",
                                             "message", "action")}
        cols["record_id"], cols["record_name"] = rid, rname
        return cols

    def counts(self, name: str, values: np.ndarray | None = None) -> list[tuple[Any, int]]:
        """``Counter(values).most_common()`` (values: the column ``name``): (first object of each distinct
        value, count), most frequent first, ties in order of first appearance."""
        v = self.column(name) if values is None else values
        if not len(v):
            return []
        codes, uniq = pd.factorize(v, use_na_sentinel=False)
        n = np.bincount(codes)
        order = np.lexsort((np.arange(len(n)), -n))
        return [(uniq[k], int(n[k])) for k in order.tolist()]
