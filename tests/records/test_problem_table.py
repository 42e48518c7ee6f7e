"""The columnar problem table (issue 18) and the column-wise stage and county checks.

``ProblemTable`` must behave as the list of ``Problem`` objects it replaced (order, iteration, slicing,
``list + table``, equality) while the outputs read its columns; ``check_stages`` and ``link_counties``
column-wise must give what their per-school reference loops give (``validate.PER_CELL``).
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from junheng.evaluation.run import load_inputs, prepare
from junheng.i18n import Msg
from junheng.records import column_typing, validate
from junheng.records.problems import ProblemTable, shown_many
from junheng.records.recordset import Problem, _shown

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
from generate import generate, write  # noqa: E402


def _p(k: int, rule="r", field="f", src=-1, book=None) -> Problem:
    return Problem("a.csv", None, k + 2, "col", str(k), rule, f"m{k}", "cell ignored", field, f"B{k + 2}", src, book)


def test_table_keeps_order_of_rows_and_column_chunks():
    book = (["S1", "S2", "S3"], ["一小", "二小", None])
    t = ProblemTable([_p(0)])
    t.add(2, book, file="a.csv", sheet=None, row=np.array([10, 11]), column="col", value=np.array(["x", "y"],
          dtype=object), rule=Msg("rec.rule_header"), message="m", action="note", field="g", cell="",
          src=np.array([1, 2]))
    t.append(_p(3, src=0, book=book))
    got = list(t)
    assert [p.row for p in got] == [2, 10, 11, 5]
    assert [p.value for p in got] == ["0", "x", "y", "3"]
    assert isinstance(got[1].rule, Msg) and got[1].rule.key == "rec.rule_header"  # the catalogue text kept
    assert [p.record for p in got] == [("", ""), ("S2", "二小"), ("S3", ""), ("S1", "一小")]
    assert type(got[1].row) is int and type(got[1].src) is int  # JSON-able Python ints
    assert len(t) == 4 and bool(t) and not ProblemTable()
    assert t[1] == got[1] and t[-1] == got[3] and t[1:3] == got[1:3]
    with pytest.raises(IndexError):
        t[4]
    assert [p.row for p in [_p(9)] + t] == [11, 2, 10, 11, 5]  # list + table
    assert t == got and list(t + t) == got + got
    assert list(t.where_action(("note",), True)) == got[1:3]
    assert list(t.where_action(("note",), False)) == [got[0], got[3]]
    assert t.to_json() == [p.to_json() for p in got]
    t.shift_src(10)
    assert [p.src for p in t] == [-1, 11, 12, 10]


def test_counts_are_counters_most_common():
    rules = ["b", "a", "b", "c", "a", "d"]
    t = ProblemTable([_p(k, rule=r) for k, r in enumerate(rules)])
    assert t.counts("rule") == Counter(rules).most_common()  # ties in order of first appearance


@pytest.mark.parametrize("values", [
    ["SYN0001", "第一小学", None, float("nan"), "  空格  ", "a\nb", "铃\x07声", "x" * 30, "（分校）", "中\u3000",
     "\xa0前", "abc\x85", ""],
    [1, "2", None],  # not all texts: one by one
])
def test_shown_many_is_shown(values):
    assert shown_many(values, 24, _shown).tolist() == [_shown(v) for v in values]


def _load(monkeypatch, per_cell, paths):
    monkeypatch.setattr(validate, "PER_CELL", per_cell)
    monkeypatch.setattr(column_typing, "PER_CELL", per_cell)
    _std, compiled = prepare("national/quality-2017", (), None)
    return load_inputs(compiled, *paths)


def _stage_mess(s: pd.DataFrame) -> pd.DataFrame:
    s = s.copy()
    types = s["school_type"].tolist()
    prim = [i for i, t in enumerate(types) if t == "小学"]
    jun = [i for i, t in enumerate(types) if t == "初中"]
    s["students_junior"] = s["students_junior"].astype(object)
    s["students_primary"] = s["students_primary"].astype(object)
    s.loc[prim[0], "students_junior"] = 37  # a primary school with junior pupils
    s.loc[prim[1], "students_junior"] = 12
    s.loc[jun[0], "students_primary"] = 5  # a junior school with primary pupils
    s.loc[prim[2], "school_type"] = "九年一贯制"  # nine-year school without junior pupils
    s.loc[prim[3], "school_type"] = "十二年一贯制"
    s.loc[prim[3], "students_primary"] = "不详"  # invalid cell: no second problem for it
    s.loc[prim[4], "school_type"] = "九年一贯制"
    s.loc[prim[4], "students_primary"] = None  # both stages missing
    s.loc[prim[5], "county_id"] = "999999"  # unknown county: rejected
    s.loc[prim[6], "county_id"] = "999998"
    return s


def test_stage_and_county_checks_column_wise_equal_per_school(tmp_path, monkeypatch):
    s, c = generate(1, 30, 5)
    paths = write(_stage_mess(s), c, tmp_path)
    old = _load(monkeypatch, True, paths)
    new = _load(monkeypatch, False, paths)
    for a, b in zip(old, new):
        assert [(p.to_json(), p.render("en"), p.src) for p in a.problems] == \
            [(p.to_json(), p.render("en"), p.src) for p in b.problems]
        assert [(c, list(d.items())) for c, d in a.invalid.items()] == \
            [(c, list(d.items())) for c, d in b.invalid.items()]
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert a.rejected == b.rejected
    rules = Counter(str(p.rule) for p in new[0].problems)
    assert rules[str(Msg("rec.rule_type_stage"))] == 3
    assert rules[str(Msg("rec.rule_both_stages"))] == 4  # prim[3] junior, prim[2] junior, prim[4] both
    assert len(new[0].rejected) == 2


def test_schools_without_county_take_the_only_county(tmp_path, monkeypatch):
    s, c = generate(1, 10, 2)
    s = s.copy()
    s.loc[[1, 4, 7], "county_id"] = None
    paths = write(s, c, tmp_path)
    old = _load(monkeypatch, True, paths)
    new = _load(monkeypatch, False, paths)
    assert [(p.to_json(), p.render("en")) for p in old[0].problems] == \
        [(p.to_json(), p.render("en")) for p in new[0].problems]
    notes = [p for p in new[0].problems if p.action == "note"]
    assert [p.row for p in notes] == [3, 6, 9]


def test_problem_file_in_blocks_is_the_one_block_file(tmp_path, monkeypatch):
    from junheng.records import problem_list

    book = ([f"S{k}" for k in range(30)], [f"学校{k}" for k in range(30)])
    t = ProblemTable([_p(0)])
    t.add(30, book, file="a.csv", sheet=None, row=np.arange(30) + 2, column="col",
          value=np.array([f'v,"{k}"' for k in range(30)], dtype=object), rule="r", message="m", action="cell ignored",
          src=np.arange(30))
    problem_list.write_problems(t, tmp_path / "one.csv")
    monkeypatch.setattr(problem_list, "BLOCK_ROWS", 7)
    problem_list.write_problems(t, tmp_path / "blocks.csv")
    data = (tmp_path / "blocks.csv").read_bytes()
    assert data == (tmp_path / "one.csv").read_bytes()
    back = pd.read_csv(tmp_path / "blocks.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert back["value"].tolist() == ["0"] + [f'v,"{k}"' for k in range(30)]
    assert back["record_id"].tolist() == [""] + [f"S{k}" for k in range(30)]
    problem_list.write_problems(ProblemTable(), tmp_path / "empty.csv")  # the header only
    assert (tmp_path / "empty.csv").read_bytes().decode("utf-8-sig").strip().split(",")[0] == '"file"'
