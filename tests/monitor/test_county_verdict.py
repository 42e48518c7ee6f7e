"""The county verdict the monitor reports (ranking, counties by year, eligibility's monitored years) is the
rule of area ``county`` (评估结论), not any rule no other rule uses: E_eligibility is such a rule too, and a
county failing 14 items while its certification was old enough used to be ranked 通过."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cli
from junheng.evaluation.run import evaluate_files

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT))
from examples.generate import main as generate  # noqa: E402

STD = "national/quality-2017"


def test_ranking_and_years_use_the_county_verdict(tmp_path):
    out = tmp_path / "s"
    assert generate(["--series", "2", "--seed", "4", "--out", str(out), "--quiet"]) == 0
    files = {y: (out / f"schools-{y}.csv", out / f"counties-{y}.csv") for y in (2023, 2024)}
    # the second method: the engine's own county verdict and eligibility for each year
    truth = {}
    for y, (s, c) in files.items():
        v = evaluate_files(STD, [str(s)], [str(c)], f"{y}-09-01").verdicts
        v = v[v.level == "county"].set_index("rule_id")["outcome"]
        truth[y] = (v["county"], v["E_eligibility"])
    assert truth[2024] == ("fail", "pass")  # the case that was ranked 通过
    res = tmp_path / "m.json"
    assert cli.main(["monitor", "--standard", STD, "--schools", *(f"{y}={s}" for y, (s, _) in files.items()),
                     "--counties", *(f"{y}={c}" for y, (_, c) in files.items()),
                     "--format", "json", "--out", str(res), "--quiet"]) == 0
    doc = json.loads(res.read_text(encoding="utf-8"))
    (rank,) = doc["ranking"]
    assert (rank["outcome"], rank["passes_this_year"]) == ("fail", False)
    (county,) = doc["counties"]
    assert {y: county["years"][str(y)]["outcome"] for y in files} == {y: truth[y][0] for y in files}
    monitored = county["eligibility"]["monitored_years"]
    assert {int(y): o for y, o in monitored.items() if int(y) in files} == {y: truth[y][0] for y in files}


def test_terminal_view_in_words(tmp_path, capsys):
    # the same two years in the terminal: the county ranked 未通过, each warning's indicator with its name
    # from the standard (the rule's `name`), nothing in English
    out = tmp_path / "s"
    assert generate(["--series", "2", "--seed", "4", "--out", str(out), "--quiet"]) == 0
    assert cli.main(["monitor", "--standard", STD, "--schools", f"2023={out / 'schools-2023.csv'}",
                     f"2024={out / 'schools-2024.csv'}", "--counties", f"2023={out / 'counties-2023.csv'}",
                     f"2024={out / 'counties-2024.csv'}", "--quiet"]) == 0
    text = capsys.readouterr().out
    from junheng.standard.loader import load_standard

    names = {r.id: r.name for r in load_standard(STD).rules.values()}
    assert "未通过" in text and "│ 通过" not in text
    shown = [(rid, names[rid]) for rid in ("R1", "R2", "R3", "R4", "R5", "R6", "R7") if f" {rid} " in text]
    assert shown and all(f"{rid} {name}" in text.replace("\n", "") or f"{rid} {name[:6]}" in text
                         for rid, name in shown)
    assert "cell ignored" not in text and "evaluated" not in text
