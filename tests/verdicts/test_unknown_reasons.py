"""not_evaluable reasons built column-wise (issue 18) == the per-row reference path.

``reasons.ROWWISE = True`` builds them row by row as before; on partial files (resource fields only: most
verdicts not_evaluable), messy files (invalid cells, cross-field problems), the test data and both
languages, every verdict's reason must be the same text.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from junheng.evaluation.run import evaluate_files
from junheng.verdicts import reasons

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT / "examples"))
from generate import apply_scenario, generate, write  # noqa: E402


def _reasons(monkeypatch, rowwise, schools, counties, lang):
    monkeypatch.setattr(reasons, "ROWWISE", rowwise)
    run = evaluate_files("national/quality-2017", schools, counties, "2024-09-01", lang=lang)
    v = run.verdicts
    return v["reason"].tolist(), v["outcome"].tolist()


def _same(monkeypatch, schools, counties, lang):
    old, outcomes = _reasons(monkeypatch, True, schools, counties, lang)
    new, _ = _reasons(monkeypatch, False, schools, counties, lang)
    assert len(old) == len(new)
    diff = [(i, a, b) for i, (a, b) in enumerate(zip(old, new)) if a != b]
    assert not diff, diff[:5]
    return new, outcomes


@pytest.mark.parametrize("scenario", ["partial", "messy"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_generated_scenarios(tmp_path, monkeypatch, scenario, lang):
    s, c = generate(3, 30, 5)
    s, c = apply_scenario(s, c, scenario, 5)
    paths = write(s, c, tmp_path)
    texts, outcomes = _same(monkeypatch, paths[0], paths[1], lang)
    ne = [t for t, o in zip(texts, outcomes) if o == "not_evaluable"]
    assert len(ne) > 100 and all(ne)  # many not_evaluable verdicts, each with its reason
    if scenario == "messy" and lang == "zh":
        assert any(" 无效：" in t for t in ne)  # invalid cells named as such
        assert any("；" in t for t in ne)  # several parts joined


def test_without_county_file(tmp_path, monkeypatch):
    s, c = generate(1, 12, 7)
    s, c = apply_scenario(s, c, "messy", 7)
    paths = write(s, c, tmp_path)
    _same(monkeypatch, paths[0], None, "zh")


@pytest.mark.parametrize("name", ["negative_count.csv", "blank_cell.csv", "fullwidth_digits.csv",
                                  "primary_school_zero_students.csv", "no_stage_unknown_type.csv"])
def test_bad_files(monkeypatch, name):
    _same(monkeypatch, DATA / "bad" / name, DATA / "bad" / "counties.csv", "zh")



def test_join_skip_keeps_every_row():
    """The parts of each row joined without its nulls, "" when all are null (pyarrow's skip mode alone
    drops such rows); checked against a plain Python join."""
    import numpy as np
    import pyarrow as pa

    from junheng.verdicts.unknown_reasons import _join_skip

    rng = np.random.default_rng(2)
    n, k = 500, 4
    vals = [[None if rng.random() < 0.7 else f"p{j}-{i}" for i in range(n)] for j in range(k)]
    vals.append([None] * n)  # a part with no text at all
    parts = [pa.array(v, type=pa.large_string()) for v in vals]
    got = _join_skip(parts, "；").to_pylist()
    assert got == ["；".join(v[i] for v in vals if v[i] is not None) for i in range(n)]
    assert "" in got and any("；" in g for g in got)
    assert _join_skip([pa.nulls(3, pa.large_string())], "；").to_pylist() == ["", "", ""]
