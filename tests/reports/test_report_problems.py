"""The HTML report's data-problem list read from the problem table's columns == the list of Problem objects."""
from __future__ import annotations

import sys
from pathlib import Path

from junheng.evaluation.run import evaluate_files
from junheng.reports.html_report import _problems

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
from generate import apply_scenario, generate, write  # noqa: E402


def test_problems_section_from_columns(tmp_path):
    s, c = generate(2, 20, 9)
    s, c = apply_scenario(s, c, "messy", 9)
    s["extra_unknown_column"] = 1  # a column the catalogue does not know: 'column ignored', not listed
    paths = write(s, c, tmp_path)
    run = evaluate_files("national/quality-2017", paths[0], paths[1], "2024-09-01")
    every = list(run.schools.problems) + list(run.counties.problems)
    listed = [p for p in every if p.action != "column ignored"]
    assert len(listed) < len(every) and len(listed) > 40
    for lang in ("zh", "en"):
        n, text = _problems(run, lang)
        assert n == len(listed)
        assert text == "\n".join(p.render(lang) for p in listed[:2000])
