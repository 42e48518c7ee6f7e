"""The junheng command on the bundled example: JSON contract, explain, every standard with and without counties."""
import json
from pathlib import Path

import jsonschema
import pytest

import junheng.cli.main as cli
from junheng.standard.registry import list_standards

ROOT = Path(__file__).resolve().parents[2]
SCHOOLS = str(ROOT / "examples/demo-county/schools.csv")
COUNTIES = str(ROOT / "examples/demo-county/counties.csv")
SCHEMA = json.loads((ROOT / "schemas/verdicts.schema.json").read_text(encoding="utf-8"))
STANDARDS = sorted(s["id"] for s in list_standards() if "error" not in s)


def run_cli(args, capsys):
    code = cli.main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_json_output_follows_the_contract(tmp_path, capsys):
    out_file = tmp_path / "v.json"
    code, _, _ = run_cli(["evaluate", "--standard", "national/quality-2017", "--schools", SCHOOLS,
                          "--counties", COUNTIES, "--format", "json", "--out", str(out_file), "--quiet"], capsys)
    assert code == 0
    doc = json.loads(out_file.read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    # every input row is evaluated or rejected
    s = doc["summary"]
    assert s["rows_read"] == 31 and s["rows_evaluated"] + s["rows_rejected"] == 31
    assert {f["sha256"] for f in doc["standard"]["files"]} and doc["standard"]["id"] == "national/quality-2017"
    rules = {v["rule_id"] for v in doc["verdicts"]}
    assert {"R1", "R7", "R_school", "R1_cv", "R7_cv", "county"} <= rules
    # every verdict names its citation
    assert all(v["citation"]["document"] for v in doc["verdicts"])
    # the exact-boundary school of the demo (1000 pupils, 9 PE/art teachers) passes R3
    r3 = [v for v in doc["verdicts"] if v["rule_id"] == "R3" and v["school_id"] == "DEMO01-001"][0]
    assert r3["outcome"] == "pass" and r3["value"] == pytest.approx(0.9)


@pytest.mark.parametrize("std", STANDARDS)
@pytest.mark.parametrize("with_counties", [True, False])
def test_every_standard_evaluates_with_and_without_counties(std, with_counties, capsys):
    args = ["evaluate", "--standard", std, "--schools", SCHOOLS, "--format", "csv", "--quiet"]
    if with_counties:
        args += ["--counties", COUNTIES]
    code, out, _ = run_cli(args, capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) > 10
    if not with_counties and "quality-2017" in std:
        # county facts unknown: the county verdict cannot be a pass
        county = [line for line in lines if ",county," in line and line.split(",")[5] == "county"]
        assert county and all(",pass," not in line for line in county)


def test_explain_failing_school_shows_why(capsys):
    code, out, _ = run_cli(["explain", "--standard", "national/quality-2017", "--schools", SCHOOLS,
                            "--counties", COUNTIES, "--school", "DEMO01-019"], capsys)
    assert code == 0
    # R1: 5 teachers above the required degree for 139 pupils = 3.5971 per hundred, below 4.2
    assert "不达标 R1" in out and "3.5971" in out and "4.2" in out
    assert "教督〔2017〕6号" in out and "standards/national/quality-2017.yaml:" in out


def test_explain_county_chain(capsys):
    code, out, _ = run_cli(["explain", "--standard", "national/quality-2017", "--schools", SCHOOLS,
                            "--counties", COUNTIES, "--county", "DEMO01"], capsys)
    assert code == 0
    first = out.splitlines()[1]
    assert "county" in first  # the overall verdict heads the chain
    assert "area_resources" in out and "R_school" in out


def test_explain_unknown_school_is_a_clean_error(capsys):
    code, _, err = run_cli(["explain", "--standard", "national/quality-2017", "--schools", SCHOOLS,
                            "--school", "NOPE"], capsys)
    assert code == 2 and "NOPE" in err


def test_unknown_standard_and_missing_file(capsys):
    code, _, err = run_cli(["evaluate", "--standard", "nowhere/x", "--schools", SCHOOLS], capsys)
    assert code == 2 and "nowhere/x" in err
    code, _, err = run_cli(["evaluate", "--standard", "national/quality-2017", "--schools", "/no/such.csv"], capsys)
    assert code == 2 and "such.csv" in err


def test_english_output(capsys):
    code, out, _ = run_cli(["--lang", "en", "evaluate", "--standard", "national/quality-2017", "--schools",
                            SCHOOLS, "--counties", COUNTIES], capsys)
    assert code == 0 and "conclusion" in out and "school-stage verdicts" in out
