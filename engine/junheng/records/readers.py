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

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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
    header row below title rows). A CSV file being read ahead (``read_ahead``) is taken from there."""
    p, name = source_path(source), source_name(source)
    if _AHEAD:
        with _AHEAD_LOCK:
            pending = _AHEAD.pop(_ahead_key(p, name), None)
        if pending is not None:
            return pending.result()  # what the reading raised is raised here, as without reading ahead
    return _read_path(p, name, known)


# CSV files read on a thread while the caller loads the standard: (path, size, modified, name) -> Future
_AHEAD: dict = {}
_AHEAD_LOCK = threading.Lock()


def _ahead_key(p: Path, name: str):
    try:
        st = p.stat()
    except OSError:
        return None
    return str(p.resolve()), st.st_size, st.st_mtime_ns, name


@contextmanager
def read_ahead(*sources):
    """Within the block, the CSV record files among ``sources`` (paths, NamedFiles, lists of them) are parsed
    on a thread (arrow's parser releases the GIL: on two cores the standard loads meanwhile); ``read_records``
    takes each result once. Files not taken by the end of the block are dropped."""
    todo = []
    for src in sources:
        for one in (src if isinstance(src, (list, tuple)) else [src]):
            if isinstance(one, (str, Path, NamedFile)):
                p = source_path(one)
                fmt = input_format(p)
                key = _ahead_key(p, source_name(one))
                if fmt is not None and fmt.name == "csv" and key is not None and key[1] <= MAX_INPUT_BYTES:
                    todo.append((key, p, source_name(one)))
    if not todo:
        yield
        return
    pool = ThreadPoolExecutor(1, thread_name_prefix="junheng-read-ahead")
    mine = {key: pool.submit(_read_path, p, name, None) for key, p, name in todo}
    with _AHEAD_LOCK:
        _AHEAD.update(mine)
    try:
        yield
    finally:
        with _AHEAD_LOCK:
            for key, fut in mine.items():
                if _AHEAD.get(key) is fut:
                    del _AHEAD[key]
        pool.shutdown(wait=False)


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
