"""Columns of few distinct texts are normalised text by text and spread back (``normalize._Distinct``);
the values, messages and notes (counts included) equal those of the cell-by-cell reading of the column."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from junheng.records.normalize import _counter, _Distinct, to_bool, to_text

BOOL_CELLS = ["是", "否", " 是 ", "Y", "no", "有", "无", "—", "", "maybe", "ｙｅｓ", "１", "0", "×", None, "n/a"]
CATS = ["小学", "初中", "九年一贯制", "小\u200b学", "初中 ", "ＩＴ", "其他", "—", "", None, "无"]
ALLOWED = ["小学", "初中", "九年一贯制", "IT"]


def _column(cells, seed, n=300):
    rng = np.random.default_rng(seed)
    return pd.Series(list(rng.choice(np.array(cells, dtype=object), size=n)), dtype="str", name="c")


def _same(fast, slow):
    (v1, p1, n1), (v2, p2, n2) = fast, slow
    assert v1.dtype == v2.dtype
    assert v1.astype(object).where(v1.notna(), None).tolist() == v2.astype(object).where(v2.notna(), None).tolist()
    assert p1.fillna("").astype(str).tolist() == p2.fillna("").astype(str).tolist()
    assert [str(x) for x in n1] == [str(x) for x in n2]


@pytest.mark.parametrize("seed", range(6))
def test_bool_by_distinct_texts_equals_cell_by_cell(seed):
    raw = _column(BOOL_CELLS, seed)
    assert _Distinct.of(raw) is not None  # the distinct path is taken
    _same(to_bool(raw), to_bool(raw, _counter()))  # a count given: the cell-by-cell reading


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("allowed", [ALLOWED, None])
def test_text_by_distinct_texts_equals_cell_by_cell(seed, allowed):
    raw = _column(CATS, seed)
    _same(to_text(raw, allowed), to_text(raw, allowed, _counter()))


def test_counts_in_notes_are_cells_not_texts():
    raw = pd.Series(["ｙｅｓ"] * 70 + ["是"] * 30, dtype="str")
    values, problems, notes = to_bool(raw)
    assert values.tolist() == [1.0] * 100
    assert any("70" in str(n) for n in notes)  # 70 full-width cells, one distinct text


def test_many_distinct_texts_are_read_cell_by_cell():
    raw = pd.Series([f"学校{i}" for i in range(100)], dtype="str")
    assert _Distinct.of(raw) is None
