"""The version of junheng (pyproject.toml reads it from here)."""
__version__ = "0.1.0"
