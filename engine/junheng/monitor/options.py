"""The options of ``junheng monitor`` (argparse only: ``junheng --help`` loads no data library)."""
from __future__ import annotations

import argparse

from junheng.i18n import t


def add_arguments(sp, lang: str = "zh") -> None:
    sp.add_argument("--standard", required=True, help=t(lang, "help.standard"))
    sp.add_argument("--schools", required=True, nargs="+", help=t(lang, "help.monitor_schools"))
    sp.add_argument("--counties", nargs="+", help=t(lang, "help.monitor_counties"))
    sp.add_argument("--horizon", type=int, default=3, help=t(lang, "help.monitor_horizon"))
    sp.add_argument("--warn-within", type=int, default=2, help=t(lang, "help.monitor_warn_within"))
    sp.add_argument("--near", type=float, default=5.0, help=t(lang, "help.monitor_near"))
    sp.add_argument("--day", default="09-01", help=t(lang, "help.monitor_day"))
    sp.add_argument("--variant", help=t(lang, "help.monitor_variant"))
    sp.add_argument("--format", choices=["table", "json", "html", "xlsx"], default="table")
    sp.add_argument("--out", help=t(lang, "help.plan_out"))
    sp.add_argument("--detail", action="store_true", help=t(lang, "help.monitor_detail"))
    sp.add_argument("--quiet", action="store_true", help=t(lang, "help.quiet"))
    sp.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    sp.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)
