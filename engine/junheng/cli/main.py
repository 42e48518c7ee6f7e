"""The ``junheng`` command.

    junheng evaluate --standard ID|PATH --schools FILE [--counties FILE] [--as-of DATE]
                     [--format table|json|csv|parquet|html|xlsx] [--out PATH] [--lang zh|en]
    junheng explain  ... (--school CODE|NAME [--stage 小学|初中|primary|junior] | --county ID) [--all]
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

from junheng.i18n import localize, t
from junheng.reports.formats import OUTPUT_FORMATS

EXIT_OK, EXIT_DATA, EXIT_ERROR, EXIT_OUTPUT = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def _terminate(signum, frame):
    """SIGTERM unwinds like an exception, so a file being written is removed, not left half-written."""
    raise SystemExit(EXIT_TERMINATED)


def _parser(lang: str = "zh") -> argparse.ArgumentParser:
    def h(key):
        return t(lang, key)

    p = argparse.ArgumentParser(prog="junheng", description=h("help.description"))
    p.add_argument("--lang", choices=["zh", "en"], default=None, help=h("help.lang"))
    p.add_argument("--standards-dir", action="append", default=[], help=h("help.standards_dir"))
    sub = p.add_subparsers(dest="command")

    def data_args(sp):
        sp.add_argument("--standard", required=True, help=h("help.standard"))
        sp.add_argument("--schools", required=True, nargs="+", help=h("help.schools"))
        sp.add_argument("--counties", nargs="+", help=h("help.counties"))
        sp.add_argument("--as-of", help=h("help.as_of"))
        # SUPPRESS: a subcommand's flag does not overwrite the same flag given before the subcommand
        sp.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
        sp.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)
        sp.add_argument("--quiet", action="store_true", help=h("help.quiet"))

    e = sub.add_parser("evaluate", help=h("help.evaluate"))
    data_args(e)
    e.add_argument("--format", choices=list(OUTPUT_FORMATS), default="table",
                   help=h("help.format"))
    e.add_argument("--out", help=h("help.out"))
    e.add_argument("--strict", action="store_true", help=h("help.strict"))
    e.add_argument("--problems", metavar="FILE", help=h("help.problems"))

    x = sub.add_parser("explain", help=h("help.explain"))
    data_args(x)
    g = x.add_mutually_exclusive_group(required=True)
    g.add_argument("--school")
    g.add_argument("--county")
    x.add_argument("--stage", help=h("help.stage"))
    x.add_argument("--format", choices=["tree", "json"], default="tree")
    x.add_argument("--all", action="store_true", help=h("help.explain_all"))

    c = sub.add_parser("check", help=h("help.check"))
    c.add_argument("paths", nargs="+")
    c.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    ls = sub.add_parser("list", help=h("help.list"))
    ls.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    ts = sub.add_parser("test", help=h("help.test"))
    ts.add_argument("paths", nargs="*", default=["standards"], help=h("help.test_paths"))
    ts.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)
    ts.add_argument("-v", "--verbose", action="store_true", help=h("help.verbose"))

    tp = sub.add_parser("template", help=h("help.template"))
    tp.add_argument("--standard", required=True, help=h("help.standard_ref"))
    tp.add_argument("--out", required=True, help=h("help.out_xlsx"))
    tp.add_argument("--layout", choices=["table", "form"], default="table", help=h("help.layout"))
    tp.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    sh = sub.add_parser("show", help=h("help.show"))
    sh.add_argument("standard", help=h("help.standard_ref"))
    sh.add_argument("--as-of", help=h("help.show_as_of"))
    sh.add_argument("--format", choices=["table", "json"], default="table")
    sh.add_argument("--only", nargs="+", help=h("help.only"))
    sh.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    sh.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    d = sub.add_parser("diff", help=h("help.diff"))
    d.add_argument("a", help=h("help.diff_a"))
    d.add_argument("b", help=h("help.diff_b"))
    d.add_argument("--as-of", help=h("help.diff_as_of"))
    d.add_argument("--schools", nargs="+", help=h("help.diff_schools"))
    d.add_argument("--counties", nargs="+", help=h("help.diff_counties"))
    d.add_argument("--format", choices=["table", "json"], default="table")
    d.add_argument("--out", help=h("help.out"))
    d.add_argument("--moved", type=float, default=0.0,
                   help="结论未变而数值变化超过此数的判定也列出（默认 0：任何变化）/ list values that moved by "
                        "more than this")
    d.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    d.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    n = sub.add_parser("new", help=h("help.new"))
    n.add_argument("province", help=h("help.province"))
    n.add_argument("--extends", required=True, help=h("help.extends"))
    n.add_argument("--name", help=h("help.name"))
    n.add_argument("--title", help=h("help.title"))
    n.add_argument("--id-name", help=h("help.id_name"))
    n.add_argument("--dir", help=h("help.dir"))
    n.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    from junheng.plan.options import add_parser as add_plan_parser  # light: argparse only

    add_plan_parser(sub, data_args, lang)

    sv = sub.add_parser("serve", help=h("help.serve"))
    from junheng.web.options import add_arguments

    add_arguments(sv, lang)
    sv.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    sv.add_argument("--standards-dir", action="append", default=argparse.SUPPRESS)

    mo = sub.add_parser("monitor", help=h("help.monitor"))
    from junheng.monitor.options import add_arguments as monitor_arguments

    monitor_arguments(mo, lang)
    return p


def _lang_asked(argv) -> str:
    """The --lang given on the command line, read before parsing so that --help is in that language."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return "zh"


