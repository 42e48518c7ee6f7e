"""The hand-written numpy floor (benchmarks/floor.py) and the engine agree on a county-scale data set."""
import datetime as dt
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import floor  # noqa: E402

from junheng.evaluation.evaluator import Evaluator  # noqa: E402
from junheng.evaluation.run import prepare  # noqa: E402
from junheng.evaluation.units import build_spaces  # noqa: E402
from examples.generate import generate  # noqa: E402

pytestmark = pytest.mark.slow  # see pyproject's markers: CI runs it, `-m "not slow"` leaves it out


def test_floor_equals_engine_on_resource_rules(tmp_path):
    from examples.generate import write
    from junheng.evaluation.run import load_inputs

    day = dt.date(2024, 9, 1)
    std, comp = prepare("national/quality-2017", (), day)
    schools, counties = generate(4, 40, seed=3)
    paths = write(schools, counties, tmp_path)
    srs, crs = load_inputs(comp, str(paths[0]), str(paths[1]))
    ev = Evaluator(comp, build_spaces(std, srs, crs, True), day).run()
    fl = floor.resource_floor(srs.frame)
    assert floor.compare_with_engine(fl, ev) == []
    assert len(fl["u_school"]) > 160 and (fl["school"] == 0).any() and (fl["school"] == 1).any()
