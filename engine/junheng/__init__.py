"""junheng 均衡: a rules engine for the county-level evaluation of balanced compulsory education
(县域义务教育均衡发展督导评估).

The pipeline, one subpackage per stage::

    standards/*.yaml ──► standard/    safe YAML, model, extends-merge, versions, catalogue, checker
                          language/   expression grammar (Lark) → typed nodes; the function table
    records (csv/xlsx/json/frames)
                     ──► records/     readers, headers, normalise, record sets, cross-field validation
                     ──► evaluation/  stage units (weighted split), vectorised evaluator, 3-valued logic → Run
                     ──► verdicts/    verdict columns and reason texts
                     ──► explain/     derivation tree, counterfactuals, CV contributions, text rendering
                     ──► reports/     JSON/CSV/Parquet files, terminal table, HTML, XLSX
    tools/ (show, diff, new, test, template)   web/ (junheng serve)   cli/ (the junheng command)

The public API (imported on first use, so ``import junheng`` stays light)::

    import junheng
    std = junheng.load_standard("national/quality-2017")          # StandardError: located mistakes
    compiled = junheng.compile_standard(std)                       # static checks
    run = junheng.evaluate_files("national/quality-2017", "schools.csv", "counties.csv", as_of="2024-09-01")
    run = junheng.evaluate_frames("national/quality-2017", schools_df, counties_df)
    run.verdicts                                                   # pandas frame, one row per rule and unit
    tree = junheng.explain_school(run, "S001", "primary")          # or explain_county(run, "C01")
    print(junheng.explain_text(tree))
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from junheng.version import __version__

_API = {
    "load_standard": "junheng.standard.loader",
    "compile_standard": "junheng.standard.checker",
    "load_catalogue": "junheng.standard.catalogue",
    "list_standards": "junheng.standard.registry",
    "evaluate_files": "junheng.evaluation.run",
    "evaluate_frames": "junheng.evaluation.run",
    "evaluate_records": "junheng.evaluation.run",
    "Run": "junheng.evaluation.run",
    "explain_school": "junheng.explain.derivation",
    "explain_county": "junheng.explain.derivation",
    "NotFound": "junheng.explain.derivation",
    "explain_text": "junheng.explain.text",
    "JunhengError": "junheng.errors",
    "StandardError": "junheng.errors",
    "InputError": "junheng.errors",
    "LocatedError": "junheng.errors",
}

__all__ = sorted([*_API, "__version__"])

if TYPE_CHECKING:  # for type checkers and editors; at run time the names load on first use
    from junheng.errors import InputError, JunhengError, LocatedError, StandardError
    from junheng.evaluation.run import Run, evaluate_files, evaluate_frames, evaluate_records
    from junheng.explain.derivation import NotFound, explain_county, explain_school
    from junheng.explain.text import explain_text
    from junheng.standard.catalogue import load_catalogue
    from junheng.standard.checker import compile_standard
    from junheng.standard.loader import load_standard
    from junheng.standard.registry import list_standards


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'junheng' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
