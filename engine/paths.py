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
    """How a file is named in messages and outputs: a bundled standard as ``standards/<id>.yaml``
    (not a machine-specific install path); any other file exactly as it was given."""
    try:
        rel = Path(path).resolve().relative_to(standards_dir().resolve())
    except ValueError:
        return str(path)
    return str(Path("standards") / rel)
