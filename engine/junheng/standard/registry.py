"""Find standards by id (``national/quality-2017``) or by path, and list what is available."""
from __future__ import annotations

import re
from typing import Any
from pathlib import Path

from junheng.errors import LocatedError, Loc, StandardError
from junheng.i18n import Msg
from junheng.paths import standards_dir, user_dirs
from junheng.standard.yamlsafe import load_yaml_file

SKIP = {"fields.yaml"}


def search_path(extra=()) -> list[Path]:
    """The folders searched for a standard id: the user's folders (``--standards-dir``,
    ``$JUNHENG_STANDARDS_DIR``, ``./junheng-standards``), then the bundled standards."""
    return user_dirs(extra) + [standards_dir()]


def _is_id(ref: str) -> bool:
    return "/" in ref and not ref.endswith((".yaml", ".yml")) and ".." not in ref.split("/") \
        and not ref.startswith("/") and "\\" not in ref


def resolve_standard(ref: str, extra_dirs=()) -> Path:
    """A path to an existing file, or an id looked up as ``<dir>/<id>.yaml`` in each search dir."""
    if not isinstance(ref, str) or not ref:
        raise StandardError([LocatedError(Loc("<standard>"), Msg("std.empty_ref"))])
    p = Path(ref)
    if ref.endswith((".yaml", ".yml")) and _is_file(p):
        return p
    if _is_id(ref):
        for d in search_path(extra_dirs):
            cand = (d / f"{ref}.yaml")
            try:
                cand.resolve().relative_to(d.resolve())
            except (ValueError, OSError):  # outside the folder, or a name the OS refuses (too long)
                continue
            if _is_file(cand):
                return cand
    raise StandardError([LocatedError(Loc(ref), Msg("std.not_found", ref=ref,
                                                    searched=", ".join(str(d) for d in search_path(extra_dirs))))])


def _is_file(p: Path) -> bool:
    """``Path.is_file`` that answers False for a name the OS refuses (ENAMETOOLONG, ...)."""
    try:
        return p.is_file()
    except (OSError, ValueError):
        return False


ID_RE = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-][a-z0-9_.-]*)+$")


def is_standard_id(ref) -> bool:
    """A standard id: lower-case path segments, no '.'/'..' segments, no slashes at either end."""
    return isinstance(ref, str) and bool(ID_RE.match(ref)) and not ref.endswith((".yaml", ".yml")) and not any(
        part in (".", "..") for part in ref.split("/"))


def root_of(path, std_id: str) -> Path | None:
    """The standards folder a file sits in, if its path ends with its own id (``<root>/<id>.yaml``)."""
    p = Path(path).resolve()
    parts = std_id.split("/") if is_standard_id(std_id) else []
    if not parts or p.suffix not in (".yaml", ".yml"):
        return None
    tail = list(p.with_suffix("").parts[-len(parts):])
    if tail != parts:
        return None
    return p.parents[len(parts) - 1]


def resolve_extends(ref, extra_dirs=(), child_path=None, child_id: str = "", loc: Loc | None = None) -> Path:
    """Resolve the id in ``extends:``: an id only (never a path), looked up inside the standards folders.

    Folders searched: ``--standards-dir`` folders, the folder the child file itself sits in (when its
    path ends with its id), then the user's folders and the bundled standards. A candidate that resolves (symlinks included)
    outside its folder is refused.
    """
    loc = loc or Loc(str(child_path or "<standard>"))
    if not is_standard_id(ref):
        raise StandardError([LocatedError(loc, Msg("std.extends_path"), str(ref))])
    root = root_of(child_path, child_id) if child_path else None
    dirs = [Path(d) for d in extra_dirs if d] + ([root] if root is not None else []) + search_path(())
    for d in dirs:
        cand = d / f"{ref}.yaml"
        try:
            cand.resolve().relative_to(d.resolve())
        except (ValueError, OSError):
            continue
        if _is_file(cand):
            return cand
    raise StandardError([LocatedError(loc, Msg("std.extends_not_found", ref=ref,
                                              searched=", ".join(str(d) for d in dirs)), ref)])


def list_standards(extra_dirs=()) -> list[dict[str, Any]]:
    """Every standard file under the search dirs, with its id, title and version."""
    found: list[dict[str, Any]] = []
    seen: set = set()
    for d in search_path(extra_dirs):
        if not d.is_dir():
            continue
        for f in sorted(d.rglob("*.yaml")):
            rel = f.relative_to(d)
            if f.name in SKIP or "tests" in rel.parts:
                continue
            try:
                data = load_yaml_file(f)
            except StandardError as exc:
                found.append({"id": str(rel.with_suffix("")), "path": str(f), "error": str(exc.errors[0])})
                continue
            if not isinstance(data, dict) or "id" not in data:
                continue
            if data["id"] in seen:
                continue
            seen.add(data["id"])
            found.append({"id": data["id"], "path": str(f), "title": data.get("title", ""),
                          "version": str(data.get("version", "")), "extends": data.get("extends"),
                          "jurisdiction": (data.get("jurisdiction") or {}).get("name", "")})
    return found
