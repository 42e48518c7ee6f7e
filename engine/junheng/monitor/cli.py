"""``junheng monitor``: run the years, print or write the views."""
from __future__ import annotations

import datetime as dt
import sys

from junheng.monitor.render import print_table, write_html, write_json, write_xlsx
from junheng.monitor.series import Options, document, run_monitor
from junheng.records.validate import report

EXIT_OK, EXIT_ERROR = 0, 2


def cli(out, err, args, dirs, lang) -> int:
    if args.format == "xlsx" and not args.out:
        err.print("[red]--format xlsx 需要 --out 文件名 / --format xlsx needs --out[/]")
        return EXIT_ERROR
    if args.horizon < 1 or args.warn_within < 1 or not 0 <= args.near < 100:
        err.print("[red]--horizon、--warn-within 应 ≥ 1，--near 在 0–100 之间 / "
                  "bad --horizon, --warn-within or --near[/]")
        return EXIT_ERROR
    try:
        m, d = (int(x) for x in args.day.split("-"))
        dt.date(2000, m, d)
    except ValueError:
        err.print(f"[red]--day 应为 MM-DD：{args.day} / --day must be MM-DD[/]", highlight=False)
        return EXIT_ERROR
    opts = Options(horizon=args.horizon, warn_within=args.warn_within, near=args.near / 100, day=args.day,
                   variant=args.variant, lang=lang)

    def progress(year):
        if not args.quiet:
            err.print(f"已评估 {year} 年 / evaluated {year}", highlight=False)

    mon = run_monitor(args.standard, args.schools, args.counties, dirs, opts, progress)
    for y in mon.years:
        srs, crs = mon.records[y]
        if not args.quiet and (srs.problems or crs.problems):
            err.print(f"[bold]{y} 年数据问题 / data problems of {y}:[/]", highlight=False)
            report(err, srs, crs, args.quiet)
    doc = document(mon, detail=args.detail, json_text=args.format == "json")
    target = args.out or sys.stdout
    if args.format == "json":
        write_json(doc, target)
    elif args.format == "html":
        write_html(doc, target, lang)
    elif args.format == "xlsx":
        write_xlsx(doc, args.out, lang)
    else:
        print_table(doc, out, lang)
    if args.out and not args.quiet:
        err.print(f"已写入 {args.out}：{len(doc['warnings'])} 条预警，{len(doc['ranking'])} 个区县 / written",
                  highlight=False)
    return EXIT_OK
