"""Read record files into raw text tables, remembering file, sheet and row of every record.

Formats: CSV (UTF-8 with or without BOM, GBK/GB18030 — also after a stray UTF-8 BOM —, UTF-16 with
BOM; comma or tab separated: Excel's tab-delimited .txt export), XLSX (a flat table per sheet, the
header found by its labels below any title rows, or the vertical one-school-per-sheet collection
form 序号/类别/填报项目/单位/填报值), JSON and JSONL.

Traps of real collection files handled here, each reported with its place (``RawTable.issues``,
turned into located problems by ``records.py``):

* CSV: a stray quote that opens a field spanning lines and separators (rows swallowed into one
  cell) — the record is rejected with the lines it swallowed; checked only when the file has a quote
  character at all, column-wise.
* XLSX: read in bounded memory — the zip directory's uncompressed sizes are checked before opening
  (``MAX_XLSX_UNCOMPRESSED``, ``MAX_SHARED_STRINGS``), sheets are streamed cell by cell and only the
  cells that hold something are kept (a stray cell at row 1048576 costs one row, not a million);
  hidden and veryHidden sheets are skipped with a note; a formula cell without a cached value is
  reported (公式没有计算结果); merged cells are remembered (``RawTable.merged``) so that key and
  category cells can be filled down; the same item twice on a form sheet is reported with both
  cells.
* JSON: the same key twice in an object is reported; nesting deeper than ``MAX_JSON_DEPTH`` and
  numbers of any length give clean errors or problems (numbers are kept as their text).
* The same header twice keeps its real name (``RawTable.labels``), never pandas' ``名称.1``.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any, Callable
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.errors import InputError
from junheng.i18n import Msg
import warnings
import datetime as _dt
import csv
import zipfile

MAX_INPUT_BYTES = 512 * 1024 * 1024
# a workbook is refused from its zip directory when it would uncompress beyond these (zip bombs)
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_SHARED_STRINGS = 64 * 1024 * 1024
MAX_JSON_DEPTH = 64
HEADER_SCAN_ROWS = 30  # title rows above the header: the header is searched for in the first rows


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
    # cell-level findings of the reader: dicts(i=record index, header, value, message, action
    # ("cell ignored" | "row rejected" | "note"), rule); records.py locates and applies them
    issues: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)  # frame column -> header as written (duplicates made unique)
    merged: dict = field(default_factory=dict)  # header -> [(first record index, last record index)]

    def label(self, header) -> str:
        """The header as the user wrote it (the frame's column may carry a suffix making it unique)."""
        return self.labels.get(header, str(header))

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


def read_records(source, known=None) -> list[RawTable]:
    """Read one record file (a path or a NamedFile) into raw tables; messages and origins use its
    display name. ``known(header)`` gives the field a header stands for, or None (finds a sheet's
    header row below title rows)."""
    return _read_path(source_path(source), source_name(source), known)


def _read_path(p: Path, name: str, known=None) -> list[RawTable]:
    if not p.is_file():
        raise InputError(Msg("read.not_found", name=name))
    if p.stat().st_size > MAX_INPUT_BYTES:
        raise InputError(Msg("read.too_large", name=name))
    fmt = input_format(p)
    if fmt is None:
        raise InputError(f"{name}: 不支持的文件格式 {p.suffix.lower()}（支持 {'、'.join(INPUT_SUFFIXES)}）/ "
                         f"unsupported format")
    return fmt.read(p, name, known)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding): UTF-16 with BOM (Excel's Unicode text), UTF-8 (BOM or not), GBK/GB18030 — also
    after a UTF-8 BOM some tools write in front of GBK text (encoding ``gb18030+bom``)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    for enc in ("utf-8", "gb18030"):
        try:
            return body.decode(enc), enc if not (bom and enc != "utf-8") else enc + "+bom"
        except UnicodeDecodeError:
            continue
    raise InputError(Msg("read.encoding", name=name))


def _separator(text: str, suffix: str) -> str:
    """Tab for .tsv, and for a .txt/.csv whose header line has more tabs than commas (Excel's
    tab-delimited text export); else comma."""
    if suffix == ".tsv":
        return "\t"
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    return "\t" if first.count("\t") > first.count(",") else ","


def _read_csv(p: Path, name: str) -> RawTable:
    data = p.read_bytes()
    text, enc = _decode(data, name)
    notes = []
    if enc.endswith("+bom"):
        enc = enc[:-4]
        notes.append(Msg("note.bom_gbk", name=name))
    sep = _separator(text, p.suffix.lower())
    if sep == "\t" and p.suffix.lower() != ".tsv":
        notes.append(Msg("note.tab", name=name))
    try:
        df = _read_csv_arrow(data, text, enc, sep)
        if df is None:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, skip_blank_lines=True,
                             index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Msg("read.bad_csv", name=name, error=str(exc))) from None
    labels = _real_headers(text, sep, list(df.columns))
    # a cell can span lines only when the text has more line breaks than header + records (one C-level count)
    may_span = '"' in text and text.count("\n") > len(df) + 1
    df = _without_blank_rows(df)
    index = df.index.to_numpy()
    lines = np.zeros(len(df), dtype=np.int64)  # line breaks inside the cells of each record
    issues = []
    if may_span and len(df):
        lines, issues = _spanning_cells(df, sep, labels)
    # header is line 1; a record after one whose cells span lines starts further down
    before = np.concatenate([[0], np.cumsum(lines)[:-1]]) if len(df) else lines
    rows = (index + 2 + before).tolist()
    for it in issues:
        it["message"] = it["message"].format(first=rows[it["i"]], last=rows[it["i"]] + it.pop("span"))
    return RawTable(df.reset_index(drop=True), name, [None] * len(df), rows, enc,
                    columns={h: _letter(j) for j, h in enumerate(df.columns)}, notes=notes, issues=issues,
                    labels=labels)


