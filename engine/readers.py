"""Read record files into raw text tables, remembering file, sheet and row of every record.

Formats: CSV (UTF-8 with or without BOM, GBK/GB18030), XLSX (a flat table per sheet, or the
vertical one-school-per-sheet collection form 序号/类别/填报项目/单位/填报值), JSON and JSONL.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError

MAX_INPUT_BYTES = 512 * 1024 * 1024


@dataclass
class RawTable:
    """Rows of raw cell values (strings or numbers) with their origin."""

    frame: pd.DataFrame  # columns = original headers, values as read (object)
    file: str
    sheet: list  # per row: sheet name or None
    row: list  # per row: 1-based row number in the file/sheet as a user sees it
    encoding: str = ""
    layout: str = "table"
    units: dict | None = None  # header -> unit given beside the value (vertical forms)


def read_records(path: str | Path) -> list[RawTable]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: 文件不存在 / file not found")
    if p.stat().st_size > MAX_INPUT_BYTES:
        raise InputError(f"{p}: 文件过大 / file too large")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return [_read_csv(p)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(p)
    if suffix == ".json":
        return [_read_json(p, lines=False)]
    if suffix in (".jsonl", ".ndjson"):
        return [_read_json(p, lines=True)]
    raise InputError(f"{p}: 不支持的文件格式 {suffix}（支持 csv、xlsx、json、jsonl）/ unsupported format")


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" else enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: 无法识别文件编码（支持 UTF-8、GBK/GB18030）/ unknown text encoding")


def _read_csv(p: Path) -> RawTable:
    text, enc = _decode(p.read_bytes(), str(p))
    sep = "\t" if p.suffix.lower() == ".tsv" else ","
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{p}: CSV 格式错误 / malformed CSV: {exc}")
    df = df.loc[~(df == "").all(axis=1)] if len(df.columns) else df
    rows = [int(i) + 2 for i in df.index]  # header is row 1
    return RawTable(df.reset_index(drop=True), str(p), [None] * len(df), rows, enc)


def _is_vertical(ws_rows: list) -> int | None:
    """Row index of a 填报项目/填报值 header in the first rows, if the sheet is a vertical form."""
    for i, row in enumerate(ws_rows[:10]):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if "填报项目" in cells and "填报值" in cells:
            return i
    return None


def _read_xlsx(p: Path) -> list[RawTable]:
    import openpyxl
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(f"{p}: 无法打开 Excel 文件 / cannot open workbook: {exc}")
    tables, vertical = [], []
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        if not rows:
            continue
        vh = _is_vertical(rows)
        if vh is not None:
            vertical.append((ws.title, rows, vh))
            continue
        header_i = next((i for i, r in enumerate(rows) if any(c not in (None, "") for c in r)), None)
        if header_i is None:
            continue
        header = [str(c).strip() if c is not None else f"列{j + 1}" for j, c in enumerate(rows[header_i])]
        body = rows[header_i + 1:]
        keep = [(i, r) for i, r in enumerate(body) if any(c not in (None, "") for c in r)]
        if not keep:
            continue
        df = pd.DataFrame([[_cell(c) for c in r[:len(header)]] + [""] * (len(header) - len(r)) for _, r in keep],
                          columns=header, dtype=object)
        tables.append(RawTable(df, str(p), [ws.title] * len(df), [header_i + 2 + i for i, _ in keep]))
    wb.close()
    if vertical:
        tables.append(_vertical_table(p, vertical))
    return tables


def _cell(c):
    if c is None:
        return ""
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    return str(c)


def _vertical_table(p: Path, sheets) -> RawTable:
    """One record per sheet: the 填报项目 column gives the header, 填报值 the value, 单位 the unit."""
    records, names, rows, units = [], [], [], {}
    for title, rows_, hi in sheets:
        header = [str(c).strip() if c is not None else "" for c in rows_[hi]]
        ci, vi = header.index("填报项目"), header.index("填报值")
        ui = header.index("单位") if "单位" in header else None
        rec, where = {}, {}
        for k, r in enumerate(rows_[hi + 1:], start=hi + 2):
            if ci >= len(r) or r[ci] in (None, ""):
                continue
            item = str(r[ci]).strip()
            unit = str(r[ui]).strip() if ui is not None and ui < len(r) and r[ui] not in (None, "") else ""
            key = f"{item}（{unit}）" if unit == "万元" else item
            rec[key] = _cell(r[vi]) if vi < len(r) else ""
            where[key] = k
        records.append(rec)
        names.append(title)
        rows.append(1)
    df = pd.DataFrame(records, dtype=object).fillna("")
    return RawTable(df, str(p), names, rows, layout="vertical", units=units)


def _read_json(p: Path, lines: bool) -> RawTable:
    text, enc = _decode(p.read_bytes(), str(p))
    try:
        if lines:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
            records = data.get("records", data.get("schools", data.get("counties"))) if isinstance(data, dict) else data
    except (json.JSONDecodeError, AttributeError) as exc:
        raise InputError(f"{p}: JSON 格式错误 / malformed JSON: {exc}")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(f"{p}: JSON 应为对象数组 / JSON must be a list of objects")
    df = pd.DataFrame([{k: ("" if v is None else str(v) if not isinstance(v, bool) else ("是" if v else "否"))
                        for k, v in r.items()} for r in records], dtype=object).fillna("")
    return RawTable(df, str(p), [None] * len(df), list(range(1, len(df) + 1)), enc)
