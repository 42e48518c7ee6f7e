"""The public API in ``junheng/__init__``: files and frames give the same verdicts; errors are the
package's own; ``import junheng`` stays light."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import junheng

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-county"
STD = "national/quality-2017"


def test_frames_and_files_give_the_same_verdicts():
    by_file = junheng.evaluate_files(STD, str(DEMO / "schools.csv"), str(DEMO / "counties.csv"), as_of="2024-09-01")
    s = pd.read_csv(DEMO / "schools.csv")  # numbers as numbers this time, not text
    c = pd.read_csv(DEMO / "counties.csv")
    by_frame = junheng.evaluate_frames(STD, s, c, as_of="2024-09-01")
    a, b = by_file.verdicts, by_frame.verdicts
    assert len(a) == len(b) == 619  # 30 schools, 35 stage units, 619 verdicts (the README run)
    cols = ["rule_id", "school_id", "stage", "outcome", "value", "threshold"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_a_bad_cell_in_a_frame_is_located_by_row():
    s = pd.read_csv(DEMO / "schools.csv", dtype=str)
    s.loc[2, "students_primary"] = "很多"
    run = junheng.evaluate_frames(STD, s, pd.read_csv(DEMO / "counties.csv", dtype=str), as_of="2024-09-01")
    probs = [p for p in run.schools.problems if p.column == "students_primary"]
    assert len(probs) == 1 and probs[0].file == "schools" and probs[0].row == 3 and probs[0].value == "很多"
    sid = s.loc[2, "school_id"]
    v = run.verdicts
    r1 = v[(v.rule_id == "R1") & (v.school_id == sid) & (v.stage == "primary")]
    assert r1.outcome.tolist() == ["not_evaluable"]


def test_api_names_and_errors():
    assert set(junheng.__all__) >= {"load_standard", "compile_standard", "evaluate_files", "evaluate_frames", "Run",
                                    "explain_school", "explain_county", "explain_text", "StandardError",
                                    "InputError", "__version__"}
    with pytest.raises(junheng.StandardError):
        junheng.load_standard("nowhere/nothing")
    with pytest.raises(AttributeError):
        junheng.no_such_name  # noqa: B018
    assert issubclass(junheng.StandardError, junheng.JunhengError)


def test_import_is_light():
    code = "import sys, junheng; print('pandas' in sys.modules, 'numpy' in sys.modules, junheng.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == ["False", "False"]
