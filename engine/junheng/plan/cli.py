"""`junheng plan --standard ID --schools F --counties F [--costs FILE] [--as-of D] [--format …] [--out P]`."""
from __future__ import annotations

import sys
from pathlib import Path

from junheng.evaluation.run import evaluate_files
from junheng.plan.costs import load_costs
from junheng.plan.enrolment import project
from junheng.plan.model import PlanModelError
from junheng.plan.outputs import print_table, write_html, write_json, write_xlsx
from junheng.plan.planner import make_plan

EXAMPLE_COSTS = Path(__file__).with_name("example-costs.yaml")  # 示例: placeholder prices
EXIT_OK, EXIT_DATA, EXIT_ERROR = 0, 1, 2

MSG = {
    "zh": {"need_out": "--format xlsx 需要 --out",
           "no_costs": "未给出 --costs，使用示例成本文件（价格为示意性占位数）：{p}",
           "written": "已写入 {p}", "model": "无法规划 / cannot plan: {e}",
           "no_example": "找不到示例成本文件，请用 --costs 指定"},
    "en": {"need_out": "--format xlsx needs --out",
           "no_costs": "no --costs given: using the example cost file (illustrative placeholder prices): {p}",
           "written": "written {p}", "model": "cannot plan: {e}",
           "no_example": "example cost file not found: give --costs"},
}


def cli(out, err, args, dirs, lang) -> int:
    M = MSG[lang]
    if args.format == "xlsx" and not args.out:
        err.print(M["need_out"])
        return EXIT_ERROR
    costs_path = args.costs
    if not costs_path:
        cand = EXAMPLE_COSTS
        if not cand.exists():
            err.print(M["no_example"])
            return EXIT_ERROR
        costs_path = str(cand)
        err.print(M["no_costs"].format(p=costs_path), highlight=False)
    run = evaluate_files(args.standard, args.schools, args.counties, args.as_of, dirs, lang)
    costs = load_costs(costs_path, run.spaces.schools.columns)
    enrolment = None
    if getattr(args, "enrolment", None) or getattr(args, "enrolment_growth", None) is not None:
        run, enrolment = project(run, growth=args.enrolment_growth, path=args.enrolment)
    try:
        plan = make_plan(run, costs, time_limit=args.time_limit)
    except PlanModelError as exc:
        err.print(M["model"].format(e=exc), highlight=False)
        return EXIT_ERROR
    plan.enrolment = enrolment
    if args.format == "json":
        if args.out:
            write_json(plan, args.out, lang)
        else:
            write_json(plan, sys.stdout, lang)
    elif args.format == "html":
        write_html(plan, args.out or sys.stdout, lang)
    elif args.format == "xlsx":
        write_xlsx(plan, args.out, lang)
    else:
        print_table(plan, out, lang)
    if args.out:
        err.print(M["written"].format(p=args.out), highlight=False)
    return EXIT_OK if not plan.infeasible and plan.verified.get("all_pass") else EXIT_DATA