def main(argv=None) -> int:
    parser = _parser(_lang_asked(argv))
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
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
        if args.command == "plan":
            from junheng.plan.cli import cli as plan_cli

            return plan_cli(out, err, args, dirs, lang)
        if args.command in ("show", "diff", "new", "template", "serve", "monitor"):
            import importlib

            module = {"show": "junheng.tools.show", "diff": "junheng.tools.diff", "new": "junheng.tools.scaffold",
                      "template": "junheng.tools.template", "serve": "junheng.web.serve",
                      "monitor": "junheng.monitor.cli"}[args.command]
            return importlib.import_module(module).cli(out, err, args, dirs, lang)
    except StandardError as exc:
        err.print(f"[bold red]{t(lang, 'cli.standard_errors', n=len(exc.errors))}[/]")
        for e in exc.errors:
            err.print(e.render(lang), markup=False, highlight=False, soft_wrap=True)
        return EXIT_ERROR
    except InputError as exc:
        err.print(f"[bold red]{t(lang, 'cli.cannot_read')}[/] "
                  f"{localize(exc.args[0], lang) if exc.args else exc}", highlight=False)
        return EXIT_ERROR
    return EXIT_ERROR


def cmd_list(out, dirs, lang) -> int:
    from rich.table import Table

    from junheng.standard.registry import list_standards

    table = Table(title=t(lang, "list.title"))
    for col in ("list.id", "list.std_title", "list.version", "list.extends", "list.jurisdiction", "list.file"):
        table.add_column(t(lang, col))
    for s in list_standards(dirs):
        where = str(Path(s["path"]).resolve())  # the file it is really loaded from
        if "error" in s:
            table.add_row(s["id"], f"[red]{s['error']}[/]", "", "", "", where)
        else:
            table.add_row(s["id"], s["title"], s["version"], s["extends"] or "", s["jurisdiction"], where)
    out.print(table)
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
            out.print(f"[green]✓[/] {f}  " + t(lang, "check.ok_file", id=std.id, params=len(std.parameters),
                                                 rules=len(std.rules)))
        except StandardError as exc:
            all_errors.extend(exc.errors)
    if all_errors:
        err.print(f"[bold red]{t(lang, 'check.errors', n=len(all_errors))}[/]")
        for e in all_errors:
            err.print(e.render(lang), markup=False, highlight=False, soft_wrap=True)
        return EXIT_ERROR
    out.print(f"[green]{t(lang, 'check.all_ok', n=checked)}[/]")
    return EXIT_OK


