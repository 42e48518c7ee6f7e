"""Records given as pandas DataFrames (the Python API's ``evaluate_frames``), read like a file.

A frame is one raw table: its columns are headers (field ids or Chinese labels, as in a file) and
its cells are typed, checked and located the same way; the row a message names is the frame's
position + 1, and the "file" is the name the caller gave the frame.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from junheng.records.readers import RawTable


@dataclass(frozen=True, eq=False)
class FrameSource:
    frame: pd.DataFrame
    name: str = "<DataFrame>"

    def __str__(self) -> str:
        return self.name

    def raw_table(self) -> RawTable:
        f = self.frame.reset_index(drop=True).astype(object)
        f = f.where(pd.notna(f), None)
        f.columns = [str(c) for c in f.columns]
        n = len(f)
        return RawTable(f, self.name, [None] * n, list(range(1, n + 1)))

    def sha256(self) -> str:
        """A fingerprint of the frame's headers and cells (stands in for a file's sha256)."""
        h = hashlib.sha256()
        h.update("\x1f".join(str(c) for c in self.frame.columns).encode("utf-8"))
        h.update(pd.util.hash_pandas_object(self.frame.astype(str), index=False).to_numpy().tobytes())
        return h.hexdigest()
