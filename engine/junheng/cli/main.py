"""The ``junheng`` command.

    junheng evaluate --standard ID|PATH --schools FILE [--counties FILE] [--as-of DATE]
                     [--format table|json|csv|parquet|html|xlsx] [--out PATH] [--lang zh|en]
    junheng explain  ... (--school ID [--stage primary|junior] | --county ID)
    junheng check    PATH...
    junheng list
    junheng show     ID [--as-of DATE] [--format table|json]
    junheng diff     A[@DATE] B[@DATE] [--as-of DATE] [--schools F --counties F] [--format table|json]
    junheng new      PROVINCE --extends ID [--name 名称] [--dir STANDARDS_FOLDER]
    junheng serve    [--host 127.0.0.1] [--port 8765] [--token T] [--save-dir DIR]
    junheng monitor  --standard ID --schools 2022=F 2023=F ... [--counties ...] [--variant ID]
                     [--format table|json|html|xlsx] [--out PATH]

Exit codes (README.md, "Exit codes"): 0 done; 1 problems in the data with --strict, nothing to
evaluate (no school row could be evaluated: the outputs are still written), or (``test``) a failed
expectation; 2 a mistake in a standard file, a file that cannot be read, or a usage error;
3 an output file cannot be written (full disk, missing folder, a folder, no permission); 130
interrupted (Ctrl+C); 143 terminated (SIGTERM). Output files are written atomically
(junheng/atomic.py): on any of these the previous file under that name is intact. Heavy modules are
imported lazily so --help is fast.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_DATA, EXIT_ERROR, EXIT_OUTPUT = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def _terminate(signum, frame):
    """SIGTERM unwinds like an exception, so a file being written is removed, not left half-written."""
    raise SystemExit(EXIT_TERMINATED)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="junheng", description="县域义务教育均衡发展督导评估规则引擎 / county balanced "
                                                            "compulsory-education evaluation engine")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="输出语言 / output language (default zh)")
    p.add_argument("--standards-dir", action="append", default=[], help="额外的标准目录 / extra folder of standards")
    sub = p.add_subparsers(dest="command")

    def data_args(sp):
        sp.add_argument("--standard", required=True, help="标准编号或文件路径，如 national/quality-2017")
        sp.add_argument("--schools", required=True, nargs="+", help="学校数据文件（CSV/XLSX/JSON）")
        sp.add_argument("--counties", nargs="+", help="区县数据文件")
        sp.add_argument("--as-of", help="评估日期 YYYY-MM-DD（决定哪些阈值生效）")
        # SUPPRESS: a subcommand's flag does not overwrite the same flag given before the subcommand
        sp.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
        sp.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)
        sp.add_argument("--quiet", action="store_true", help="不显示进度与数据问题摘要")

    e = sub.add_parser("evaluate", help="评估学校与区县 / evaluate")
    data_args(e)
    e.add_argument("--format", choices=["table", "json", "csv", "parquet", "html", "xlsx"], default="table",
                   help="html：单文件报告（图表、学校表、解释、来源）；xlsx：Excel 报告（需 --out）；"
                        "parquet：判定表（列同 csv，需 --out，全国规模推荐）")
    e.add_argument("--out", help="输出文件（默认标准输出）")
    e.add_argument("--strict", action="store_true", help="数据有任何问题即以退出码 1 结束，不评估")
    e.add_argument("--problems", metavar="FILE", help="全部数据问题写入此文件（CSV，或 .json）/ every data problem "
                   "to FILE (CSV, or JSON when it ends in .json)")

    x = sub.add_parser("explain", help="解释一所学校或一个区县的判定过程 / explain a verdict")
    data_args(x)
    g = x.add_mutually_exclusive_group(required=True)
    g.add_argument("--school")
    g.add_argument("--county")
    x.add_argument("--stage", choices=["primary", "junior"])
    x.add_argument("--format", choices=["tree", "json"], default="tree")

    c = sub.add_parser("check", help="检查标准文件 / check standard files")
    c.add_argument("paths", nargs="+")
    c.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    ls = sub.add_parser("list", help="列出可用标准 / list standards")
    ls.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    ts = sub.add_parser("test", help="运行标准旁的 YAML 测试用例 / run the YAML tests of standards")
    ts.add_argument("paths", nargs="*", default=["standards"], help="测试文件或目录（默认 standards）")
    ts.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)
    ts.add_argument("-v", "--verbose", action="store_true", help="也列出通过的检查")

    tp = sub.add_parser("template", help="生成某个标准的数据采集表（xlsx）/ data-collection workbook for a standard")
    tp.add_argument("--standard", required=True, help="标准编号或文件路径")
    tp.add_argument("--out", required=True, help="输出文件 .xlsx")
    tp.add_argument("--layout", choices=["table", "form"], default="table",
                    help="table：每行一所学校（默认）；form：每个工作表一所学校的纵向填报表（填报项目/填报值），另写一份区县填报表")
    tp.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    sh = sub.add_parser("show", help="显示合并后的标准：每个参数和规则的取值、出处、生效期、设定位置 / resolved standard")
    sh.add_argument("standard", help="标准编号或文件路径")
    sh.add_argument("--as-of", help="日期 YYYY-MM-DD：显示该日生效的取值")
    sh.add_argument("--format", choices=["table", "json"], default="table")
    sh.add_argument("--only", nargs="+", help="只显示这些编号（可用 * 通配），如 G14 'G14*'")
    sh.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    sh.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    d = sub.add_parser("diff", help="比较两个标准或同一标准的两个日期 / semantic diff of two standards or dates")
    d.add_argument("a", help="标准 A：编号，或 编号@日期（如 national/quality-2017@2020-09-01）")
    d.add_argument("b", help="标准 B：编号，或 编号@日期")
    d.add_argument("--as-of", help="未写 @日期 的一方所用的日期")
    d.add_argument("--schools", nargs="+", help="学校数据：给出时同时比较判定结果")
    d.add_argument("--counties", nargs="+", help="区县数据")
    d.add_argument("--format", choices=["table", "json"], default="table")
    d.add_argument("--out", help="输出文件（默认标准输出）")
    d.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    d.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    n = sub.add_parser("new", help="为一个省（市）新建继承标准的目录 / scaffold a provincial standard")
    n.add_argument("province", help="目录名（小写拼音），如 jilin")
    n.add_argument("--extends", required=True, help="上级标准编号，如 national/quality-2017")
    n.add_argument("--name", help="辖区名称，如 吉林省")
    n.add_argument("--title", help="标准标题")
    n.add_argument("--id-name", help="文件名（默认与上级相同，如 quality-2017）")
    n.add_argument("--dir", help="标准目录（默认为 junheng 自带的 standards/）")
    n.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    sv = sub.add_parser("serve", help="启动本地网页工作台：上传数据、查看判定、试算阈值 / local web workbench")
    from junheng.web.options import add_arguments

    add_arguments(sv)
    sv.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    sv.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    mo = sub.add_parser("monitor", help="多年监测与预警：趋势、预测、申请资格、区县排名 / several years: monitoring, "
                                        "early warning, eligibility, ranking")
    from junheng.monitor.options import add_arguments as monitor_arguments

    monitor_arguments(mo)
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if not args.command:
        _parser().print_help()
        return EXIT_ERROR
    from rich.console import Console

    from junheng.errors import OutputError

    width = None if sys.stdout.isatty() else 1000  # piped: never crop a line of a tree
    # emoji=False: rich would turn "file.yaml:100:5" into "file.yaml💯5" (the :100: shortcode)
    out = Console(soft_wrap=True, width=width, emoji=False)
    err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 1000, emoji=False)
    lang = getattr(args, "lang", None) or "zh"
    dirs = list(getattr(args, "standards_dir", []) or [])
    import signal

    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (tests): no handler, nothing to restore
        previous = None
    try:
        return _dispatch(args, out, err, dirs, lang)
    except OutputError as exc:
        err.print(exc.message(lang), style="bold red", markup=False, highlight=False)
        return EXIT_OUTPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args, out, err, dirs, lang) -> int:
    from junheng.errors import InputError, StandardError

    try:
        if args.command == "list":
            return cmd_list(out, dirs, lang)
        if args.command == "check":
            return cmd_check(out, err, args.paths, dirs, lang)
        if args.command == "evaluate":
            return cmd_evaluate(out, err, args, dirs, lang)
        if args.command == "explain":
            return cmd_explain(out, err, args, dirs, lang)
        if args.command == "test":
            from junheng.tools.stdtest import cli as test_cli

            return test_cli(out, err, args, dirs, lang)
        if args.command in ("show", "diff", "new", "template", "serve", "monitor"):
            import importlib

            module = {"show": "junheng.tools.show", "diff": "junheng.tools.diff", "new": "junheng.tools.scaffold",
                      "template": "junheng.tools.template", "serve": "junheng.web.serve",
                      "monitor": "junheng.monitor.cli"}[args.command]
            return importlib.import_module(module).cli(out, err, args, dirs, lang)
    except StandardError as exc:
        err.print(f"[bold red]标准文件有 {len(exc.errors)} 处错误 / {len(exc.errors)} error(s) in standard files:[/]")
        for e in exc.errors:
            err.print(str(e), markup=False, highlight=False)
        return EXIT_ERROR
    except InputError as exc:
        err.print(f"[bold red]无法读取输入 / cannot read input:[/] {exc}", highlight=False)
        return EXIT_ERROR
    return EXIT_ERROR


def cmd_list(out, dirs, lang) -> int:
    from rich.table import Table

    from junheng.standard.registry import list_standards

    t = Table(title="可用标准 / standards")
    for col in ("id", "标题 title", "版本 version", "继承 extends", "辖区 jurisdiction", "文件 file"):
        t.add_column(col)
    for s in list_standards(dirs):
        where = str(Path(s["path"]).resolve())  # the file it is really loaded from
        if "error" in s:
            t.add_row(s["id"], f"[red]{s['error']}[/]", "", "", "", where)
        else:
            t.add_row(s["id"], s["title"], s["version"], s["extends"] or "", s["jurisdiction"], where)
    out.print(t)
    return EXIT_OK


def cmd_check(out, err, paths, dirs, lang) -> int:
    from pathlib import Path

    from junheng.standard.catalogue import load_catalogue
    from junheng.standard.checker import compile_standard
    from junheng.errors import StandardError
    from junheng.standard.loader import load_standard

    files = []
    for p in paths:
        pp = Path(p)
        if pp.is_dir():
            files += [f for f in sorted(pp.rglob("*.yaml"))
                      if f.name != "fields.yaml" and "tests" not in f.relative_to(pp).parts]
        else:
            files.append(pp if pp.exists() else p)
    all_errors, checked = [], 0
    for f in files:
        try:
            std = load_standard(str(f), dirs, collect=True)
            compile_standard(std, load_catalogue())
            checked += 1
            out.print(f"[green]✓[/] {f}  ({std.id}: {len(std.parameters)} 个参数, {len(std.rules)} 条规则)")
        except StandardError as exc:
            all_errors.extend(exc.errors)
    if all_errors:
        err.print(f"[bold red]发现 {len(all_errors)} 处错误 / {len(all_errors)} error(s):[/]")
        for e in all_errors:
            err.print(str(e), markup=False, highlight=False)
        return EXIT_ERROR
    out.print(f"[green]全部 {checked} 个标准文件通过检查 / all {checked} standard file(s) OK[/]")
    return EXIT_OK


def _run(args, dirs, lang, steps=None):
    from junheng.evaluation.run import evaluate_files

    if steps is not None and steps.enabled:  # the same pipeline, one progress step per phase
        from junheng.reports.progress import evaluate_with_progress

        return evaluate_with_progress(args.standard, args.schools, args.counties, args.as_of, dirs, lang, steps)
    return evaluate_files(args.standard, args.schools, args.counties, args.as_of, dirs, lang)


def _report_problems(err, run, quiet=False):
    from junheng.records.validate import report

    return report(err, run.schools, run.counties, quiet)


def cmd_evaluate(out, err, args, dirs, lang) -> int:
    from junheng.reports.files import summary, write_csv, write_json

    if args.out:  # a folder or a missing folder: say so now, not after the evaluation
        from junheng.atomic import check_target

        check_target(args.out)

    if args.strict:  # read and check everything, evaluate nothing when there is a problem
        from junheng.evaluation.run import evaluate_records, load_inputs, prepare, resolve_day
        from junheng.records.validate import report

        day, given = resolve_day(args.as_of)
        std, compiled = prepare(args.standard, dirs, day)
        srs, crs = load_inputs(compiled, args.schools, args.counties)
        problems = report(err, srs, crs, args.quiet)
        if problems:
            err.print(f"[bold red]--strict：数据有 {len(problems)} 处问题，未评估 / data problems, not evaluated[/]")
            return EXIT_DATA
        run = evaluate_records(std, compiled, srs, crs, day, county_file_given=bool(args.counties), lang=lang,
                               as_of_given=given)
    else:
        from junheng.reports.progress import Steps

        with Steps(err, enabled=not args.quiet) as steps:  # progress bar on stderr; --quiet turns it off
            run = _run(args, dirs, lang, steps)
        _report_problems(err, run, args.quiet)
    if getattr(args, "problems", None):
        from junheng.records.problem_list import write_problems

        write_problems(run.schools.problems + run.counties.problems, args.problems)
    target = args.out or sys.stdout
    if args.format in ("html", "xlsx"):
        from junheng.reports.progress import Steps, counterfactuals_with_progress

        if args.format == "xlsx" and not args.out:
            err.print("[red]--format xlsx 需要 --out 文件名 / --format xlsx needs --out[/]")
            return EXIT_ERROR
        with Steps(err, enabled=not args.quiet) as steps:
            counterfactuals_with_progress(run, steps, lang)
            if args.format == "html":
                from junheng.reports.html_report import write_html

                _write(write_html, run, target, lang, progress=steps)
            else:
                from junheng.reports.xlsx_report import write_xlsx

                write_xlsx(run, args.out, lang, progress=steps)
    elif args.format == "json":
        _write(write_json, run, target)
    elif args.format == "csv":
        _write(write_csv, run, target)
    elif args.format == "parquet":
        if not args.out:
            err.print("[red]--format parquet 需要 --out 文件名 / --format parquet needs --out[/]")
            return EXIT_ERROR
        from junheng.reports.files import write_parquet

        write_parquet(run, args.out)
    else:
        from junheng.reports.terminal import print_summary

        print_summary(out, run, lang)
    if args.out and not args.quiet:
        s = summary(run)
        err.print(f"已写入 {args.out}：{run.verdict_count()} 条判定；读入 {s['rows_read']} 行，评估 {s['rows_evaluated']} 行，"
                  f"拒绝 {s['rows_rejected']} 行", highlight=False)
    if not args.quiet:
        from junheng.explain.gaps import form_gaps

        gaps = form_gaps(run, lang)
        if gaps:
            err.print(f"[yellow]文件缺少的数据项 / form gaps（{len(gaps)}）:[/]")
            for g in gaps:
                err.print(f"  {g['text']}", markup=False, highlight=False)
    nothing = run.nothing_to_evaluate()
    if nothing:
        err.print(f"[bold red]{nothing}[/]", highlight=False)
        return EXIT_DATA
    return EXIT_OK


def _write(writer, run, target, *a, **k) -> None:
    """A writer to a file (atomic, junheng/atomic.py) or to standard output; a full disk or a closed
    pipe on standard output is an output error too (exit 3), not a traceback."""
    if target is not sys.stdout:
        return writer(run, target, *a, **k)
    try:
        writer(run, target, *a, **k)
        sys.stdout.flush()
    except OSError as exc:
        import os

        from junheng.errors import OutputError

        try:  # what is still buffered goes nowhere: no second error when Python exits
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise OutputError("<stdout>", exc.errno, exc.strerror) from None


def cmd_explain(out, err, args, dirs, lang) -> int:
    import json

    from junheng.explain.derivation import NotFound, explain_county, explain_school, render

    run = _run(args, dirs, lang)
    try:
        tree = explain_school(run, args.school, args.stage, lang) if args.school else \
            explain_county(run, args.county, lang)
    except NotFound as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        return EXIT_ERROR
    if args.format == "json":
        out.print_json(json.dumps(tree, ensure_ascii=False, default=str))
    else:
        render(tree, out, lang)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
