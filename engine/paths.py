"""Where the bundled standards and schemas live (source tree or installed package)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _package_dir(package: str, fallback: str) -> Path:
    local = _ROOT / fallback
    if local.is_dir():
        return local
    import importlib.util

    spec = importlib.util.find_spec(package)  # installed: a data-only (namespace) package
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return local  # pragma: no cover


@lru_cache(maxsize=None)
def standards_dir() -> Path:
    return _package_dir("junheng_standards", "standards")


@lru_cache(maxsize=None)
def schemas_dir() -> Path:
    return _package_dir("junheng_schemas", "schemas")


def display_path(path) -> str:
    """How a file is named in messages and outputs: relative to the working folder, or as
    ``standards/<id>.yaml`` for a bundled standard; never a machine-specific absolute path
    when a shorter true name exists."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    try:
        return str(Path("standards") / p.relative_to(standards_dir().resolve()))
    except ValueError:
        return str(path)
