#!/usr/bin/env python3
"""junheng benchmark (project issue 7): per-stage timings on SYNTHETIC data from examples/generate.py.

  python benchmarks/run.py --scale county|province|nation [--scenario complete|partial|messy] [--repeat N]
                           [--zen-sample 20000]

Scenarios (issue 18, examples/generate.py --scenario): complete and clean; partial (resource fields only);
messy (a cross-field problem per school, 5 % invalid numeric cells). The end-to-end floor
(benchmarks/floor_e2e.py: CSV in -> verdict CSV out with pandas/numpy/arrow) runs on the same file in its
own process, beside the engine's end-to-end run.

Stages: standard load + static check (cold), input read (CSV -> typed frames), validation,
evaluation (stage units + every rule of the standard, from the in-memory frames), verdict
assembly (columns and reasons; then the pandas frame, built on first use), output write (CSV;
Parquet), explain of one school (first call and later calls), `junheng --help`.
Comparisons on the same data and the same 2017 resource-area rules, checked EQUAL first:
benchmarks/floor.py (hand-written numpy) and benchmarks/zen_rules.py (zen-engine, record by
record on a sample, extrapolated); the engine is timed on the whole standard and, like for like,
on a standard with only those rules (benchmarks/resource_standard.py). Each timing is the minimum
over --repeat runs (wall clock; CPU time of the process alongside, since the machine may be shared).
End to end: `cli.py evaluate` on the generated CSV files in a separate process (CSV and Parquet
out), wall time, CPU time and peak memory (VmHWM) of that process alone.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SEED = 1
AS_OF = dt.date(2024, 9, 1)
STANDARD = "national/quality-2017"


def timed(fn, repeat, results, name):
    best_w = best_c = float("inf")
    out = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        best_w, best_c = min(best_w, time.perf_counter() - w), min(best_c, time.process_time() - c)
    results[name] = (best_w, best_c)
    return out


E2E_WRAPPER = """
import resource, runpy, sys, time, json
cli = sys.argv[1]
sys.argv = sys.argv[1:]
try:
    runpy.run_path(cli, run_name="__main__")
except SystemExit as exc:
    code = exc.code
r = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent (the benchmark process)
hwm = next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM"))
print("E2E " + json.dumps({"cpu": r.ru_utime + r.ru_stime, "maxrss_kib": hwm}), file=sys.stderr)
"""


def end_to_end(paths, out_file, fmt) -> dict:
    """cli.py evaluate in its own process: wall (interpreter start included), CPU and peak RSS of it."""
    cmd = [sys.executable, "-c", E2E_WRAPPER, str(ROOT / "cli.py"), "evaluate", "--standard", STANDARD,
           "--schools", str(paths[0]), "--counties", str(paths[1]), "--as-of", AS_OF.isoformat(),
           "--format", fmt, "--out", str(out_file), "--quiet"]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
    wall = time.perf_counter() - t
    line = next((ln for ln in p.stderr.splitlines() if ln.startswith("E2E ")), None)
    if p.returncode != 0 or line is None:
        raise SystemExit(f"end-to-end run failed ({p.returncode}): {p.stderr[-2000:]}")
    info = json.loads(line[4:])
    return {"wall": wall, "cpu": info["cpu"], "peak_gib": info["maxrss_kib"] / 2**20,
            "size_mb": out_file.stat().st_size / 1e6}


def floor_end_to_end(paths, out_file) -> dict:
    """benchmarks/floor_e2e.py in its own process, measured like end_to_end."""
    cmd = [sys.executable, "-c", E2E_WRAPPER, str(ROOT / "benchmarks" / "floor_e2e.py"), str(paths[0]), str(out_file)]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
    wall = time.perf_counter() - t
    line = next((ln for ln in p.stderr.splitlines() if ln.startswith("E2E ")), None)
    if p.returncode != 0 or line is None:
        raise SystemExit(f"floor end-to-end run failed ({p.returncode}): {p.stderr[-2000:]}")
    info = json.loads(line[4:])
    return {"wall": wall, "cpu": info["cpu"], "peak_gib": info["maxrss_kib"] / 2**20,
            "size_mb": out_file.stat().st_size / 1e6}


def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    mem = next((ln.split()[1] for ln in open("/proc/meminfo") if ln.startswith("MemTotal")), "0")
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gb": round(int(mem) / 2**20, 1),
            "loadavg": open("/proc/loadavg").read().split()[:3], "python": platform.python_version()}


def main(argv=None):  # noqa: C901
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=["county", "province", "nation"], default="county")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--zen-sample", type=int, default=20000)
    ap.add_argument("--out", help="folder for the generated CSV and the verdict files (default: a temp folder)")
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end CLI runs")
    ap.add_argument("--scenario", choices=["complete", "partial", "messy"], default="complete")
    a = ap.parse_args(argv)

    import numpy as np

    from junheng.evaluation import run as engine_run
    from junheng.evaluation.evaluator import Evaluator
    from junheng.explain.derivation import explain_school
    from junheng.reports.files import write_csv
    from junheng.records.loading import load_records
    from junheng.evaluation.units import build_spaces
    from junheng.records.validate import validate_records
    from junheng.verdicts.assemble import assemble_columns
    from examples.generate import SCALES, apply_scenario, generate, write
    from junheng.records.problem_list import write_problems
    import floor
    from resource_standard import write_resource_standard

    res, notes = {}, {}
    load0 = os.getloadavg()
    out = Path(a.out or tempfile.mkdtemp(prefix="junheng-bench-"))
    sc = SCALES[a.scale]
    t = time.perf_counter()
    schools_df, counties_df = generate(sc["counties"], sc["schools_per_county"], SEED, total_schools=sc["schools"])
    schools_df, counties_df = apply_scenario(schools_df, counties_df, a.scenario, SEED)
    paths = write(schools_df, counties_df, out / "input")
    notes["generate"] = time.perf_counter() - t
    del schools_df, counties_df

    def load_std():
        engine_run._cached_standard.cache_clear()
        return engine_run.prepare(STANDARD, (), AS_OF)

    std, comp = timed(load_std, a.repeat, res, "standard load + static check")
    cat = comp.table.catalogue

    def read():
        return load_records(str(paths[0]), "school", cat), load_records(str(paths[1]), "county", cat)

    srs, crs = timed(read, 1 if a.scale == "nation" else a.repeat, res, "input read (CSV -> typed frames)")
    timed(lambda: validate_records(srs, crs, cat, True), 1, res, "validation")
    probs = srs.problems + crs.problems
    notes["problems"] = f"{len(probs)} data problems"
    timed(lambda: write_problems(probs, out / "problems.csv"), 1, res, f"problems file write CSV ({len(probs)})")
    timed(lambda: write_problems(probs, out / "problems.json"), 1, res, f"problems file write JSON ({len(probs)})")

    def evaluate():
        sp = build_spaces(std, srs, crs, True)
        return Evaluator(comp, sp, AS_OF).run()

    ev = timed(evaluate, a.repeat, res, "evaluation (full standard, in-memory frames)")
    res_std, res_comp = engine_run.prepare(str(write_resource_standard(out)), (), AS_OF)

    def evaluate_resource():
        sp = build_spaces(res_std, srs, crs, True)
        return Evaluator(res_comp, sp, AS_OF).run()

    ev_res = timed(evaluate_resource, a.repeat, res, "evaluation (resource area only: R1-R7, R_school, CVs)")
    cols = timed(lambda: assemble_columns(ev, srs.invalid, "zh"), a.repeat, res,
                 "verdict assembly (columns + reasons)")
    timed(lambda: assemble_columns(ev, srs.invalid, "zh").frame(), 1, res,
          "verdict assembly + pandas frame (run.verdicts)")
    run = engine_run.Run(std, comp, srs, crs, ev.sp, ev, cols, AS_OF, "zh")
    from junheng.reports.files import write_parquet

    timed(lambda: write_csv(run, str(out / "verdicts.csv")), a.repeat, res, "output write CSV")
    timed(lambda: write_parquet(run, str(out / "verdicts.parquet")), a.repeat, res, "output write Parquet")
    sid = srs.frame["school_id"].iloc[len(srs.frame) // 2]
    timed(lambda: explain_school(run, sid), 1, res, f"explain one school ({sid}), first call")
    timed(lambda: explain_school(run, sid), a.repeat, res, f"explain one school ({sid}), later calls")
    sid2 = srs.frame["school_id"].iloc[len(srs.frame) // 3]
    timed(lambda: explain_school(run, sid2), 1, res, f"explain another school ({sid2}), first call")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB

    # ---------------------------------------------------------------- comparisons (checked EQUAL first)
    fl = floor.resource_floor(srs.frame)
    for e in (ev, ev_res):
        diffs = floor.compare_with_engine(fl, e)
        if diffs and a.scenario == "complete":
            raise SystemExit(f"floor and engine DISAGREE: {diffs}")  # the floor reads the engine's typed frame
        if diffs:  # messy data: the floor does not model every invalid-input case of the engine
            notes["floor vs engine"] = f"differ on the {a.scenario} file: {diffs}"
    timed(lambda: floor.resource_floor(srs.frame), a.repeat, res, "numpy floor (resource area R1-R7, R_school, CVs)")
    n_units = len(fl["u_school"])
    zen_line = None
    try:
        import zen_rules

        k = min(a.zen_sample, n_units)
        idx = np.linspace(0, n_units - 1, k).astype(int)
        recs = zen_rules.unit_records(srs.frame, fl["u_school"][idx], fl["u_stage"][idx])
        t, c = time.perf_counter(), time.process_time()
        zres = zen_rules.evaluate(recs)
        zt, zc = time.perf_counter() - t, time.process_time() - c
        bad = 0
        for j, r in zip(idx, zres):
            for key in floor.MIN:
                v = fl["values"][key][j]
                if abs(r[key] - v) > 1e-9 * max(1.0, abs(v)) or int(bool(r[f"{key}_ok"])) != fl["outcomes"][key][j]:
                    bad += 1
            bad += ("pass" if fl["school"][j] == 1 else "fail") != r["R_school"]
        if bad:
            raise SystemExit(f"zen-engine and the engine DISAGREE on {bad} values/outcomes")
        zen_line = (k, zt, zt / k * n_units, zc / k * n_units)
    except ImportError:
        notes["zen"] = "zen-engine not installed (pip install zen-engine)"

    # ---------------------------------------------------------------- junheng --help
    def helpcmd():
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "--help"], capture_output=True, check=True)

    timed(helpcmd, max(a.repeat, 3), res, "junheng --help (subprocess)")
    e2e = {}
    if not a.no_e2e:
        for fmt in ("parquet", "csv"):
            e2e[fmt] = end_to_end(paths, out / f"cli-verdicts.{fmt}", fmt)
        e2e["floor"] = floor_end_to_end(paths, out / "floor-verdicts.csv")

    m = machine()
    print(f"# junheng benchmark — scale {a.scale}: {len(srs.frame)} schools, {len(crs.frame)} counties, "
          f"{n_units} stage units, {len(cols)} verdicts (SYNTHETIC data, seed {SEED}, as of {AS_OF})")
    print(f"machine: {m['nproc']} cores, {m['cpu']}, {m['mem_gb']} GB, python {m['python']}; "
          f"load average before {' '.join(f'{x:.2f}' for x in load0)}, after {' '.join(m['loadavg'])}")
    print(f"best of {a.repeat} (input read and validation of the nation run: 1); generate {notes['generate']:.1f} s\n")
    print("| stage | wall s | CPU s |\n|---|---:|---:|")
    for k, (w, c) in res.items():
        print(f"| {k} | {w:.3f} | {c:.3f} |")
    for fmt, r in e2e.items():
        what = "`benchmarks/floor_e2e.py` (floor, CSV out)" if fmt == "floor" else \
            f"`cli.py evaluate --format {fmt} --out FILE`"
        print(f"| end to end in a separate process: {what} ({r['size_mb']:.0f} MB) | {r['wall']:.2f} | "
              f"{r['cpu']:.2f} |")
    if "floor" in e2e:
        print(f"\nend to end, engine CSV out / floor: wall {e2e['csv']['wall'] / e2e['floor']['wall']:.2f}x, "
              f"CPU {e2e['csv']['cpu'] / e2e['floor']['cpu']:.2f}x (scenario {a.scenario})")
    print(f"\npeak memory (ru_maxrss) of this benchmark process: {peak:.2f} GiB")
    for fmt, r in e2e.items():
        print(f"peak memory (VmHWM) of the end-to-end CLI process, {fmt} out: {r['peak_gib']:.2f} GiB")
    ev_w, ev_c = res["evaluation (full standard, in-memory frames)"]
    er_w, er_c = res["evaluation (resource area only: R1-R7, R_school, CVs)"]
    fl_w, fl_c = res["numpy floor (resource area R1-R7, R_school, CVs)"]
    print("\nfloor vs engine (full standard and resource-only standard): " +
          ("see note below" if "floor vs engine" in notes else "EQUAL") + "  (outcomes and values to 1e-9 on "
          "R1-R7, R_school, R1_cv-R7_cv)")
    print(f"engine (resource area only, {len(res_comp.rules)} rules) / floor (same rules): "
          f"wall {er_w / fl_w:.2f}x, CPU {er_c / fl_c:.2f}x")
    print(f"engine (full standard, {len(comp.rules)} rules) / floor (resource area only): "
          f"wall {ev_w / fl_w:.1f}x, CPU {ev_c / fl_c:.1f}x")
    if zen_line:
        k, zt, ext, ext_c = zen_line
        print(f"zen-engine: EQUAL on a sample of {k} units; {zt:.2f} s for the sample "
              f"({zt / k * 1e6:.0f} us/unit) -> {ext:.1f} s extrapolated to {n_units} units (CVs not included: "
              f"computed in Python for zen)")
        print(f"zen (resource area, extrapolated) / engine (resource area only): wall {ext / er_w:.0f}x, "
              f"CPU {ext_c / er_c:.0f}x; / engine (full standard): wall {ext / ev_w:.0f}x, CPU {ext_c / ev_c:.0f}x; "
              f"zen / floor: wall {ext / fl_w:.0f}x, CPU {ext_c / fl_c:.0f}x")
    for k, v in notes.items():
        if k != "generate":
            print(f"note: {k}: {v}")


if __name__ == "__main__":
    main()
