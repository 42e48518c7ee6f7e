"""CSV and tab-separated text (comma or tab: Excel's tab-delimited .txt export) into a raw table.

Read by arrow's parser when the file is a plain rectangular table, by pandas otherwise. A stray quote that
opens a field spanning lines and separators (rows swallowed into one cell) rejects the record with the
lines it swallowed; checked only when the file has a quote character at all, column-wise.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.errors import InputError
from junheng.i18n import Msg
from junheng.records.raw_table import RawTable, _letter
from junheng.records.text_encoding import _decode


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
        # a value spans lines only inside quotes: a file without a quote is parsed in parallel blocks
        parse = pcsv.ParseOptions(delimiter=sep, newlines_in_values=raw.find(b'"') >= 0)
        tab = pcsv.read_csv(pa.py_buffer(raw), parse_options=parse,
                            convert_options=pcsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                                strings_can_be_null=False,
                                                                quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None
    if list(tab.column_names) != [str(h) for h in header] or tab.num_rows == 0:
        return None
    return tab.combine_chunks().to_pandas()  # one chunk per column: later column work does not re-combine
