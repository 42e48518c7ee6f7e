"""The verdict CSV written from the assembled parts (``verdict_csv_blocks``, issue 18) == pandas' ``to_csv``.

The parts path builds each unit's key fields once per space and a rule's constants once; these tests
compare its bytes with ``DataFrame.to_csv`` of the verdict frame (the reference the table path is
already held to) on partial and messy generated files, with school names that need quoting (comma,
quote, line break) or formula neutralising (= + - @), in blocks of a few rows on threads and in one
thread; and the byte scan that decides the quoting against the regular expression it replaced.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from junheng.evaluation.run import evaluate_files
from junheng.reports import files
from junheng.reports.files import _quote_rows, csv_blocks, verdict_csv_blocks, write_csv

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
from generate import apply_scenario, generate, write  # noqa: E402

ODD_NAMES = ['第一,小学', '他说"好"学校', '两行\n学校', '=HYPERLINK("x")', '+86学校', '-1校', '@校', '\t校', '']


def _reference(run) -> bytes:
    return run.verdicts.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def _neutralised_reference(run) -> bytes:
    """to_csv of the frame after the formula neutralising the CSV writer applies to text cells."""
    v = run.verdicts.copy()
    for c in v.columns:
        if v[c].dtype.kind != "f":
            v[c] = v[c].map(lambda x: "'" + x if isinstance(x, str) and x[:1] in "=+-@\t\r" and x else x)
    return v.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


@pytest.fixture(scope="module", params=["partial", "messy"])
def run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    s, c = generate(2, 25, 11)
    s, c = apply_scenario(s, c, request.param, 11)
    s["school_name"] = s["school_name"].astype(object)
    for i, name in enumerate(ODD_NAMES):
        s.loc[s.index[i * 3], "school_name"] = name
    paths = write(s, c, out)
    return evaluate_files("national/quality-2017", paths[0], paths[1], "2024-09-01")


@pytest.mark.parametrize("rows,threads", [(7, 2), (100, 2), (1 << 17, 2), (50, 1)])
def test_parts_csv_equals_frame_csv(run, monkeypatch, rows, threads):
    monkeypatch.setattr(files, "CSV_THREADS", threads)
    got = b"".join(bytes(b) for b in verdict_csv_blocks(run.columns, rows=rows))
    assert got == b"".join(bytes(b) for b in csv_blocks(run.columns.table(), rows=rows))
    assert got == _neutralised_reference(run)
    assert b"'=HYPERLINK" in got and b'"\xe7\xac\xac\xe4\xb8\x80,' in got  # neutralised; quoted (第一,)


def test_write_csv_takes_the_parts_path(run, tmp_path, monkeypatch):
    called = []
    real = files.verdict_csv_blocks
    monkeypatch.setattr(files, "verdict_csv_blocks", lambda v: called.append(1) or real(v))
    write_csv(run, tmp_path / "v.csv")
    assert called and (tmp_path / "v.csv").read_bytes() == _neutralised_reference(run)


def test_no_odd_names_same_as_plain_to_csv(tmp_path):
    s, c = generate(1, 12, 4)
    paths = write(s, c, tmp_path)
    run = evaluate_files("national/quality-2017", paths[0], paths[1], "2024-09-01")
    assert b"".join(bytes(b) for b in verdict_csv_blocks(run.columns, rows=5)) == _reference(run)


def test_quote_rows_equals_regex():
    rng = np.random.default_rng(3)
    alphabet = list('ab ,"\n\r中文=-0.') + ["，", "；"]
    texts = ["".join(rng.choice(alphabet, rng.integers(0, 6))) for _ in range(3000)]
    a = pa.array(texts, type=pa.large_string())
    expect = [i for i, t in enumerate(texts) if re.search('[,"\n\r]', t)]
    assert _quote_rows(a).tolist() == expect
    sl = a.slice(100, 900)  # a slice: offsets do not start at 0
    assert _quote_rows(sl).tolist() == [i - 100 for i in expect if 100 <= i < 1000]
    assert 0 < len(expect) < len(texts)
