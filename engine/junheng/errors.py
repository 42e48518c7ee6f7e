"""Located errors for standard files: every mistake is reported as ``file:line:col``.

Static checks never stop at the first problem: they append to an :class:`ErrorList` and the
caller raises :class:`StandardError` once, carrying all of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import errno as _errno
import os as _os
import unicodedata as _ud

from junheng.i18n import localize


@dataclass(frozen=True)
class Loc:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file

    def shifted(self, line_offset: int, col: int) -> "Loc":
        return Loc(self.file, self.line + line_offset, col)


def display_width(s: str) -> int:
    """Terminal columns of ``s``: wide (Chinese, full-width) characters take two."""
    return sum(2 if _ud.east_asian_width(c) in ("W", "F") else 1 for c in s)


def caret_lines(source: str, col: int) -> str:
    """The source line and a caret under column ``col`` (1-based), indented; a tab is shown as one space."""
    shown = source.replace("\t", " ")
    return f"    {shown}\n    {' ' * display_width(shown[:max(col - 1, 0)])}^"


@dataclass
class LocatedError:
    loc: Loc
    message: str
    text: str = ""  # the offending text, shown after the message
    source: str = ""  # the source line, shown under the message with a caret at the column (YAML slips)

    def __str__(self) -> str:
        return self.render("zh")

    def render(self, lang: str = "zh") -> str:
        """``file:line:col: message  [text]`` with the message in ``lang`` (when it is a catalogue text)."""
        tail = f"  [{self.text}]" if self.text else ""
        head = f"{self.loc}: {localize(self.message, lang)}{tail}"
        if not self.source:
            return head
        return head + "\n" + caret_lines(self.source, self.loc.col)


@dataclass
class ErrorList:
    errors: list[LocatedError] = field(default_factory=list)

    def add(self, loc: Loc, message: str, text: str = "") -> None:
        self.errors.append(LocatedError(loc, message, text))

    def extend(self, other: "ErrorList") -> None:
        self.errors.extend(other.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise StandardError(self.errors)


class JunhengError(Exception):
    """Base class of every error the engine reports to a user (never a traceback)."""


class StandardError(JunhengError):
    """One or more mistakes in standard files, each located."""

    def __init__(self, errors: list[LocatedError]):
        self.errors = sorted(errors, key=lambda e: (e.loc.file, e.loc.line, e.loc.col))
        super().__init__("\n".join(str(e) for e in self.errors))


class InputError(JunhengError):
    """A record file cannot be read at all (missing, wrong format)."""


class OutputError(JunhengError):
    """An output file cannot be written (full disk, missing folder, a folder, no permission).

    ``message(lang)`` is one line naming the path; the CLI exits with its own code for it."""

    REASONS = {
        "ENOSPC": ("磁盘已满", "no space left on the device"),
        "ENOENT": ("文件夹不存在", "the folder does not exist"),
        "ENOTDIR": ("路径中有一段不是文件夹", "a part of the path is not a folder"),
        "EISDIR": ("这是一个文件夹，不是文件", "it is a folder, not a file"),
        "EACCES": ("没有写入权限", "permission denied"),
        "EPERM": ("没有写入权限", "permission denied"),
        "EROFS": ("只读文件系统", "read-only file system"),
        "EDQUOT": ("超出磁盘配额", "disk quota exceeded"),
        "ENAMETOOLONG": ("文件名太长", "file name too long"),
        "EEXIST": ("文件已存在", "the file exists"),
    }

    def __init__(self, path: str, errno_: int | None = None, strerror: str | None = None):
        self.path, self.errno, self.strerror = path, errno_, strerror or (_os.strerror(errno_) if errno_ else "")
        self.code = _errno.errorcode.get(errno_ or 0, "")
        super().__init__(self.message("zh"))

    def message(self, lang: str = "zh") -> str:
        zh, en = self.REASONS.get(self.code, (self.strerror, self.strerror))
        if lang == "en":
            return f"cannot write {self.path}: {en}"
        return f"无法写入 {self.path}：{zh}"
