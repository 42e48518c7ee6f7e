"""``junheng monitor``: run the years, print or write the views."""
from __future__ import annotations

import datetime as dt
import os
import sys
import time

from rich.markup import escape

from junheng.i18n import t
from junheng.monitor.render import print_table, write_html, write_json, write_xlsx
from junheng.monitor.series import Options, document, run_monitor
from junheng.records.validate import report

EXIT_OK, EXIT_ERROR = 0, 2


def cli(out, err, args, dirs, lang) -> int:
    if args.format == "xlsx" and not args.out:
        err.print(f"[red]{t(lang, 'monitor.xlsx_needs_out')}[/]", highlight=False)
        return EXIT_ERROR
    if args.horizon < 1 or args.warn_within < 1 or not 0 <= args.near < 100:
        err.print(f"[red]{t(lang, 'monitor.bad_numbers')}[/]", highlight=False)
        return EXIT_ERROR
    try:
        m, d = (int(x) for x in args.day.split("-"))
        dt.date(2000, m, d)
    except ValueError:
        err.print(f"[red]{escape(t(lang, 'monitor.bad_day', day=args.day))}[/]", highlight=False)
        return EXIT_ERROR
    opts = Options(horizon=args.horizon, warn_within=args.warn_within, near=args.near / 100, day=args.day,
                   variant=args.variant, lang=lang, keep_last_verdicts=False)

    def progress(year):
        if not args.quiet:
            err.print(t(lang, "monitor.evaluated", year=year), highlight=False)

    mon = run_monitor(args.standard, args.schools, args.counties, dirs, opts, progress)
    for y in mon.years:
        srs, crs = mon.records[y]
        if not args.quiet and (srs.problems or crs.problems):
            err.print(f"[bold]{t(lang, 'monitor.year_problems', year=y)}[/]", highlight=False)
            report(err, srs, crs, args.quiet, lang)
    t0 = time.perf_counter()
    doc = document(mon, detail=args.detail, json_text=args.format == "json", columns=args.format != "json")
    mon.timings["document"] = round(time.perf_counter() - t0, 3)
    target = args.out or sys.stdout
    if args.format == "json":
        write_json(doc, target)
    elif args.format == "html":
        write_html(doc, target, lang)
    elif args.format == "xlsx":
        write_xlsx(doc, args.out, lang)
    else:
        print_table(doc, out, lang)
    mon.timings["write"] = round(time.perf_counter() - t0 - mon.timings["document"], 3)
    if os.environ.get("JUNHENG_MONITOR_TIMINGS"):  # benchmarks: seconds per phase
        err.print(f"timings {mon.timings}", highlight=False, markup=False)
    if args.out and not args.quiet:
        err.print(t(lang, "monitor.written", path=args.out, warnings=len(doc["warnings"]),
                    counties=len(doc["ranking"])), highlight=False, markup=False)
    return EXIT_OK
