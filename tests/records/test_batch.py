"""Column-wise problems and invalid cells (issue 18) == the per-cell reference path.

The per-cell code stays callable (``validate.PER_CELL`` / ``column_typing.PER_CELL``); on messy generated
files (a cross-field problem per school, 5 % invalid cells) and on every file of tests/data/bad and
tests/data/records both paths must give the same problems (every field, same order), the same invalid
cells (same messages, same dict order) and the same typed frames.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from junheng.evaluation.run import load_inputs, prepare
from junheng.records import column_typing, validate
from junheng.records.problem_list import write_problems

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT / "examples"))
from generate import apply_scenario, generate, write  # noqa: E402


def _load(monkeypatch, per_cell, schools, counties):
    monkeypatch.setattr(validate, "PER_CELL", per_cell)
    monkeypatch.setattr(column_typing, "PER_CELL", per_cell)
    _std, compiled = prepare("national/quality-2017", (), None)
    return load_inputs(compiled, schools, counties)


def _same(monkeypatch, schools, counties):
    old = _load(monkeypatch, True, schools, counties)
    new = _load(monkeypatch, False, schools, counties)
    for a, b in zip(old, new):
        assert [(p.to_json(), str(p), p.render("en"), p.src) for p in a.problems] == \
            [(p.to_json(), str(p), p.render("en"), p.src) for p in b.problems]
        assert list(a.invalid) == list(b.invalid)
        for col in a.invalid:
            assert list(a.invalid[col].items()) == list(b.invalid[col].items())
            assert [getattr(m, "key", None) for m in a.invalid[col].values()] == \
                [getattr(m, "key", None) for m in b.invalid[col].values()]
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert a.rejected == b.rejected
    return new


@pytest.mark.parametrize("seed", [1, 2])
def test_messy_file_same_problems_in_same_order(tmp_path, monkeypatch, seed):
    s, c = generate(3, 40, seed)
    s, c = apply_scenario(s, c, "messy", seed)
    paths = write(s, c, tmp_path)
    srs, _ = _same(monkeypatch, paths[0], paths[1])
    rules = {p.rule for p in srs.problems}
    # the file really is messy: cross-field problems and invalid cells both present
    assert {"degree_le_teachers", "backbone_le_teachers", "in_zone_le_students"} & rules
    assert any(p.action == "cell ignored" and "（非负整数）" in p.rule for p in srs.problems)
    assert len(srs.problems) > 120


def _bad_files():
    for p in sorted((DATA / "bad").glob("*")) + sorted((DATA / "records").glob("*")):
        if p.suffix in (".csv", ".xlsx", ".json", ".jsonl") and "count" not in p.name:
            yield p


@pytest.mark.parametrize("path", list(_bad_files()), ids=lambda p: p.name)
def test_bad_files_same_problems(monkeypatch, path):
    counties = DATA / "bad" / "counties.csv"
    try:
        _same(monkeypatch, path, counties)
    except Exception as exc:  # a file both paths refuse (not a table): same refusal is all we ask
        with pytest.raises(type(exc)):
            _load(monkeypatch, False, path, counties)


def test_problem_file_csv_and_json(tmp_path, monkeypatch):
    import json

    s, c = generate(2, 20, 3)
    s, c = apply_scenario(s, c, "messy", 3)
    paths = write(s, c, tmp_path)
    srs, crs = _load(monkeypatch, False, paths[0], paths[1])
    probs = srs.problems + crs.problems
    write_problems(probs, tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text("utf-8")) == [p.to_json() for p in probs]
    write_problems(probs, tmp_path / "p.csv")
    back = pd.read_csv(tmp_path / "p.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(back) == len(probs)
    assert back["row"].astype(int).tolist() == [p.row for p in probs]
    assert back["message"].tolist() == [p.message for p in probs]
    assert back["record_id"].tolist() == [p.record[0] for p in probs]


def test_terminal_summary_above_the_limit(tmp_path, monkeypatch):
    import io

    from rich.console import Console

    s, c = generate(3, 40, 1)
    s, c = apply_scenario(s, c, "messy", 1)
    paths = write(s, c, tmp_path)
    srs, crs = _load(monkeypatch, False, paths[0], paths[1])
    buf = io.StringIO()
    probs = validate.report(Console(file=buf, width=100000), srs, crs)
    text = buf.getvalue()
    assert len(probs) > 200
    n_degree = sum(1 for p in probs if p.rule == "degree_le_teachers")
    assert n_degree and f"degree_le_teachers ×{n_degree}" in text
    listed = [p for p in probs if str(p) in text]
    assert [str(p) for p in listed] == [str(p) for p in probs[:5]]  # only the first five, in order
    assert "--problems" in text
