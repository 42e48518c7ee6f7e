"""Raw tables: the cells of a record file as read (text), with the file, sheet and row of every record and
the place of every value (column letters, or a vertical form's cells); the reader's own findings in
``RawTable.issues``. Shared by the format readers (``csv_reader``, ``xlsx_reader``, ``json_reader``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


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
