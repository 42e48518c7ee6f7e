"""junheng diff: semantic differences in words, and verdict impact per rule, per county, per school."""
import json
from pathlib import Path

import junheng.cli.main as cli
from junheng.tools.diff import compare_verdicts, parse_side, run_diff

DATA = Path(__file__).parents[1] / "data" / "provinces"
DIRS = [str(DATA)]
S, C = [str(DATA / "schools.csv")], [str(DATA / "counties.csv")]


def test_parse_side():
    import datetime as dt

    assert parse_side("national/quality-2017@2020-09-01") == ("national/quality-2017", dt.date(2020, 9, 1))
    assert parse_side("national/quality-2017", "2024-09-01") == ("national/quality-2017", dt.date(2024, 9, 1))
    assert parse_side("a/b@2021") == ("a/b", dt.date(2021, 1, 1))
    assert parse_side("a/b") == ("a/b", None)


def test_threshold_change_in_words_and_impact():
    doc = run_diff("tbase/base", "tprov/quota", "2020-09-01", S, C, DIRS)
    [p] = doc["parameters"]
    assert (p["id"], p["a"], p["b"], p["change"]) == ("G14_quota_min", 50, 60, "changed")
    assert "由 50 % 改为 60 %" in p["words"] and "测政发〔2014〕48号" in p["words"]
    assert [r["id"] for r in doc["rules"]] == ["G14"] and doc["rules"][0]["via_parameters"] == ["G14_quota_min"]
    imp = doc["impact"]
    per = {r["rule_id"]: r for r in imp["per_rule"]}
    assert set(per) == {"G14", "G_area", "county_verdict"}
    assert per["G14"]["pass_to_fail"] == 2 and per["county_verdict"]["verdict_rule"]
    assert [(c["county_id"], c["a"], c["b"]) for c in imp["counties"]] == [("C3", "pass", "fail")]
    assert imp["counties_any_change"] == ["C2", "C3"]
    assert imp["schools"] == []


def test_two_dates_of_one_standard():
    doc = run_diff("tbase/base@2020-09-01", "tbase/base@2023-09-01", None, S, C, DIRS)
    [p] = doc["parameters"]
    assert (p["id"], p["a"], p["b"]) == ("size_max", 2400, 2000)
    rows = [(r["rule_id"], r["school_id"], r["outcome_a"], r["outcome_b"]) for r in doc["impact"]["changed"]]
    assert ("G4_school", "S4", "pass", "fail") in rows
    assert doc["impact"]["schools"] == [{"school_id": sid, "county_id": "C2", "rules": ["G4_school"]} for sid in ("S3",
                                                                                                                  "S4")]


def test_identical_sides_no_difference():
    doc = run_diff("tbase/base", "tbase/base", "2020-09-01", S, C, DIRS)
    assert doc["parameters"] == [] and doc["rules"] == [] and doc["impact"]["changed"] == []


def test_cli_json_and_table(capsys, tmp_path):
    out = tmp_path / "d.json"
    code = cli.main(["diff", "tbase/base", "tprov/quota", "--as-of", "2020-09-01", "--schools", *S, "--counties", *C,
                     "--standards-dir", str(DATA), "--format", "json", "--out", str(out)])
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["a"]["ref"] == "tbase/base@2020-09-01" and doc["impact"]["counties"][0]["county_id"] == "C3"
    code = cli.main(["diff", "tbase/base", "tprov/quota", "--as-of", "2020-09-01", "--schools", *S, "--counties", *C,
                     "--standards-dir", str(DATA)])
    text = capsys.readouterr().out
    assert code == 0 and "G14_quota_min" in text and "结论变化的区县" in text and "C3" in text
    code = cli.main(["--lang", "en", "diff", "tbase/base", "tprov/quota", "--standards-dir", str(DATA)])
    assert "changed from 50 % to 60 %" in capsys.readouterr().out


def test_compare_verdicts_outer_join():
    import pandas as pd

    cols = dict(level="county", school_id=None, stage=None, rule_name="x", value=1.0, threshold=1.0)
    a = pd.DataFrame([dict(cols, county_id="C1", rule_id="R", outcome="pass"),
                      dict(cols, county_id="C2", rule_id="R", outcome="pass")])
    b = pd.DataFrame([dict(cols, county_id="C1", rule_id="R", outcome="pass"),
                      dict(cols, county_id="C2", rule_id="R", outcome="fail"),
                      dict(cols, county_id="C1", rule_id="N", outcome="pass")])
    ch = compare_verdicts(a, b)
    assert list(zip(ch.rule_id, ch.county_id, ch.outcome_a, ch.outcome_b)) == [("N", "C1", "absent", "pass"),
                                                                                ("R", "C2", "pass", "fail")]
