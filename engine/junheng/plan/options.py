"""The `junheng plan` command line (argparse only, so `junheng --help` loads no solver)."""
from __future__ import annotations

from junheng.i18n import t


def add_parser(sub, data_args, lang: str = "zh"):
    p = sub.add_parser("plan", help=t(lang, "help.plan"))
    data_args(p)
    p.add_argument("--costs", help=t(lang, "help.plan_costs"))
    p.add_argument("--format", choices=["table", "json", "html", "xlsx"], default="table")
    p.add_argument("--out", help=t(lang, "help.plan_out"))
    p.add_argument("--time-limit", type=float, default=120.0, help=t(lang, "help.plan_time_limit"))
    g = p.add_mutually_exclusive_group()
    g.add_argument("--enrolment", help=t(lang, "help.plan_enrolment"))
    g.add_argument("--enrolment-growth", type=float, help=t(lang, "help.plan_enrolment_growth"))
    return p
