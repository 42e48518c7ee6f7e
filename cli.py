"""The ``junheng`` command, runnable from a checkout as ``python cli.py ...``.

A thin wrapper: the command lives in the package (``junheng.cli.main``). Installed, the console
script ``junheng`` calls the same function. From a checkout without an install, the package source
folder ``engine/`` is put on the path first.
"""
import sys
from pathlib import Path

try:
    from junheng.cli.main import main
except ModuleNotFoundError:  # not installed: use the checkout's package source
    sys.path.insert(0, str(Path(__file__).resolve().parent / "engine"))
    from junheng.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
