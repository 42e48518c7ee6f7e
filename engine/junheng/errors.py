"""Located errors for standard files: every mistake is reported as ``file:line:col``.

Static checks never stop at the first problem: they append to an :class:`ErrorList` and the
caller raises :class:`StandardError` once, carrying all of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class LocatedError:
    loc: Loc
    message: str
    text: str = ""  # the offending text, shown after the message

    def __str__(self) -> str:
        return self.render("zh")

    def render(self, lang: str = "zh") -> str:
        """``file:line:col: message  [text]`` with the message in ``lang`` (when it is a catalogue text)."""
        tail = f"  [{self.text}]" if self.text else ""
        return f"{self.loc}: {localize(self.message, lang)}{tail}"


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
