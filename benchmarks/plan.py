"""Benchmark of `junheng plan` (issue 15): one synthetic county of N schools (examples/generate.py,
seed 1), the example cost file, national/quality-2017. Prints model / solve / verify seconds, the
cost, the proven lower bound, the gap and whether the re-evaluation passes.

    python benchmarks/plan.py --schools 300 [--counties 1] [--seed 1]
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from examples.generate import generate  # noqa: E402
from junheng.evaluation.run import evaluate_frames  # noqa: E402
from junheng.plan.cli import EXAMPLE_COSTS  # noqa: E402
from junheng.plan.costs import load_costs  # noqa: E402
from junheng.plan.planner import make_plan  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=300)
    ap.add_argument("--counties", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--costs", default=str(EXAMPLE_COSTS))
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--spread", type=float, default=1.0,
                    help="multiply the multimedia rooms of every 10th school by this factor (makes the R7 CV bind)")
    a = ap.parse_args(argv)
    schools, counties = generate(a.counties, a.schools, seed=a.seed)
    if a.spread != 1.0:
        rooms = pd.to_numeric(schools["multimedia_rooms"], errors="coerce")
        every10 = np.arange(len(schools)) % 10 == 0
        schools["multimedia_rooms"] = np.where(every10, np.round(rooms * a.spread), rooms)
    t0 = time.perf_counter()
    run = evaluate_frames("national/quality-2017", schools, counties, as_of="2024-09-01")
    t1 = time.perf_counter()
    costs = load_costs(a.costs, run.spaces.schools.columns)
    plan = make_plan(run, costs, time_limit=a.time_limit)
    t2 = time.perf_counter()
    v = run.verdicts
    fail_before = int(((v.rule_id == plan.structure.school_rule) & (v.outcome == "fail")).sum())
    cv_fail = v[v.rule_id.str.endswith("_cv") & (v.outcome == "fail")]["rule_id"].tolist()
    print(f"schools {len(run.spaces.schools)}  stage units {run.spaces.sizes['stage']}  counties {a.counties}")
    print(f"R_school failing before: {fail_before}; CV rules failing before: {cv_fail}")
    print(f"evaluate {t1 - t0:.2f} s; plan {t2 - t1:.2f} s (model {plan.seconds['model']:.2f}, "
          f"solve {plan.seconds['solve']:.2f}, verify {plan.seconds['verify']:.2f})")
    print(f"cost {plan.total_cost:,.0f}  lower bound {plan.lower_bound:,.0f}  gap {plan.gap}  "
          f"items {len(plan.items)}  infeasible {len(plan.infeasible)}")
    print("counties:", [(c["county_id"], c["status"], c["rounds"], c["cuts"], c["seconds"]) for c in plan.counties])
    print(f"verified all pass: {plan.verified['all_pass']} (failing {plan.verified['failing']}, "
          f"not evaluable {plan.verified['not_evaluable']})")
    for g in plan.verified.get("government", []):
        print(f"  {g['rule']} ({g['kind']}, {g['space']}): rows {g['planned_rows']}, failing "
              f"{g['fail_before']} → {g['fail_after']}, not reachable {g['not_reached']}")
    print("government rules not planned:", plan.verified.get("government_not_planned"))
    print("regressions:", plan.verified.get("regressions"))
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
