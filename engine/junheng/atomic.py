"""Atomic file writes: every output file appears whole under its name, or not at all.

A writer writes into a temporary file in the target's own folder (``.<name>.<random>.part``), the
data is flushed and fsync'ed, then the temporary file is renamed over the target (``os.replace``,
atomic on POSIX within one file system). On any exception, KeyboardInterrupt or SystemExit (the CLI
turns SIGTERM into SystemExit) the temporary file is removed and the previous file under the
target's name, if any, is left as it was. Only SIGKILL or a power cut can leave a ``.part`` file
behind, never a partial file under the final name.

A target that exists and is not a regular file (``/dev/stdout``, ``/dev/full``, a pipe) cannot be
renamed over: it is written directly. A folder as target, a missing folder, a full disk or a
refused permission raise :class:`OutputError`, naming the path, for a one-line message.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path

from junheng.errors import OutputError


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")


def _open_temp(path: Path, mode: str, encoding, newline):
    """The temporary file, created exclusively (mode 0666 less the umask, like ``open``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        return os.fdopen(fd, mode.replace("x", "w"), encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        raise


def _special(target: Path) -> bool:
    """An existing target that is not a regular file (a device, a pipe): written in place."""
    try:
        st = os.stat(target)
    except OSError:
        return False
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(str(target), errno.EISDIR)
    return not stat.S_ISREG(st.st_mode)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _link_new(tmp: Path, target: Path) -> None:
    """Give the finished file its name only if the name is free: a hard link fails on an existing
    name (atomically). A file system without hard links: check, then rename (a tiny race window)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.replace(tmp, target)


@contextmanager
def atomic_open(target, mode: str = "wb", encoding: str | None = None, newline: str | None = None,
                exclusive: bool = False):
    """``with atomic_open(path, "w", encoding="utf-8") as fh: ...`` -- the file appears at ``path``
    only when the block ends without an exception. ``exclusive``: never replace an existing file
    (FileExistsError, the temporary file removed)."""
    target = Path(target)
    if target.is_symlink():  # write the file the link points to (as open() would), keep the link
        target = Path(os.path.realpath(target))
    if "b" not in mode and encoding is None:
        encoding = "utf-8"
    if _special(target):
        if exclusive:
            raise FileExistsError(errno.EEXIST, "exists", str(target))
        try:
            with open(target, mode.replace("x", "w"), encoding=encoding, newline=newline) as fh:
                yield fh
        except OSError as exc:
            raise OutputError(str(target), exc.errno, exc.strerror) from None
        return
    tmp = _temp_name(target)
    try:
        fh = _open_temp(tmp, mode, encoding, newline)
    except OSError as exc:
        raise OutputError(str(target), exc.errno, exc.strerror) from None
    done = False
    try:
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            _link_new(tmp, target)
            _remove(tmp)
        else:
            os.replace(tmp, target)
        done = True
        _fsync_dir(target.parent)
    except FileExistsError:
        raise
    except OSError as exc:
        raise OutputError(str(target), exc.errno, exc.strerror) from None
    finally:
        if not done:
            _remove(tmp)


def write_bytes(target, data: bytes) -> None:
    with atomic_open(target, "wb") as fh:
        fh.write(data)


def write_text(target, text: str, newline: str | None = "") -> None:
    with atomic_open(target, "w", encoding="utf-8", newline=newline) as fh:
        fh.write(text)


def is_stream(target) -> bool:
    return hasattr(target, "write")


__all__ = ["atomic_open", "write_bytes", "write_text", "OutputError"]


def check_target(target) -> None:
    """Fail early (before a long evaluation) on a target that can never be written: a folder, or a
    file in a folder that does not exist."""
    target = Path(target)
    _special(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(str(target), errno.ENOENT if not parent.exists() else errno.ENOTDIR)
