"""XLSX workbooks into raw tables: a flat table per sheet (the header found by its labels below any title
rows), or the vertical one-school-per-sheet collection form 序号/类别/填报项目/单位/填报值 (one record per sheet).

Read in bounded memory: the zip directory's uncompressed sizes are checked before opening
(``MAX_XLSX_UNCOMPRESSED``, ``MAX_SHARED_STRINGS``), sheets are streamed cell by cell and only the cells
that hold something are kept (a stray cell at row 1048576 costs one row, not a million); hidden and
veryHidden sheets are skipped with a note; a formula cell without a cached value is reported (公式没有计算结果);
merged cells are remembered (``RawTable.merged``) so that key and category cells can be filled down; the
same item twice on a form sheet is reported with both cells; the same header twice keeps its real name
(``RawTable.labels``).
"""
from __future__ import annotations

import datetime as _dt
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from junheng.errors import InputError
from junheng.i18n import Msg
from junheng.records.raw_table import RawTable, _letter

# a workbook is refused from its zip directory when it would uncompress beyond these (zip bombs)
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_SHARED_STRINGS = 64 * 1024 * 1024
HEADER_SCAN_ROWS = 30  # title rows above the header: the header is searched for in the first rows


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
