"""Run every YAML standard test (standards/*/tests/*.yaml) under pytest, and check the tests cover the
national standards: every rule id named by at least one expectation, with a passing and a failing case
(the few rules that cannot pass or fail by design are listed with the reason)."""
from pathlib import Path

import pytest
import yaml

from junheng.cli.main import main
from junheng.standard.loader import load_standard
from junheng.tools.stdtest import covered_rules, find_test_files, run_file

ROOT = Path(__file__).resolve().parents[2]
STANDARDS = ROOT / "standards"
TEST_FILES = find_test_files([STANDARDS])
NATIONAL = sorted(p for p in (STANDARDS / "national").glob("*.yaml"))

# rules that by design have no failing (or no passing) case under the national file
NO_FAIL = {("national/basic-2012", "B_school_standard")}  # unknown("...") nationally: neither pass nor fail
NO_PASS = {("national/basic-2012", "B_school_standard"),  # unknown("...") until a province overrides it
           ("national/basic-2012", "county")}  # so the national county verdict is at best not_evaluable


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_yaml_standard_tests(path):
    res = run_file(path)
    assert not res.error, res.error
    bad = [f"{c.file}:{c.line} 「{c.case}」 {c.rule}: {c.message}" for c in res.checks if not c.ok]
    assert not bad, "\n".join(bad)
    assert res.checks


def _expectations(path):
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for case in data["cases"]:
        for e in case["expect"]:
            yield e


@pytest.mark.parametrize("std_path", NATIONAL, ids=lambda p: p.stem)
def test_every_national_rule_is_covered(std_path):
    std = load_standard(str(std_path))
    test_path = std_path.parent / "tests" / std_path.name
    assert test_path.exists(), f"no YAML tests for {std.id} ({test_path})"
    covered = covered_rules(test_path)
    missing = sorted(set(std.rules) - covered)
    assert not missing, f"{std.id}: rules without a YAML test: {missing}"
    outcomes = {}
    for e in _expectations(test_path):
        outcomes.setdefault(e["rule"], set()).add(e.get("outcome"))
    # record-only rules (no limit, e.g. the 2012 single CVs) never pass or fail: they are not_applicable ("仅记录")
    judged = [r for r, rule in std.rules.items() if rule.kind != "record"]
    assert all("pass" not in outcomes.get(r, ()) and "fail" not in outcomes.get(r, ())
               for r, rule in std.rules.items() if rule.kind == "record")
    no_pass = sorted(r for r in judged if "pass" not in outcomes.get(r, ()) and (std.id, r) not in NO_PASS)
    no_fail = sorted(r for r in judged if "fail" not in outcomes.get(r, ()) and (std.id, r) not in NO_FAIL)
    assert not no_pass, f"{std.id}: rules without a passing case: {no_pass}"
    assert not no_fail, f"{std.id}: rules without a failing case: {no_fail}"
    for sid, rid in NO_PASS | NO_FAIL:  # the exceptions still have a case (not_evaluable / pass)
        if sid == std.id:
            assert outcomes.get(rid), f"{rid} has no case at all"


def test_every_threshold_has_a_boundary_case():
    """For each national threshold rule, some expectation has value == threshold (the boundary)."""
    for std_path in NATIONAL:
        std = load_standard(str(std_path))
        test_path = std_path.parent / "tests" / std_path.name
        boundary = {e["rule"] for e in _expectations(test_path)
                    if "value" in e and "threshold" in e and abs(float(e["value"]) - float(e["threshold"])) < 1e-9}
        # R_school has no value; the record-only B*_cv rules have no threshold (kind "record")
        thresholds = {rid for rid, r in std.rules.items() if r.kind == "threshold"}
        missing = sorted(thresholds - boundary - {"G8_pay"})
        # G8_pay's threshold is the civil-servant pay (a county field), its boundary case has value == threshold too
        assert not missing, f"{std.id}: threshold rules without a boundary case: {missing}"


def _tmp_test(tmp_path, expect):
    data = yaml.safe_load((STANDARDS / "national" / "tests" / "quality-2017.yaml").read_text(encoding="utf-8"))
    data["cases"] = [{"name": "deliberately wrong", "expect": expect}]
    d = tmp_path / "tests"
    d.mkdir()
    p = d / "quality-2017.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_cli_exit_codes(tmp_path, capsys):
    good = _tmp_test(tmp_path, [{"rule": "R1", "school": "S1", "outcome": "pass", "value": 5.2}])
    assert main(["test", str(good)]) == 0
    good.write_text(good.read_text(encoding="utf-8").replace("value: 5.2", "value: 5.3"), encoding="utf-8")
    assert main(["test", str(good)]) == 1
    out = capsys.readouterr().out
    assert "value 5.2 ≠ 期望 5.3" in out and "R1 [school=S1]" in out


def test_ambiguous_or_missing_row_fails(tmp_path):
    p = _tmp_test(tmp_path, [{"rule": "R1", "outcome": "pass"}, {"rule": "no_such_rule", "outcome": "pass"}])
    res = run_file(p)
    assert [c.ok for c in res.checks] == [False, False]
    assert "2 行判定" in res.checks[0].message and "没有判定行" in res.checks[1].message
