"""The options of ``junheng serve`` (kept apart from the server so that ``junheng --help`` loads no
web framework)."""
from __future__ import annotations

from junheng.i18n import t

TOKEN_ENV = "JUNHENG_TOKEN"


def add_arguments(sp, lang: str = "zh") -> None:
    sp.add_argument("--host", default="127.0.0.1", help=t(lang, "help.host"))
    sp.add_argument("--port", type=int, default=8765, help=t(lang, "help.port"))
    sp.add_argument("--token", help=t(lang, "help.token", env=TOKEN_ENV))
    sp.add_argument("--save-dir", help=t(lang, "help.save_dir"))
    sp.add_argument("--max-upload-mb", type=float, default=50, help=t(lang, "help.max_upload_mb"))
    sp.add_argument("--max-files", type=int, default=200, help=t(lang, "help.max_files"))
