"""The problem file written on a thread beside the verdict output (``evaluate --problems``, issue 18)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from junheng.evaluation.run import load_inputs, prepare
from junheng.records.problem_list import write_problems

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
from generate import apply_scenario, generate, write  # noqa: E402


def _load(schools, counties):
    _std, compiled = prepare("national/quality-2017", (), None)
    return load_inputs(compiled, schools, counties)


def test_problem_file_beside_the_output(tmp_path):
    """``write_problems_beside``: the problem file is complete when it returns, and the output's own error
    comes first (the problem file still written)."""
    from junheng.records.problem_list import write_problems_beside

    s, c = generate(1, 15, 5)
    s, c = apply_scenario(s, c, "messy", 5)
    paths = write(s, c, tmp_path)
    srs, crs = _load(paths[0], paths[1])
    probs = srs.problems + crs.problems
    write_problems(probs, tmp_path / "alone.csv")
    seen = []
    write_problems_beside(probs, tmp_path / "beside.csv", lambda: seen.append(1))
    assert seen == [1] and (tmp_path / "beside.csv").read_bytes() == (tmp_path / "alone.csv").read_bytes()

    def fail():
        raise RuntimeError("output failed")

    with pytest.raises(RuntimeError, match="output failed"):
        write_problems_beside(probs, tmp_path / "again.csv", fail)
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "alone.csv").read_bytes()
    from junheng.errors import OutputError

    with pytest.raises(OutputError):  # the problem file's own error, after the output was written
        write_problems_beside(probs, tmp_path / "no-such-dir" / "p.csv", lambda: seen.append(2))
    assert seen == [1, 2]
