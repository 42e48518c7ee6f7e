"""What the workbench holds while it runs: uploaded files and evaluated runs.

Uploads are written into one temporary folder the server owns, under generated names
(``<random hex><extension>``); the name the user gave is kept only for display
(:class:`engine.readers.NamedFile`), never used to build a path. The folder is removed when the
server stops (:meth:`Workspace.close`). Runs are kept in memory, the most recent ``max_runs``.
"""
from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from junheng.i18n import Msg
from junheng.records.readers import NamedFile
import io
import zipfile
from junheng.atomic import atomic_open
from junheng.records.readers import INPUT_SUFFIXES, WORKBOOK_SUFFIXES

ALLOWED_SUFFIXES = INPUT_SUFFIXES  # the record readers' formats (records/readers.py INPUT_FORMATS)
MAX_NAME = 120
ZIP_SUFFIXES = WORKBOOK_SUFFIXES
MAX_UNPACKED_MB = 200  # a workbook is a zip: its uncompressed size counts too (a zip bomb is refused)


class UploadRefused(ValueError):
    """An upload the workbench does not accept (wrong kind of file, empty, ...)."""


def unpacked_size(data: bytes) -> int:
    """The uncompressed size of a zip (an xlsx workbook) from its central directory, read without
    decompressing anything. Python's zipfile never inflates a member past its declared size (the
    read stops there and the CRC check fails), so the declared sizes bound what opening it costs."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return sum(i.file_size for i in z.infolist())


def display_name(filename: str) -> str:
    """The user's file name, for display only: last path component, control characters removed."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:MAX_NAME] or "upload"


def suffix_of(filename: str) -> str:
    name = display_name(filename).lower()
    for suf in sorted(ALLOWED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suf):
            return suf
    raise UploadRefused(Msg("web.bad_suffix", file=display_name(filename), suffixes=tuple(ALLOWED_SUFFIXES)))


@dataclass
class Entry:
    """One evaluation: the uploaded files, the choices made, and the run."""

    id: str
    standard: str
    as_of: str | None
    schools: list
    counties: list
    run: object
    lang: str = "zh"
    extra: dict = field(default_factory=dict)  # cached derived things (impact of a what-if, ...)


class Workspace:
    def __init__(self, max_runs: int = 8, max_unpacked_mb: float = MAX_UNPACKED_MB):
        self.root = Path(tempfile.mkdtemp(prefix="junheng-serve-"))
        self.max_runs = max_runs
        self.max_unpacked = int(max_unpacked_mb * 1024 * 1024)
        self._runs: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    # -------------------------------------------------------------- uploads
    def store(self, filename: str, data: bytes) -> NamedFile:
        """Keep an uploaded file under a generated name; return it with the user's name for display."""
        suffix = suffix_of(filename)
        if not data:
            raise UploadRefused(Msg("web.empty_file", file=display_name(filename)))
        if suffix in ZIP_SUFFIXES:
            try:
                size = unpacked_size(data)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                raise UploadRefused(Msg("web.not_a_workbook", file=display_name(filename))) from None
            if size > self.max_unpacked:
                raise UploadRefused(Msg("web.workbook_too_large", file=display_name(filename),
                                        size=f"{size / 1048576:.0f}", limit=f"{self.max_unpacked / 1048576:.0f}"))
        path = self.root / f"{secrets.token_hex(16)}{suffix}"

        with atomic_open(path, "wb", exclusive=True) as fh:  # whole or not at all
            fh.write(data)
        return NamedFile(path, display_name(filename))

    def discard(self, files) -> None:
        for f in files:
            try:
                Path(f.path).unlink()
            except (OSError, AttributeError):
                pass

    # -------------------------------------------------------------- runs
    def add(self, entry: Entry) -> Entry:
        with self._lock:
            self._runs[entry.id] = entry
            while len(self._runs) > self.max_runs:
                _, old = self._runs.popitem(last=False)
                self.discard(old.schools + old.counties)
        return entry

    def get(self, run_id: str) -> Entry | None:
        with self._lock:
            entry = self._runs.get(run_id)
            if entry is not None:
                self._runs.move_to_end(run_id)
            return entry

    def latest(self) -> Entry | None:
        with self._lock:
            return next(reversed(self._runs.values()), None) if self._runs else None

    @staticmethod
    def new_id() -> str:
        return secrets.token_hex(8)

    def close(self) -> None:
        """Forget every run and remove the temporary folder with every uploaded file."""
        with self._lock:
            self._runs.clear()
        shutil.rmtree(self.root, ignore_errors=True)