def _head(text: str) -> str:
    """The first lines of a CSV text, enough to hold its header row: up to the first line break outside
    quotes (a quoted header cell may span lines); the whole text when there is none."""
    end = text.find("\n")
    while end >= 0 and text.count('"', 0, end) % 2:
        end = text.find("\n", end + 1)
    return text if end < 0 else text[:end + 1]


def _real_headers(text: str, sep: str, columns: list) -> dict:
    """frame column -> header as written, where pandas renamed a repeated header (学校名称 → 学校名称.1)."""
    try:
        first = next(csv.reader(io.StringIO(_head(text)), delimiter=sep))
    except (StopIteration, csv.Error):
        return {}
    first = [h.strip() for h in first]
    return {c: first[j] for j, c in enumerate(columns) if j < len(first) and str(c) != first[j]}


def _without_blank_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The frame less its rows whose cells are all empty (a line of separators only); arrow-backed columns
    are judged from their cell lengths, without comparing texts."""
    if not len(df.columns) or not len(df):
        return df
    blank = np.ones(len(df), dtype=bool)
    for c in df.columns:
        a = getattr(df[c].array, "_pa_array", None)
        if a is None or a.null_count:
            blank &= (df[c] == "").to_numpy(dtype=bool)
        else:
            import pyarrow.compute as pc

            blank &= pc.binary_length(a).to_numpy(zero_copy_only=False) == 0
        if not blank.any():
            return df
    return df.loc[~blank]


def _spanning_cells(df: pd.DataFrame, sep: str, labels: dict):
    """Cells spanning lines (a quoted field). One spanning lines *and* separators is a stray quote that
    swallowed the rows below into one cell: the record is rejected, naming the lines. Column-wise."""
    counts = []
    issues = []
    for _j, c in enumerate(df.columns):
        s = df[c].astype("string")
        nl = s.str.count("\n").fillna(0).to_numpy(dtype=np.int64)
        counts.append(nl)
        if not nl.any():
            continue
        swallowed = (nl > 0) & s.str.contains(sep, regex=False).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(swallowed):
            text = s.iloc[i]
            head = text.split("\n", 1)[0][:30]
            issues.append(dict(i=int(i), header=c, value=head + "…", action="row rejected", rule="CSV 引号",
                               span=int(nl[i]),
                               message=f"第 {{first}}–{{last}} 行：列「{labels.get(c, c)}」的引号没有配对，"
                                       f"把其后 {int(nl[i])} 行（含分隔符）读进了一个单元格；请删去多余的引号"
                                       f" / a stray quote swallowed {int(nl[i])} line(s) into one cell"))
    total = np.sum(counts, axis=0) if counts else np.zeros(len(df), dtype=np.int64)
    return total, issues


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
        header = pd.read_csv(io.StringIO(_head(text)), dtype=str, keep_default_na=False, sep=sep, index_col=False,
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
    """Index (in ws_rows) of a 填报项目/填报值 header in the first rows, if the sheet is a vertical form."""
    for i, (_, row) in enumerate(ws_rows[:10]):
        cells = [_text(c[0]) for c in row]
        if "填报项目" in cells and "填报值" in cells:
            return i
    return None


def _check_zip(p: Path, name: str) -> None:
    """Refuse, from the zip directory alone, a workbook that would uncompress beyond the limits."""
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(Msg("read.bad_xlsx", name=name, error=str(exc))) from None

    def mb(n):
        return f"{n / 2 ** 20:.0f} MB"

    strings = sum(i.file_size for i in infos if i.filename.lower().endswith("sharedstrings.xml"))
    if strings > MAX_SHARED_STRINGS:
        raise InputError(Msg("read.bomb_strings", name=name, size=mb(strings), limit=mb(MAX_SHARED_STRINGS)))
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        big = max(infos, key=lambda i: i.file_size)
        raise InputError(Msg("read.bomb_total", name=name, size=mb(total), part=big.filename,
                             part_size=mb(big.file_size), limit=mb(MAX_XLSX_UNCOMPRESSED)))


def _formats(wb):
    """style id -> number format text (percent cells hold 0.95 for 95%)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    cache = {}

    def fmt(sid) -> str:
        if sid not in cache:
            try:
                nid = wb._cell_styles[int(sid)].numFmtId
                cache[sid] = (BUILTIN_FORMATS.get(nid, "General") if nid < BUILTIN_FORMATS_MAX_SIZE
                              else wb._number_formats[nid - BUILTIN_FORMATS_MAX_SIZE])
            except (IndexError, KeyError, TypeError, ValueError, AttributeError):
                cache[sid] = ""
        return cache[sid]

    return fmt


