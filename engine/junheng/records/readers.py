"""Read record files into raw text tables, remembering file, sheet and row of every record.

Formats: CSV (UTF-8 with or without BOM, GBK/GB18030), XLSX (a flat table per sheet, or the
vertical one-school-per-sheet collection form 序号/类别/填报项目/单位/填报值), JSON and JSONL.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from junheng.errors import InputError
import warnings
import datetime as _dt

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
    # where each value sits: header -> column letter (flat XLSX) or, for vertical forms,
    # header -> list (one per record) of (form row, cell such as "E52") of that item's value
    columns: dict | None = None
    cells: dict | None = None
    notes: list = field(default_factory=list)  # sheets skipped, layouts recognised

    def locate(self, header, i: int) -> tuple[int, str]:
        """(row, cell) of record i's value under header, as the user sees it in the file."""
        if self.cells is not None:
            where = self.cells.get(header, [])
            if i < len(where) and where[i] is not None:
                return where[i]
            return self.row[i], ""
        if self.columns and header in self.columns:
            return self.row[i], f"{self.columns[header]}{self.row[i]}"
        return self.row[i], ""


@dataclass(frozen=True)
class NamedFile:
    """A file stored under one name and shown under another: an upload kept in a temporary folder
    under a generated name is reported under the name the user gave it (messages, origins, outputs)."""

    path: Path
    name: str

    def __str__(self) -> str:
        return self.name


def source_path(source) -> Path:
    """Where a record file is read from (a path, or a NamedFile's stored path)."""
    return Path(source.path) if isinstance(source, NamedFile) else Path(source)


def source_name(source) -> str:
    """How a record file is named to the user."""
    return source.name if isinstance(source, NamedFile) else str(source)


def read_records(source) -> list[RawTable]:
    """Read one record file (a path or a NamedFile) into raw tables; messages and origins use its
    display name."""
    return _read_path(source_path(source), source_name(source))


def _read_path(p: Path, name: str) -> list[RawTable]:
    if not p.is_file():
        raise InputError(f"{name}: 文件不存在 / file not found")
    if p.stat().st_size > MAX_INPUT_BYTES:
        raise InputError(f"{name}: 文件过大 / file too large")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return [_read_csv(p, name)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(p, name)
    if suffix == ".json":
        return [_read_json(p, name, lines=False)]
    if suffix in (".jsonl", ".ndjson"):
        return [_read_json(p, name, lines=True)]
    raise InputError(f"{name}: 不支持的文件格式 {suffix}（支持 csv、xlsx、json、jsonl）/ unsupported format")


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" else enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: 无法识别文件编码（支持 UTF-8、GBK/GB18030）/ unknown text encoding")


def _read_csv(p: Path, name: str) -> RawTable:
    data = p.read_bytes()
    text, enc = _decode(data, name)
    sep = "\t" if p.suffix.lower() == ".tsv" else ","
    try:
        df = _read_csv_arrow(data, text, enc, sep)
        if df is None:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, skip_blank_lines=True,
                             index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{name}: CSV 格式错误 / malformed CSV: {exc}")
    df = df.loc[~(df == "").all(axis=1)] if len(df.columns) else df
    rows = [int(i) + 2 for i in df.index]  # header is row 1
    return RawTable(df.reset_index(drop=True), name, [None] * len(df), rows, enc,
                    columns={h: _letter(j) for j, h in enumerate(df.columns)})


def _read_csv_arrow(data: bytes, text: str, enc: str, sep: str):
    """The frame ``pd.read_csv(dtype=str, keep_default_na=False)`` gives, read by arrow's parser (in C++,
    several threads; 200,000 schools: 3 s -> 0.7 s). None when the file is anything but a plain
    rectangular table with distinct, non-empty headers (pandas then reads it, as before): ragged rows,
    blank or duplicate headers, a single column or no rows."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    try:
        header = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, index_col=False,
                             nrows=0).columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    if len(header) < 2:
        return None
    raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if enc != "utf-8":
        raw = text.encode("utf-8")
    try:
        tab = pcsv.read_csv(pa.py_buffer(raw), parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True),
                            convert_options=pcsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                                strings_can_be_null=False,
                                                                quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None
    if list(tab.column_names) != [str(h) for h in header] or tab.num_rows == 0:
        return None
    return tab.to_pandas()


def _letter(j: int) -> str:
    """Spreadsheet column letter of 0-based column j (A … Z, AA …), as openpyxl's get_column_letter."""
    j += 1
    if not 1 <= j <= 18278:
        raise ValueError(f"Invalid column index {j}")
    out = ""
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _text(c) -> str:
    return str(c).strip() if c is not None else ""


def _is_vertical(ws_rows: list) -> int | None:
    """Row index of a 填报项目/填报值 header in the first rows, if the sheet is a vertical form."""
    for i, row in enumerate(ws_rows[:10]):
        cells = [_text(c) for c, _ in row]
        if "填报项目" in cells and "填报值" in cells:
            return i
    return None


