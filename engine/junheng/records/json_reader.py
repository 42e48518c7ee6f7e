"""JSON (a list of records, or an object holding one under records/schools/counties) and JSON Lines into
a raw table. The same key twice in an object is reported; nesting deeper than ``MAX_JSON_DEPTH`` and numbers
of any length give clean errors or problems (numbers are kept as their text)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from junheng.errors import InputError
from junheng.i18n import Msg
from junheng.records.raw_table import RawTable
from junheng.records.text_encoding import _decode

MAX_JSON_DEPTH = 64


class _Obj(dict):
    """A JSON object remembering keys given twice: [(key, first value, second value)]."""

    dups: tuple = ()


def _pairs(pairs):
    d, dups = _Obj(), []
    for k, v in pairs:
        if k in d:
            dups.append((k, d[k], v))
        else:
            d[k] = v
    if dups:
        d.dups = dups
    return d


def _json_text(v) -> str:
    return "" if v is None else ("是" if v else "否") if isinstance(v, bool) else str(v)


def _loads(text: str, name: str, where: str = ""):
    """json.loads keeping numbers as their text (any length is read; the normaliser judges it) and
    remembering repeated keys; nesting too deep for the parser is a clean, located error."""
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_int=str, parse_float=str, parse_constant=str)
    except RecursionError:
        arr = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        depth = np.cumsum(np.isin(arr, (ord("["), ord("{"))).astype(np.int64)
                          - np.isin(arr, (ord("]"), ord("}"))).astype(np.int64))
        at = int(np.argmax(depth > MAX_JSON_DEPTH))
        head = text.encode("utf-8")[:at]
        line, col = head.count(b"\n") + 1, at - (head.rfind(b"\n") + 1) + 1
        raise InputError(f"{name}{where}: JSON 嵌套过深（第 {line} 行第 {col} 列起超过 {MAX_JSON_DEPTH} 层）/ "
                         "JSON nested "
                         f"too deep (line {line} column {col})") from None


def _read_json(p: Path, name: str, lines: bool) -> RawTable:
    text, enc = _decode(p.read_bytes(), name)
    records: Any  # checked below: a list of objects
    rows: list[int] | None
    try:
        if lines:
            records, rows = [], []
            for n, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    try:
                        records.append(_loads(line, name, f":{n}"))
                    except json.JSONDecodeError as exc:
                        raise InputError(Msg("read.bad_json", name=f"{name}:{n}", error=str(exc))) from None
                    rows.append(n)
        else:
            data = _loads(text, name)
            records = data.get("records", data.get("schools", data.get("counties"))) if isinstance(data, dict) else data
            rows = None
    except (json.JSONDecodeError, AttributeError) as exc:
        raise InputError(Msg("read.bad_json", name=name, error=str(exc))) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(Msg("read.json_list", name=name))
    issues = []
    for i, r in enumerate(records):
        for k, a, b in getattr(r, "dups", ()):
            same = _json_text(a) == _json_text(b)
            issues.append(dict(i=i, header=k, value=_json_text(b), action="note" if same else "cell ignored",
                               rule="重复键",
                               message=f"键「{k}」在同一对象中出现两次（「{_json_text(a)}」与「{_json_text(b)}」）"
                               + ("，值相同" if same else "，值不一致，按缺失处理") + " / the same key twice"))
            if not same:
                r[k] = None
        for k, v in r.items():
            if isinstance(v, (dict, list)):
                issues.append(dict(i=i, header=k, value=json.dumps(v, ensure_ascii=False)[:40], action="cell ignored",
                                   rule="JSON 值", message="值是嵌套的对象或数组，不是单个值 / a nested value"))
                r[k] = None
    df = pd.DataFrame([{k: _json_text(v) for k, v in r.items()} for r in records], dtype=object).fillna("")
    return RawTable(df, name, [None] * len(df), rows or list(range(1, len(df) + 1)), enc, issues=issues)


# ------------------------------------------------------------------ the input formats
