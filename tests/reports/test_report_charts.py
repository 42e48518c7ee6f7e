"""The report's charts tell what the verdicts say: bar colours from the verdict table, not_applicable units
drawn as such, floor lines only where a rule has a floor, labels that do not overlap."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from junheng.evaluation.run import evaluate_files

DEMO = Path(__file__).parents[2] / "examples" / "demo-county"


@pytest.fixture(scope="module")
def run():
    return evaluate_files("national/quality-2017", [str(DEMO / "schools.csv")], [str(DEMO / "counties.csv")],
                          as_of="2024-09-01")


@pytest.fixture(scope="module")
def page(run):
    from junheng.reports.html_report import render_html

    return render_html(run)


def _chart_blocks(page: str, rule_id: str) -> list:
    """(caption, legend, svg) per stage of the chart of one rule."""
    start = page.index(f"<h3>{rule_id} ")
    end = page.index("<h3>", start + 5) if "<h3>" in page[start + 5:] else len(page)
    part = page[start:end]
    return re.findall(r'<div class="small chart-caption">(.*?)</div>\s*<p class="legend small">(.*?)</p>\s*'
                      r'<div class="scroll chart">(<svg.*?</svg>)', part, re.S)


def _outcomes(svg: str) -> list:
    return re.findall(r'<rect [^>]*data-outcome="([a-z_]+)"', svg)


def test_g13_chart_counts_match_the_verdict_table(run, page):
    v = run.verdicts
    g13 = v[(v.rule_id == "G13_school") & (v.level == "stage")]
    blocks = _chart_blocks(page, "G13_school")
    stages = [s for s in ("primary", "junior") if (g13.stage == s).any()]
    assert len(blocks) == len(stages)
    for stage, (caption, legend, svg) in zip(stages, blocks):
        rows = g13[g13.stage == stage]
        drawn = _outcomes(svg)
        fails = int((rows.outcome == "fail").sum())
        na = int((rows.outcome == "not_applicable").sum())
        # amber or red bars are exactly the failing units; grey ones the units the rule does not apply to
        assert sum(o in ("fail", "above_floor") for o in drawn) == fails
        assert drawn.count("not_applicable") == na
        assert drawn.count("pass") == int((rows.outcome == "pass").sum())
        assert f"不达标 {fails} / {len(rows)}" in caption
        if na:
            assert f"不适用 {na}" in caption and "不适用" in legend
    # the case: rural schools (not applicable) are not drawn as failures
    primary = g13[g13.stage == "primary"]
    assert (primary.outcome == "not_applicable").sum() >= 10 and (primary.outcome == "fail").sum() == 2


def test_floor_line_only_where_the_rule_has_a_floor(page):
    g5 = _chart_blocks(page, "G5_school")
    assert g5
    for _caption, legend, svg in g5:
        assert "stroke-dasharray" not in svg and "底线" not in svg and "底线" not in legend
    r1 = _chart_blocks(page, "R1")
    assert r1 and all("stroke-dasharray" in svg and "85% 底线" in svg for _, _, svg in r1)


def test_axis_names_every_school(run, page):
    (caption, legend, svg), *_ = _chart_blocks(page, "R1")
    names = re.findall(r'<text class="axis-name"[^>]*>([^<]*)</text>', svg)
    v = run.verdicts
    r1 = v[(v.rule_id == "R1") & (v.stage == "primary") & v.value.notna()]
    assert len(names) == len(r1)
    assert sorted(names) == sorted(r1.school_name)


def test_line_labels_do_not_overlap():
    from junheng.reports.html_report import bar_chart

    # two thresholds 0.1 apart and a floor: three right-hand labels within a few pixels of each other
    svg = str(bar_chart(np.array([1.0, 2.0, 3.0, 4.0]), np.array([4.2, 4.2, 4.3, 4.3]), list("abcd"), "人", 0.98))
    ys = sorted(float(y) for y in re.findall(r'<text class="line-label" x="[0-9.]+" y="([0-9.]+)"', svg))
    assert len(ys) == 4
    assert all(b - a >= 12 - 1e-9 for a, b in zip(ys, ys[1:]))


def test_cv_value_and_limit_labels_do_not_overlap():
    from junheng.reports.html_report import cv_chart

    items = [{"label": "R1_cv", "value": 0.4999, "limit": 0.5, "outcome": "pass"},
             {"label": "R2_cv", "value": 0.62, "limit": 0.5, "outcome": "fail"}]
    svg = str(cv_chart(items))
    values = [(float(x), t) for x, t in re.findall(r'<text class="value-label" x="([0-9.]+)"[^>]*>([^<]*)<', svg)]
    limits = [float(x) for x in re.findall(r'<text class="limit-label" x="([0-9.]+)"', svg)]
    assert len(values) == 2 and len(limits) == 2
    char_w = 7  # an 11px digit is at most ~7px wide
    for (x, text), lx in zip(values, limits):
        assert x + char_w * len(text) < lx
