"""Read record files into raw text tables, remembering file, sheet and row of every record.

Formats: CSV (UTF-8 with or without BOM, GBK/GB18030 — also after a stray UTF-8 BOM —, UTF-16 with
BOM; comma or tab separated: Excel's tab-delimited .txt export), XLSX (a flat table per sheet, the
header found by its labels below any title rows, or the vertical one-school-per-sheet collection
form 序号/类别/填报项目/单位/填报值), JSON and JSONL.

Each format has its reader module, chosen here by the file name's ending (``INPUT_FORMATS``):
``csv_reader`` (CSV and tab-separated text), ``xlsx_reader`` (workbooks: flat tables and vertical forms),
``json_reader`` (JSON and JSON Lines); ``text_encoding`` decodes text files, ``raw_table`` holds what
they all give: a ``RawTable`` of cell texts with the place of every value. The traps of real collection
files each reader handles are reported with their place (``RawTable.issues``), turned into located
problems by ``column_typing``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from junheng.errors import InputError
from junheng.i18n import Msg
from junheng.records.csv_reader import _read_csv, _read_csv_arrow  # noqa: F401  (re-exported)
from junheng.records.json_reader import MAX_JSON_DEPTH, _read_json  # noqa: F401  (re-exported)
from junheng.records.raw_table import NamedFile, RawTable, source_name, source_path  # noqa: F401  (re-exported)
from junheng.records.text_encoding import _decode  # noqa: F401  (re-exported)
from junheng.records.xlsx_reader import _read_xlsx

MAX_INPUT_BYTES = 512 * 1024 * 1024


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
