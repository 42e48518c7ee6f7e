"""Where the bundled standards and schemas live (source tree or installed package)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _package_dir(package: str, fallback: str) -> Path:
    local = _ROOT / fallback
    if local.is_dir():
        return local
    try:
        from importlib import resources

        return Path(str(resources.files(package)))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover
        return local


@lru_cache(maxsize=None)
def standards_dir() -> Path:
    return _package_dir("junheng_standards", "standards")


@lru_cache(maxsize=None)
def schemas_dir() -> Path:
    return _package_dir("junheng_schemas", "schemas")