def _read_xlsx(p: Path, name: str) -> list[RawTable]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(f"{name}: 无法打开 Excel 文件 / cannot open workbook: {exc}")
    tables, vertical, notes = [], [], []
    for ws in wb.worksheets:
        rows = _values(ws)
        if not rows:
            continue
        vh = _is_vertical(rows)
        if vh is not None:
            vertical.append((ws.title, rows, vh))
            continue
        header_i = next((i for i, r in enumerate(rows) if any(c not in (None, "") for c, _ in r)), None)
        if header_i is None:
            continue
        hdr = rows[header_i]
        header = [_text(c) or f"列{j + 1}" for j, (c, _) in enumerate(hdr)]
        # trailing empty header cells with no data are formatting, not columns
        body = rows[header_i + 1:]
        keep = [(i, r) for i, r in enumerate(body) if any(c not in (None, "") for c, _ in r)]
        n = len(header)
        while n and not _text(hdr[n - 1][0]) and not any(len(r) >= n and r[n - 1][0] not in (None, "") for _, r in keep):
            n -= 1
        header = header[:n]
        if not keep or not header:
            notes.append(f"{name}[{ws.title}]: 没有数据行，已跳过 / no data rows, sheet skipped")
            continue
        data = [[_cell(c, f) for c, f in r[:n]] + [""] * (n - len(r[:n])) for _, r in keep]
        df = pd.DataFrame(data, columns=header, dtype=object)
        t = RawTable(df, name, [ws.title] * len(df), [header_i + 2 + i for i, _ in keep], layout="table",
                     columns={h: get_column_letter(j + 1) for j, h in enumerate(header)})
        tables.append(t)
    wb.close()
    if vertical:
        vt = _vertical_table(name, vertical, notes)
        if vt is not None:
            tables.append(vt)
    if not tables:
        tables.append(RawTable(pd.DataFrame(), name, [], [], layout="empty"))
    tables[0].notes.extend(notes)
    return tables


def _cell(c, fmt: str = ""):
    if c is None:
        return ""
    if isinstance(c, bool):
        return "是" if c else "否"
    if isinstance(c, (int, float)) and "%" in (fmt or ""):
        return f"{round(c * 100, 10):g}%"  # a cell shown as 95% holds 0.95
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    if isinstance(c, float):
        return repr(c)
    if isinstance(c, (_dt.datetime, _dt.date)):
        return c.strftime("%Y-%m-%d")
    return str(c)


def _values(ws) -> list:
    """Rows of (value, number_format) pairs; formats tell percent cells apart."""
    out = []
    for r in ws.iter_rows():
        out.append([(getattr(c, "value", None), getattr(c, "number_format", "") or "") for c in r])
    return out


def _vertical_table(name: str, sheets, notes: list) -> RawTable | None:
    """One record per sheet: the 填报项目 column gives the header, 填报值 the value, 单位 the unit.

    A value whose 单位 is 万元 is keyed ``<item>（万元）`` so the header map scales it to yuan.
    Every value keeps its own form row and cell (e.g. E52) for locating problems.
    """
    from openpyxl.utils import get_column_letter

    records, names, rows, cells, units = [], [], [], {}, {}
    for title, rows_, hi in sheets:
        header = [_text(c) for c, _ in rows_[hi]]
        ci, vi = header.index("填报项目"), header.index("填报值")
        ui = header.index("单位") if "单位" in header else None
        letter = get_column_letter(vi + 1)
        rec, where, first = {}, {}, None
        for k, r in enumerate(rows_[hi + 1:], start=hi + 2):
            if ci >= len(r) or r[ci][0] in (None, ""):
                continue
            item = _text(r[ci][0])
            unit = _text(r[ui][0]) if ui is not None and ui < len(r) else ""
            key = f"{item}（{unit}）" if unit == "万元" else item
            value, fmt = r[vi] if vi < len(r) else (None, "")
            rec[key] = _cell(value, fmt)
            where[key] = (k, f"{letter}{k}")
            if unit:
                units[key] = unit
            if first is None and "代码" in item:
                first = k
        if not any(v != "" for v in rec.values()):
            notes.append(f"{name}[{title}]: 填报表没有填写任何值，已跳过 / empty form sheet skipped")
            continue
        i = len(records)
        records.append(rec)
        names.append(title)
        rows.append(first or hi + 2)
        for key, loc in where.items():
            cells.setdefault(key, [None] * i)
            cells[key].append(loc)
        for key in cells:
            if len(cells[key]) < i + 1:
                cells[key].append(None)
    if not records:
        return None
    notes.append(f"{name}: 识别为纵向填报表（每个工作表一所学校/一个区县）{len(records)} 个 / vertical form sheets")
    df = pd.DataFrame(records, dtype=object).fillna("")
    return RawTable(df, name, names, rows, layout="vertical", units=units, cells=cells)


def _read_json(p: Path, name: str, lines: bool) -> RawTable:
    text, enc = _decode(p.read_bytes(), name)
    try:
        if lines:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
            records = data.get("records", data.get("schools", data.get("counties"))) if isinstance(data, dict) else data
    except (json.JSONDecodeError, AttributeError) as exc:
        raise InputError(f"{name}: JSON 格式错误 / malformed JSON: {exc}")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(f"{name}: JSON 应为对象数组 / JSON must be a list of objects")
    df = pd.DataFrame([{k: ("" if v is None else str(v) if not isinstance(v, bool) else ("是" if v else "否"))
                        for k, v in r.items()} for r in records], dtype=object).fillna("")
    return RawTable(df, name, [None] * len(df), list(range(1, len(df) + 1)), enc)
