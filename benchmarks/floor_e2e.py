#!/usr/bin/env python3
"""The end-to-end floor of issue 18: CSV in -> verdict CSV out, no engine, in its own process.

  python benchmarks/floor_e2e.py SCHOOLS.csv OUT.csv

Reads the school CSV with pandas (numbers: pd.to_numeric, text/negative/out-of-range cells of a messy
file become missing, as the engine's invalid cells do), computes R1-R7, R_school and the seven CVs with
numpy (benchmarks/floor.py) and writes one verdict row per unit and rule (id, stage, rule, value,
threshold, outcome) with arrow's CSV writer. What a careful engineer writes for just these rules: the
lower bound the engine's end-to-end time is compared with.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
import floor  # noqa: E402

TEXT = {"school_id", "school_name", "county_id", "school_type", "urban_rural", "ownership", "boarding"}
OUT = np.array(["fail", "pass", "not_evaluable", "not_applicable"], dtype=object)
STAGE = np.array(["primary", "junior"], dtype=object)


def main(argv=None):
    src, dst = (argv or sys.argv[1:])[:2]
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    for c in df.columns:
        if c not in TEXT:
            v = pd.to_numeric(df[c], errors="coerce")
            df[c] = v.where((v >= 0) & (v < 1e11))
    fl = floor.resource_floor(df)
    ids = df["school_id"].to_numpy(dtype=object)[fl["u_school"]]
    stage = STAGE[fl["u_stage"]]
    prim = fl["u_stage"] == 0
    tables = []
    for k in floor.MIN:
        lo, hi = floor.MIN[k]
        tables.append(pa.table({"id": ids, "stage": stage, "rule": np.full(len(ids), k, dtype=object),
                                "value": fl["values"][k], "threshold": np.where(prim, lo, hi).astype(float),
                                "outcome": OUT[fl["outcomes"][k]]}))
    tables.append(pa.table({"id": ids, "stage": stage, "rule": np.full(len(ids), "R_school", dtype=object),
                            "value": np.full(len(ids), np.nan), "threshold": np.full(len(ids), np.nan),
                            "outcome": OUT[fl["school"]]}))
    counties = pd.factorize(df["county_id"])[1].to_numpy(dtype=object)[fl["cs_county"]]
    for k in floor.MIN:
        tables.append(pa.table({"id": counties, "stage": STAGE[fl["cs_stage"]],
                                "rule": np.full(len(counties), f"{k}_cv", dtype=object), "value": fl["cv"][k],
                                "threshold": floor.CV_MAX[fl["cs_stage"]].astype(float),
                                "outcome": OUT[fl["cv_outcomes"][k]]}))
    pacsv.write_csv(pa.concat_tables(tables), dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
