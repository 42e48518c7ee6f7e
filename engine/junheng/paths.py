"""Where standards and schemas live.

* Bundled: the ``standards/`` and ``schemas/`` folders of the repository ship inside the package as
  ``junheng/standards`` and ``junheng/schemas`` and are found with :mod:`importlib.resources` (in an
  editable install, through the install's own mapping to the checkout folders).
* The user's own standards (``junheng new``, the workbench's save) live in a user folder, never in
  the installed package: the first ``--standards-dir``, else ``$JUNHENG_STANDARDS_DIR``, else
  ``./junheng-standards``. Standards are looked up in the ``--standards-dir`` folders, then the
  folders of ``$JUNHENG_STANDARDS_DIR`` (``os.pathsep``-separated), then ``./junheng-standards``
  when it exists, then the bundled ones.
"""
from __future__ import annotations

import importlib.resources
import importlib.util
import os
from functools import lru_cache
from pathlib import Path

ENV_STANDARDS_DIR = "JUNHENG_STANDARDS_DIR"
DEFAULT_USER_DIR = "junheng-standards"


def _resource_dir(package: str, folder: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is not None:  # installed (wheel or editable): the package's own data folder
        res = importlib.resources.files(package)
        if isinstance(res, Path):
            return res
        # a data folder without __init__.py is a namespace package: its (first) location
        locations = list(spec.submodule_search_locations or [])
        return Path(locations[0]) if locations else Path(str(res))
    # running from a checkout without installing (python cli.py): engine/junheng/../../<folder>
    return Path(__file__).resolve().parents[2] / folder  # pragma: no cover


@lru_cache(maxsize=None)
def standards_dir() -> Path:
    """The bundled standards folder."""
    return _resource_dir("junheng.standards", "standards")


@lru_cache(maxsize=None)
def schemas_dir() -> Path:
    """The bundled JSON Schemas folder."""
    return _resource_dir("junheng.schemas", "schemas")


def env_dirs() -> list[Path]:
    return [Path(d) for d in os.environ.get(ENV_STANDARDS_DIR, "").split(os.pathsep) if d.strip()]


def user_dirs(extra=()) -> list[Path]:
    """The user's standards folders, in search order (bundled standards not included)."""
    dirs = [Path(d) for d in extra if d] + env_dirs()
    default = Path(DEFAULT_USER_DIR)
    if default.is_dir() and default.resolve() not in {d.resolve() for d in dirs}:
        dirs.append(default)
    return dirs


def user_save_dir(extra=()) -> Path:
    """Where new standards are written: the first ``--standards-dir``, else the environment
    variable's first folder, else ``./junheng-standards``."""
    dirs = [Path(d) for d in extra if d] + env_dirs()
    return dirs[0] if dirs else Path(DEFAULT_USER_DIR)


def display_path(path) -> str:
    """How a file is named in verdict provenance: a bundled standard as ``standards/<id>.yaml``
    (not a machine-specific install path); any other file exactly as it was given."""
    try:
        rel = Path(path).resolve().relative_to(standards_dir().resolve())
    except ValueError:
        return str(path)
    return str(Path("standards") / rel)
