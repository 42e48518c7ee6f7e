"""The fast paths for national runs give what the general paths give (no timing here: benchmarks/).

* CSV read by arrow's parser == pandas' read (or it declines and pandas reads, as before);
* numbers: blank and plain cells parsed in C, the rest through the full normaliser == the full
  normaliser on the whole column (values, messages, notes);
* verdicts: CSV and Parquet written from the assembled columns == written from the pandas frame;
* explain: a row's counterfactuals solved on its county alone == solved on the whole run.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from junheng.explain.counterfactual import row_counterfactuals, rule_counterfactuals
from junheng.evaluation.logic import FAIL
from junheng.records.normalize import _to_number_all, to_number
from junheng.reports.files import csv_blocks, csv_bytes, write_csv
from junheng.records.csv_reader import _read_csv_arrow
from junheng.records.text_encoding import _decode
from junheng.evaluation.run import evaluate_files

DATA = Path(__file__).parents[1] / "data"
EDGE = {
    "quoted": 'a,b,c\n"x,1","y""z",3\n"multi\nline",2,3\n',
    "crlf": "a,b\r\n1,2\r\n3,4\r\n",
    "blank_lines": "a,b\n1,2\n\n\n3,4\n",
    "whitespace_line": "a,b\n1,2\n   \n3,4\n",
    "trailing_comma": "a,b,\n1,2,\n",
    "quote_inside": 'a,b\nab"c,2\n"ab"c,2\n',
    "fewer_fields": "a,b,c\n1,2\n",
    "duplicate_header": "a,a\n1,2\n",
    "empty_header": "a,,c\n1,2,3\n",
    "no_final_newline": "a,b\n1,2",
    "only_commas": "a,b\n,\n1,2\n",
    "cr_only": "a,b\r1,2\r3,4\r",
    "na_words": "a,b\nNA,null\n",
}


def _csv_cases():
    for name, text in EDGE.items():
        yield name, text.encode("utf-8")
    for p in sorted((DATA / "bad").glob("*.csv")) + sorted((DATA / "records").glob("*.csv")):
        try:
            _decode(p.read_bytes(), p.name)
        except Exception:  # not text (binary_garbage.csv): the reader refuses it before parsing
            continue
        yield p.name, p.read_bytes()


@pytest.mark.parametrize("name,data", list(_csv_cases()), ids=[c[0] for c in _csv_cases()])
def test_arrow_csv_read_equals_pandas(name, data):
    text, enc = _decode(data, name)
    fast = _read_csv_arrow(data, text, enc, ",")
    if fast is None:
        return  # declined: pandas reads it, as before
    slow = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=",", skip_blank_lines=True,
                       index_col=False)
    pd.testing.assert_frame_equal(fast, slow)


CELLS = ["12", "", "3.5", " 7 ", "1,234", "95%", "—", "无", "abc", "-4", "2.5", "１２", "1e3", "inf", "nan",
         "0", "007", "12345678901234567", "3万", "4.", ".5", "2005", "2005-09", "2005.5", None,
         # signed cells (the fast path reads a plain number after a minus sign; -0 is left to the normaliser)
         "-0", "-0.0", "-00", "-", "--5", "-.5", "-5.", "-2005", "-1234567890123456", "-123456789012345", "- 5",
         "999999999999", "1.2.3", "不详", "暂无"]


@pytest.mark.parametrize("ftype", ["count", "number", "money", "percent", "year"])
@pytest.mark.parametrize("factor", [1.0, 10000.0])
def test_fast_numbers_equal_full_normaliser(ftype, factor):
    rng = np.random.default_rng(7)
    for trial in range(20):
        cells = list(rng.choice(np.array(CELLS, dtype=object), size=int(rng.integers(1, 40))))
        if trial % 4 == 0:  # plain columns: the fast path alone
            cells = [c for c in cells if c in ("12", "", "3.5", "0", "007", "2.5", "2005")] or ["1"]
        raw = pd.Series(cells, dtype="str", name="col")
        v1, p1, n1 = to_number(raw, ftype, factor)
        v2, p2, n2 = _to_number_all(raw, ftype, factor)
        assert np.array_equal(v1.to_numpy(), v2.to_numpy(), equal_nan=True), cells
        assert p1.fillna("").tolist() == p2.fillna("").tolist(), cells
        assert n1 == n2, cells


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from examples.generate import generate, write

    out = tmp_path_factory.mktemp("fast")
    s, c = generate(4, 30, seed=5, mistakes=0.05)
    paths = write(s, c, out)
    return evaluate_files("national/quality-2017", [str(paths[0])], [str(paths[1])], "2024-09-01")


def test_csv_from_columns_equals_csv_from_frame(run):
    buf = io.StringIO()
    write_csv(run, buf)  # from the assembled columns (the frame is not built yet)
    assert run.__dict__.get("_frame") is None
    assert buf.getvalue().encode("utf-8") == csv_bytes(run.verdicts)
    assert buf.getvalue().encode("utf-8") == run.verdicts.to_csv(index=False, lineterminator="\n",
                                                                  float_format="%.10g").encode("utf-8")


@pytest.mark.parametrize("rows", [1, 7, 50, 1000])
def test_csv_in_blocks_on_threads_same_bytes(run, rows):
    whole = csv_bytes(run.verdicts)
    assert b"".join(bytes(b) for b in csv_blocks(run.verdict_table(), rows=rows)) == whole


def test_parquet_holds_the_frame(run, tmp_path):
    from junheng.reports.files import write_parquet

    write_parquet(run, tmp_path / "v.parquet")
    back = pd.read_parquet(tmp_path / "v.parquet")
    v = run.verdicts
    assert list(back.columns) == list(v.columns) and len(back) == len(v)
    for c in v.columns:
        a, b = back[c].astype(object).to_numpy(), v[c].astype(object).to_numpy()
        same = [(pd.isna(x) and pd.isna(y)) or x == y for x, y in zip(a, b)]
        assert all(same), c


def test_outcome_counts_without_frame(run):
    counts = run.outcome_counts()
    assert counts == run.verdicts["outcome"].value_counts().to_dict()
    assert run.verdict_count() == len(run.verdicts)


def test_counterfactual_on_county_alone_equals_whole_run(run):
    ev = run.evaluator
    checked = 0
    for rule in run.compiled.rules:
        if rule.kind != "threshold":
            continue
        for r in np.flatnonzero(ev.results[rule.id].outcome == FAIL)[:15]:
            whole = rule_counterfactuals(ev, rule, "zh", only_rows=[int(r)]).get(int(r))
            assert row_counterfactuals(ev, rule, int(r), "zh", local_min_units=0) == whole, (rule.id, r)
            checked += 1
    assert checked > 50