def _sheet_rows(wb, ws, fmt) -> tuple[list, list]:
    """Stream a sheet's XML: the rows that hold something, as (row number, [(value, format, no cached
    value)] up to the row's last filled cell), and the merged ranges. Empty and style-only cells are
    not kept, so memory follows the cells that hold data, not the sheet's stated size."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class _Parser(WorkSheetParser):
        def parse_cell(self, element):
            d = super().parse_cell(element)
            if d["value"] is None and element.find(FORMULA_TAG) is not None:
                d["nocache"] = True
            return d

    rows, empty = [], (None, "", False)
    with ws._get_source() as src:
        parser = _Parser(src, ws._shared_strings, data_only=True, epoch=wb.epoch, date_formats=wb._date_formats,
                         timedelta_formats=wb._timedelta_formats)
        for idx, cells in parser.parse():
            kept = [c for c in cells if c["value"] is not None or c.get("nocache")]
            if not kept:
                continue
            row = [empty] * max(c["column"] for c in kept)
            for c in kept:
                row[c["column"] - 1] = (c["value"], fmt(c["style_id"]), bool(c.get("nocache")))
            rows.append((idx, row))
        merged = [m.ref for m in parser.merged_cells.mergeCell] if parser.merged_cells else []
    return rows, merged


def _header_index(rows: list, known) -> int:
    """Index of the header row: among the first rows, the one with most recognised headers (title rows
    above it are passed over); without recognised headers, the first row with two filled cells."""
    scan = rows[:HEADER_SCAN_ROWS]
    if known is not None and scan:
        # distinct fields recognised (a field list such as a 说明 sheet's "school_id | *学校代码" rows names one
        # field twice per row, a header row many fields once)
        scores = [len({known(_text(c[0])) for c in r if _text(c[0])} - {None, False}) for _, r in scan]
        best = max(range(len(scan)), key=lambda k: (scores[k], -k))
        if scores[best] >= 2:
            return best
    for k, (_, r) in enumerate(scan):
        if sum(1 for c in r if _text(c[0])) >= 2:
            return k
    return 0


def _unique(header: list) -> tuple[list, dict]:
    """Frame columns made unique (a header written twice keeps its text in ``labels``)."""
    out, labels, seen = [], {}, {}
    for j, h in enumerate(header):
        if h in seen:
            u = f"{h}〔{_letter(j)}〕"
            labels[u] = h
            out.append(u)
        else:
            seen[h] = j
            out.append(h)
    return out, labels


def _read_xlsx(p: Path, name: str, known=None) -> list[RawTable]:
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    _check_zip(p, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(Msg("read.bad_xlsx", name=name, error=str(exc))) from None
    fmt = _formats(wb)
    tables, vertical, notes = [], [], []
    try:
        sheets = list(wb.worksheets)
        for ws in sheets:
            state = getattr(ws, "sheet_state", "visible")
            if state in ("hidden", "veryHidden"):
                notes.append(Msg("note.hidden", name=f"{name}[{ws.title}]", state=state))
                continue
            if not hasattr(ws, "_get_source"):  # a chartsheet
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    rows, merged = _sheet_rows(wb, ws, fmt)
            except InputError:
                raise
            except Exception as exc:
                raise InputError(Msg("read.bad_sheet", name=f"{name}[{ws.title}]", error=str(exc))) from None
            if not rows:
                continue
            vh = _is_vertical(rows)
            if vh is not None:
                vertical.append((ws.title, rows, vh))
                continue
            t = _flat_table(name, ws.title, rows, merged, known, notes, range_boundaries)
            if t is not None:
                tables.append(t)
    finally:
        wb.close()
    if vertical:
        vt = _vertical_table(name, vertical, notes)
        if vt is not None:
            tables.append(vt)
    if not tables:
        tables.append(RawTable(pd.DataFrame(), name, [], [], layout="empty"))
    tables[0].notes.extend(notes)
    return tables


def _flat_table(name, title, rows, merged, known, notes, range_boundaries):
    hi = _header_index(rows, known)
    header_row, hdr = rows[hi]
    if hi:
        above = tuple(r for r, _ in rows[:hi])
        notes.append(Msg("note.title_rows", name=f"{name}[{title}]", row=header_row, above=above))
    body = rows[hi + 1:]
    keep = [(r, c) for r, c in body if any(_text(v) for v, _, nc in c) or any(nc for _, _, nc in c)]
    n = len(hdr)
    while n and not _text(hdr[n - 1][0]) and not any(len(c) >= n and (_text(c[n - 1][0]) or c[n - 1][2])
                                                      for _, c in keep):
        n -= 1
    written = [_text(c[0]) or f"列{j + 1}" for j, c in enumerate(hdr[:n])] + [f"列{j + 1}" for j in range(len(hdr), n)]
    if not keep or not written:
        notes.append(Msg("note.no_rows", name=f"{name}[{title}]"))
        return None
    header, labels = _unique(written)
    empty = (None, "", False)
    data, issues = [], []
    for i, (_, c) in enumerate(keep):
        c = c[:n] + [empty] * (n - len(c[:n]))
        data.append([_cell(v, f) for v, f, _ in c])
        for j, (_, _, nc) in enumerate(c):
            if nc:
                issues.append(dict(i=i, header=header[j], value="", action="cell ignored", rule="公式",
                                   message=FORMULA_NO_VALUE))
    df = pd.DataFrame(data, columns=header, dtype=object)
    row_numbers = [r for r, _ in keep]
    where = {r: i for i, r in enumerate(row_numbers)}
    spans = {}
    for ref in merged:
        try:
            c0, r0, c1, r1 = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if r1 <= r0 or r0 <= header_row or c0 > n or r0 not in where:
            continue
        top = where[r0]
        last = max(i for r, i in where.items() if r0 <= r <= r1)
        for j in range(c0 - 1, min(c1, n)):
            spans.setdefault(header[j], []).append((top, last, ref))
    return RawTable(df, name, [title] * len(df), row_numbers, layout="table",
                    columns={h: _letter(j) for j, h in enumerate(header)}, issues=issues, labels=labels,
                    merged=spans)


FORMULA_NO_VALUE = ("公式没有计算结果（请在 Excel 中打开并保存）/ formula without a cached value: "
                    "open and save the file in Excel")


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


def _vertical_table(name: str, sheets, notes: list) -> RawTable | None:
    """One record per sheet: the 填报项目 column gives the header, 填报值 the value, 单位 the unit.

    A value whose 单位 is 万元 is keyed ``<item>（万元）`` so the header map scales it to yuan.
    Every value keeps its own form row and cell (e.g. E52) for locating problems. The same item
    twice on a sheet is reported with both cells (different values: the item is missing).
    """
    records: list[dict] = []
    names: list[str] = []
    rows: list = []
    cells: dict = {}
    units: dict = {}
    issues: list[dict] = []
    for title, rows_, hi in sheets:
        header = [_text(c[0]) for c in rows_[hi][1]]
        ci, vi = header.index("填报项目"), header.index("填报值")
        ui = header.index("单位") if "单位" in header else None
        letter = _letter(vi)
        rec: dict = {}
        where: dict = {}
        first, found = None, []
        for k, r in rows_[hi + 1:]:
            if ci >= len(r) or _text(r[ci][0]) == "":
                continue
            item = _text(r[ci][0])
            unit = _text(r[ui][0]) if ui is not None and ui < len(r) else ""
            key = f"{item}（{unit}）" if unit == "万元" else item
            value, fmt, nocache = r[vi] if vi < len(r) else (None, "", False)
            text = _cell(value, fmt)
            if key in rec:
                (k0, c0) = where[key]
                same = rec[key] == text
                found.append(dict(header=key, value=text, action="note" if same else "cell ignored", rule="重复项目",
                                  message=(f"项目「{item}」在本表填了两次（{c0}「{rec[key]}」与 {letter}{k}「{text}」）"
                                           + ("，值相同" if same else "，值不一致，按缺失处理")
                                           + " / the same item twice on the sheet")))
                if not same:
                    rec[key] = ""
                continue
            rec[key] = text
            where[key] = (k, f"{letter}{k}")
            if nocache:
                found.append(dict(header=key, value="", action="cell ignored", rule="公式", message=FORMULA_NO_VALUE))
            if unit:
                units[key] = unit
            if first is None and "代码" in item:
                first = k
        if not any(v != "" for v in rec.values()):
            notes.append(Msg("note.empty_form", name=f"{name}[{title}]"))
            continue
        i = len(records)
        records.append(rec)
        names.append(title)
        rows.append(first or rows_[hi][0] + 1)
        issues.extend(dict(f, i=i) for f in found)
        for key, loc in where.items():
            cells.setdefault(key, [None] * i)
            cells[key].append(loc)
        for key in cells:
            if len(cells[key]) < i + 1:
                cells[key].append(None)
    if not records:
        return None
    notes.append(Msg("note.vertical", name=name, n=len(records)))
    df = pd.DataFrame(records, dtype=object).fillna("")
    return RawTable(df, name, names, rows, layout="vertical", units=units, cells=cells, issues=issues)


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
@dataclass(frozen=True)
class InputFormat:
    """One input format: the file name endings it is chosen by and its reader. The CLI, the workbench's
    upload check and the docs read this table; a new format is one entry here."""

    name: str
    suffixes: tuple
    read: Callable[..., list]  # (path, display name, known) -> [RawTable]
    workbook: bool = False  # a zip container: its sheets are checked for the table, its size before reading
    description: str = ""


INPUT_FORMATS = (
    InputFormat("csv", (".csv", ".txt", ".tsv"), lambda p, name, known: [_read_csv(p, name)],
                description="CSV or tab-separated text, UTF-8/UTF-16/GBK"),
    InputFormat("xlsx", (".xlsx", ".xlsm"), lambda p, name, known: _read_xlsx(p, name, known), workbook=True,
                description="Excel workbook: flat tables, or one school per sheet (序号/类别/填报项目/单位/填报值)"),
    InputFormat("json", (".json",), lambda p, name, known: [_read_json(p, name, lines=False)],
                description="JSON: a list of records"),
    InputFormat("jsonl", (".jsonl", ".ndjson"), lambda p, name, known: [_read_json(p, name, lines=True)],
                description="JSON Lines: one record per line"),
)
INPUT_SUFFIXES = tuple(s for f in INPUT_FORMATS for s in f.suffixes)
WORKBOOK_SUFFIXES = tuple(s for f in INPUT_FORMATS if f.workbook for s in f.suffixes)


def input_format(path) -> InputFormat | None:
    """The format a file is read as, by its name's ending (None: not a record file)."""
    suffix = Path(str(path)).suffix.lower()
    return next((f for f in INPUT_FORMATS if suffix in f.suffixes), None)
