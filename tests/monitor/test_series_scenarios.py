"""`examples/generate.py --series N --scenario partial|messy`: every year's files are shaped as a county sends
them, and `junheng monitor` reads such a series to the end, its data problems counted, none a pass by default."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

import cli

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT))
from examples.generate import RESOURCE_COLS, main as generate  # noqa: E402

STD = "national/quality-2017"


def _series(tmp_path, scenario):
    out = tmp_path / scenario
    assert generate(["--series", "2", "--seed", "5", "--scenario", scenario, "--out", str(out), "--quiet"]) == 0
    return out


def test_partial_series_has_only_the_resource_columns_every_year(tmp_path):
    out = _series(tmp_path, "partial")
    for y in (2023, 2024):
        s = pd.read_csv(out / f"schools-{y}.csv", dtype=str)
        assert set(s.columns) <= set(RESOURCE_COLS) and "certified_teachers" not in s.columns
        assert list(pd.read_csv(out / f"counties-{y}.csv").columns) == ["county_id", "county_name", "year"]


def test_messy_series_has_bad_cells_every_year_and_monitor_reads_it(tmp_path, capsys):
    out = _series(tmp_path, "messy")
    bad = {}
    for y in (2023, 2024):
        s = pd.read_csv(out / f"schools-{y}.csv", dtype=str)
        num = pd.to_numeric(s["teachers_primary"], errors="coerce")
        bad[y] = set(s.loc[s["teachers_primary"].notna() & (num.isna() | (num < 0)), "school_id"])
    assert bad[2023] and bad[2024] and bad[2023] != bad[2024]  # drawn anew per year
    res = tmp_path / "m.json"
    assert cli.main(["monitor", "--standard", STD, "--schools", f"2023={out / 'schools-2023.csv'}",
                     f"2024={out / 'schools-2024.csv'}", "--counties", f"2023={out / 'counties-2023.csv'}",
                     f"2024={out / 'counties-2024.csv'}", "--format", "json", "--out", str(res), "--quiet"]) == 0
    doc = json.loads(res.read_text(encoding="utf-8"))
    # a school whose primary teacher count is unreadable in 2024 is not passing R1–R3 of its primary stage that
    # year, so none of them is warned about as "passing now but close" (a warning needs a passing verdict)
    warned = [w for w in doc["warnings"] if w["school_id"] in bad[2024] and w["stage"] == "primary"
              and w["rule_id"] in ("R1", "R2", "R3")]
    assert warned == []
    assert doc["summary"]["units"] > doc["summary"]["passing_now"] + doc["summary"]["failing_now"]