def _run(args, dirs, lang, steps=None):
    from junheng.evaluation.run import evaluate_files

    if steps is not None and steps.enabled:  # the same pipeline, one progress step per phase
        from junheng.reports.progress import evaluate_with_progress

        return evaluate_with_progress(args.standard, args.schools, args.counties, args.as_of, dirs, lang, steps)
    return evaluate_files(args.standard, args.schools, args.counties, args.as_of, dirs, lang)


def _report_problems(err, run, quiet=False, lang="zh"):
    from junheng.records.validate import report

    return report(err, run.schools, run.counties, quiet, lang)


def cmd_evaluate(out, err, args, dirs, lang) -> int:
    from junheng.reports.files import summary

    if OUTPUT_FORMATS[args.format].needs_out and not args.out:
        err.print(f"[red]{t(lang, 'cli.needs_out', format=args.format)}[/]")
        return EXIT_ERROR
    if args.out:  # a folder or a missing folder: say so now, not after the evaluation
        from junheng.atomic import check_target

        check_target(args.out)
    if getattr(args, "problems", None):  # written beside the output: checked now too
        from junheng.atomic import check_target

        check_target(args.problems)

    if args.strict:  # read and check everything, evaluate nothing when there is a problem
        from junheng.evaluation.run import evaluate_records, load_inputs, prepare, resolve_day
        from junheng.records.validate import report

        day, given = resolve_day(args.as_of)
        std, compiled = prepare(args.standard, dirs, day)
        srs, crs = load_inputs(compiled, args.schools, args.counties)
        problems = report(err, srs, crs, args.quiet, lang)
        if problems:
            err.print(f"[bold red]{t(lang, 'cli.strict', n=len(problems))}[/]")
            return EXIT_DATA
        run = evaluate_records(std, compiled, srs, crs, day, county_file_given=bool(args.counties), lang=lang,
                               as_of_given=given)
    else:
        from junheng.reports.progress import Steps

        with Steps(err, enabled=not args.quiet) as steps:  # progress bar on stderr; --quiet turns it off
            run = _run(args, dirs, lang, steps)
        _report_problems(err, run, args.quiet, lang)
    fmt = OUTPUT_FORMATS[args.format]  # reports/formats.py: writer, whether it needs --out, report or not
    if getattr(args, "problems", None):  # the problem file is written on a thread, beside the output
        from junheng.records.problem_list import write_problems_beside

        write_problems_beside(run.schools.problems + run.counties.problems, args.problems,
                              lambda: _write_output(fmt, run, out, err, args, lang))
    else:
        _write_output(fmt, run, out, err, args, lang)
    if args.out and not args.quiet and fmt.name != "table":
        s = summary(run)
        err.print(t(lang, "cli.written", out=args.out, n=run.verdict_count(), read=s["rows_read"],
                    evaluated=s["rows_evaluated"], rejected=s["rows_rejected"]), highlight=False)
    if not args.quiet:
        from junheng.explain.gaps import form_gaps

        gaps = form_gaps(run, lang)
        if gaps:
            err.print(f"[yellow]{t(lang, 'cli.form_gaps', n=len(gaps))}[/]")
            for g in gaps:
                err.print(f"  {g['text']}", markup=False, highlight=False)
    nothing = run.nothing_to_evaluate()
    if nothing:
        err.print(f"[bold red]{localize(nothing, lang)}[/]", highlight=False)
        return EXIT_DATA
    return EXIT_OK


def _write_output(fmt, run, out, err, args, lang) -> None:
    if fmt.name == "table":
        fmt.write(run, out, lang)
    elif fmt.report:  # suggestions first (counterfactuals), with their own progress steps
        from junheng.reports.progress import Steps, counterfactuals_with_progress

        with Steps(err, enabled=not args.quiet) as steps:
            counterfactuals_with_progress(run, steps, lang)
            _write(fmt.write, run, args.out or sys.stdout, lang, steps)
    else:
        _write(fmt.write, run, args.out or sys.stdout, lang)


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
        render(tree, out, lang, full=args.all)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
